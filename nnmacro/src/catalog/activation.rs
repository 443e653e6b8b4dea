//! Activations: one function applied to each value, any shape in, the same shape out. Each is
//! a row here and a file in `nncore/src/layers/activation/`.

use proc_macro2::TokenStream;
use quote::quote;
use syn::Expr;

use super::args::{bind, no_args, number, string, written};
use super::spelling::{self, Spelled};
use super::{LayerDef, LayerKind, Link};
use crate::ast::{Arg, LayerCall};
use crate::errors::Errors;
use crate::shape::{Dims, Size};

/// An activation: its runtime type, its value, and its arguments as written.
struct Activation {
    ty: TokenStream,
    value: TokenStream,
    spelled: Vec<Spelled>,
    /// `ReLU`, which a batch norm before it folds into its training passes.
    relu: bool,
}

impl LayerKind for Activation {
    fn passes_shape(&self) -> bool {
        true
    }

    fn output(&self, input: &[Size], _: &mut Link) -> Option<Dims> {
        Some(input.to_vec())
    }

    fn ty(&self, _: &[Size]) -> TokenStream {
        self.ty.clone()
    }

    fn zero(&self, _: &TokenStream) -> TokenStream {
        self.value.clone()
    }

    fn spelled(&self) -> Vec<Spelled> {
        self.spelled.clone()
    }

    fn is_relu(&self) -> bool {
        self.relu
    }
}

/// An activation without arguments, whose value is its unit struct.
fn plain(ty: TokenStream, relu: bool) -> Option<Box<dyn LayerKind>> {
    Some(Box::new(Activation {
        value: ty.clone(),
        ty,
        spelled: Vec::new(),
        relu,
    }))
}

/// `(value) as f32`, or the default.
fn float(value: Option<Expr>, default: TokenStream) -> TokenStream {
    value.map_or(default, |value| quote!((#value) as ::core::primitive::f32))
}

/// The layer's numbers by position or keyword, each `None` for its default.
fn numbers(
    call: &LayerCall,
    args: &[&Arg],
    names: &[&str],
    errors: &mut Errors,
) -> Option<Vec<Option<Expr>>> {
    let layer = call.name().to_string();
    let takes = names.join(", ");
    let extra = |_: &Expr| format!("unexpected argument for `{layer}`; it takes {takes}");
    let (values, mut ok) = bind(call, args, names, names.len(), extra, errors);
    let mut out = Vec::new();
    for (value, name) in values.into_iter().zip(names) {
        out.push(value.and_then(|v| {
            let n = number(v, name, &layer, errors);
            ok &= n.is_some();
            n
        }));
    }
    ok.then_some(out)
}

macro_rules! plain_activation {
    ($const:ident, $name:literal, $ty:path) => {
        pub const $const: LayerDef = LayerDef {
            name: $name,
            keeps_shape: true,
            usage: concat!("`", $name, "`"),
            check: |call, args, errors| {
                no_args(call, args, errors)
                    .then(|| plain(quote!(::nncore::$ty), $name == "ReLU"))?
            },
        };
    };
}

plain_activation!(TANH, "Tanh", Tanh);
plain_activation!(RELU, "ReLU", ReLU);
plain_activation!(RELU6, "ReLU6", ReLU6);
plain_activation!(SIGMOID, "Sigmoid", Sigmoid);
plain_activation!(SILU, "SiLU", SiLU);
plain_activation!(IDENTITY, "Identity", Identity);
plain_activation!(HARDSWISH, "Hardswish", Hardswish);
plain_activation!(HARDSIGMOID, "Hardsigmoid", Hardsigmoid);

pub const LEAKY_RELU: LayerDef = LayerDef {
    name: "LeakyReLU",
    keeps_shape: true,
    usage: "`LeakyReLU(negative_slope)`, e.g. `LeakyReLU(0.1)`, or `LeakyReLU` for 0.01",
    check: |call, args, errors| {
        let count = args.len();
        let usage = LEAKY_RELU.usage;
        let extra = |_: &Expr| {
            format!(
                "`LeakyReLU` takes one argument, its negative slope, but {count} are given\nexpected {usage}"
            )
        };
        let (values, ok) = bind(call, args, &["negative_slope"], 1, extra, errors);
        let slope = match values[0] {
            Some(slope) => Some(number(slope, "negative_slope", "LeakyReLU", errors)?),
            None => None,
        };
        let spelled = spelling::float("negative_slope", slope.as_ref());
        let slope = float(slope, quote!(0.01));
        ok.then(|| -> Box<dyn LayerKind> {
            Box::new(Activation {
                ty: quote!(::nncore::LeakyReLU),
                value: quote!(::nncore::LeakyReLU::new(#slope)),
                spelled: spelled.into_iter().collect(),
                relu: false,
            })
        })
    },
};

pub const GELU: LayerDef = LayerDef {
    name: "GELU",
    keeps_shape: true,
    usage: "`GELU`, or `GELU(approximate = \"tanh\")`",
    check: |call, args, errors| {
        let extra = |_: &Expr| {
            "`GELU` takes at most one argument: `GELU`, or `GELU(approximate = \"tanh\")`"
                .to_owned()
        };
        let (values, ok) = bind(call, args, &["approximate"], 1, extra, errors);
        let tanh = match values[0] {
            None => false,
            Some(value) if matches!(string(value).as_deref(), Some("tanh" | "none")) => {
                string(value).as_deref() == Some("tanh")
            }
            Some(value) => {
                let found = written(value);
                errors.spanned(
                    value,
                    format_args!("`approximate` must be `\"none\"` or `\"tanh\"`, found `{found}`"),
                );
                return None;
            }
        };
        let value = if tanh {
            quote!(::nncore::GELU::TANH)
        } else {
            quote!(::nncore::GELU::EXACT)
        };
        ok.then(|| -> Box<dyn LayerKind> {
            Box::new(Activation {
                ty: quote!(::nncore::GELU),
                value,
                spelled: Vec::new(),
                relu: false,
            })
        })
    },
};

pub const SOFTPLUS: LayerDef = LayerDef {
    name: "Softplus",
    keeps_shape: true,
    usage: "`Softplus`, or `Softplus(beta, threshold)`, e.g. `Softplus(beta = 2, threshold = 10)`",
    check: |call, args, errors| {
        let mut values = numbers(call, args, &["beta", "threshold"], errors)?;
        let spelled = [("beta", &values[0]), ("threshold", &values[1])]
            .into_iter()
            .filter_map(|(key, value)| spelling::float(key, value.as_ref()))
            .collect();
        let threshold = float(values.pop().flatten(), quote!(20.0));
        let beta = float(values.pop().flatten(), quote!(1.0));
        Some(Box::new(Activation {
            ty: quote!(::nncore::Softplus),
            value: quote!(::nncore::Softplus::new(#beta, #threshold)),
            spelled,
            relu: false,
        }))
    },
};

pub const ELU: LayerDef = LayerDef {
    name: "ELU",
    keeps_shape: true,
    usage: "`ELU`, or `ELU(alpha)`, e.g. `ELU(0.5)`",
    check: |call, args, errors| {
        let mut values = numbers(call, args, &["alpha"], errors)?;
        let spelled = spelling::float("alpha", values[0].as_ref());
        let alpha = float(values.pop().flatten(), quote!(1.0));
        Some(Box::new(Activation {
            ty: quote!(::nncore::ELU),
            value: quote!(::nncore::ELU::new(#alpha)),
            spelled: spelled.into_iter().collect(),
            relu: false,
        }))
    },
};
