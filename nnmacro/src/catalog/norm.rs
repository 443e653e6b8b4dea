//! `BatchNorm1d`, `BatchNorm2d` (`num_features, eps=1e-5, momentum=0.1, affine=True,
//! track_running_stats=True`) and `Dropout(p=0.5)`: the layers whose training mode differs.

use proc_macro2::TokenStream;
use quote::quote;
use syn::Expr;

use super::args::{bind_all, boolean, literal_value, number, size, written};
use super::spelling::{self, Spelled};
use super::{LayerDef, LayerKind, Link};
use crate::ast::{Arg, LayerCall};
use crate::errors::Errors;
use crate::ir::TensorDef;
use crate::shape::{Dims, Size};

pub const BATCH_NORM1D: LayerDef = LayerDef {
    name: "BatchNorm1d",
    keeps_shape: true,
    usage: "`BatchNorm1d(num_features)`, or with `eps` and `momentum`, e.g. `BatchNorm1d(16, momentum = 0.01)`",
    check: |call, args, errors| batch_norm(call, args, 1, errors),
};

pub const BATCH_NORM2D: LayerDef = LayerDef {
    name: "BatchNorm2d",
    keeps_shape: true,
    usage: "`BatchNorm2d(num_features)`, or with `eps` and `momentum`",
    check: |call, args, errors| batch_norm(call, args, 2, errors),
};

pub const DROPOUT: LayerDef = LayerDef {
    name: "Dropout",
    keeps_shape: true,
    usage: "`Dropout(p)`, e.g. `Dropout(0.2)`, or `Dropout` for 0.5",
    check: dropout,
};

struct BatchNorm {
    axes: usize,
    features: Size,
    eps: TokenStream,
    momentum: TokenStream,
    spelled: Vec<Spelled>,
}

fn batch_norm(
    call: &LayerCall,
    args: &[&Arg],
    axes: usize,
    errors: &mut Errors,
) -> Option<Box<dyn LayerKind>> {
    let names = [
        "num_features",
        "eps",
        "momentum",
        "affine",
        "track_running_stats",
    ];
    let (values, mut ok) = bind_all(call, args, &names, errors);
    let layer = call.name().to_string();
    let Some(features) = values[0] else {
        if ok {
            errors.spanned(
                call,
                format_args!(
                    "`{layer}` needs `num_features`, the number of channels it normalizes"
                ),
            );
        }
        return None;
    };
    let features = size(features, "features", errors);
    let mut float = |value: Option<&Expr>, name: &str, default: TokenStream| match value {
        None => Some(default),
        Some(Expr::Path(p)) if p.path.is_ident("None") => {
            errors.spanned(
                p,
                format_args!("`{name} = None` (a cumulative average) is not supported; give a number, e.g. `{name} = 0.1`"),
            );
            None
        }
        Some(value) => {
            number(value, name, &layer, errors).map(|v| quote!((#v) as ::core::primitive::f32))
        }
    };
    let spelled = [("eps", values[1]), ("momentum", values[2])]
        .into_iter()
        .filter_map(|(key, value)| spelling::float(key, value))
        .collect();
    let eps = float(values[1], "eps", quote!(1e-5));
    let momentum = float(values[2], "momentum", quote!(0.1));
    for (value, name) in [(values[3], "affine"), (values[4], "track_running_stats")] {
        if let Some(value) = value {
            if boolean(value, name, errors) != Some(true) {
                errors.spanned(
                    value,
                    format_args!("only `{name} = true`, PyTorch's default, is supported"),
                );
                ok = false;
            }
        }
    }
    let (features, eps, momentum) = (features?, eps?, momentum?);
    ok.then(|| -> Box<dyn LayerKind> {
        Box::new(BatchNorm {
            axes,
            features,
            eps,
            momentum,
            spelled,
        })
    })
}

impl LayerKind for BatchNorm {
    fn passes_shape(&self) -> bool {
        true
    }

    fn folds_relu(&self) -> bool {
        true
    }

    fn spelled(&self) -> Vec<Spelled> {
        self.spelled.clone()
    }

    fn nominal_input(&self) -> Dims {
        vec![self.features.clone()]
    }

    fn output(&self, input: &[Size], link: &mut Link) -> Option<Dims> {
        let ok = if self.axes == 1 {
            link.expect_rank(
                input,
                &[1, 2],
                "features `[features]` or a sequence `[channels, length]`",
                "",
            )
        } else {
            link.expect_rank(
                input,
                &[3],
                "an image `[channels, height, width]`",
                "\nuse `BatchNorm1d` for features and sequences",
            )
        };
        if !ok {
            return None;
        }
        let role = if input.len() == 1 {
            "features"
        } else {
            "channels"
        };
        link.expect_equal(&self.features, &input[0], role);
        Some(input.to_vec())
    }

    fn ty(&self, input: &[Size]) -> TokenStream {
        let features = input[0].generic();
        if self.axes == 1 {
            quote!(::nncore::BatchNorm1d<#features>)
        } else {
            quote!(::nncore::BatchNorm2d<#features>)
        }
    }

    fn zero(&self, ty: &TokenStream) -> TokenStream {
        let (eps, momentum) = (&self.eps, &self.momentum);
        quote!(<#ty>::new(#eps, #momentum))
    }

    fn configure(&self) -> Option<TokenStream> {
        let (eps, momentum) = (&self.eps, &self.momentum);
        Some(quote!(#eps, #momentum))
    }

    fn params(&self, input: &[Size]) -> Vec<TensorDef> {
        ["weight", "bias"]
            .map(|name| TensorDef {
                name,
                dims: vec![input[0].clone()],
                int64: false,
            })
            .into()
    }

    fn buffers(&self, input: &[Size]) -> Vec<TensorDef> {
        let channels = |name| TensorDef {
            name,
            dims: vec![input[0].clone()],
            int64: false,
        };
        vec![
            channels("running_mean"),
            channels("running_var"),
            TensorDef {
                name: "num_batches_tracked",
                dims: Vec::new(),
                int64: true,
            },
        ]
    }
}

struct Dropout {
    p: TokenStream,
    spelled: Option<Spelled>,
}

fn dropout(call: &LayerCall, args: &[&Arg], errors: &mut Errors) -> Option<Box<dyn LayerKind>> {
    let (values, mut ok) = bind_all(call, args, &["p", "inplace"], errors);
    let p = match values[0] {
        None => quote!(0.5),
        Some(value) => {
            let p = number(value, "p", "Dropout", errors)?;
            if literal_value(&p).is_some_and(|p| !(0.0..=1.0).contains(&p)) {
                let found = written(&p);
                errors.spanned(
                    value,
                    format_args!("dropout probability has to be between 0 and 1, but got {found}"),
                );
                return None;
            }
            quote!((#p) as ::core::primitive::f32)
        }
    };
    if let Some(inplace) = values[1] {
        ok &= boolean(inplace, "inplace", errors).is_some();
    }
    let spelled = spelling::float("p", values[0]);
    ok.then(|| -> Box<dyn LayerKind> { Box::new(Dropout { p, spelled }) })
}

impl LayerKind for Dropout {
    fn passes_shape(&self) -> bool {
        true
    }

    fn output(&self, input: &[Size], _: &mut Link) -> Option<Dims> {
        Some(input.to_vec())
    }

    fn ty(&self, _: &[Size]) -> TokenStream {
        quote!(::nncore::Dropout)
    }

    fn zero(&self, _: &TokenStream) -> TokenStream {
        let p = &self.p;
        quote!(::nncore::Dropout::new(#p))
    }

    fn spelled(&self) -> Vec<Spelled> {
        self.spelled.iter().cloned().collect()
    }
}
