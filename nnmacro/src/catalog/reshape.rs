//! Layers that reshape or normalize a whole sample: `Flatten`, `Softmax(dim=1)`,
//! `LogSoftmax(dim=1)`.

use proc_macro2::TokenStream;
use quote::quote;

use super::args::{bind_all, literal_value, written};
use super::{LayerDef, LayerKind, Link};
use crate::ast::{Arg, LayerCall};
use crate::errors::Errors;
use crate::shape::{Dims, Size, describe};

pub const FLATTEN: LayerDef = LayerDef {
    name: "Flatten",
    keeps_shape: false,
    usage: "`Flatten`: a sample of any shape as one row of features, in PyTorch's order",
    check: flatten,
};

/// `Flatten`, or with PyTorch's defaults written out: `start_dim = 1, end_dim = -1` (a batch's
/// samples each flattened whole), the only dimensions a model of samples has.
fn flatten(call: &LayerCall, args: &[&Arg], errors: &mut Errors) -> Option<Box<dyn LayerKind>> {
    let (values, mut ok) = bind_all(call, args, &["start_dim", "end_dim"], errors);
    for (value, name, default) in [(values[0], "start_dim", 1.0), (values[1], "end_dim", -1.0)] {
        let Some(value) = value else { continue };
        if literal_value(value) != Some(default) {
            let found = written(value);
            errors.spanned(
                value,
                format_args!(
                    "`Flatten` flattens each sample whole: only `start_dim = 1, end_dim = -1`, \
                     PyTorch's defaults, are supported; found `{name} = {found}`"
                ),
            );
            ok = false;
        }
    }
    ok.then(|| -> Box<dyn LayerKind> { Box::new(Flatten) })
}

pub const SOFTMAX: LayerDef = LayerDef {
    name: "Softmax",
    keeps_shape: true,
    usage: "`Softmax(dim = 1)`",
    check: |call, args, errors| softmax(call, args, false, errors),
};

pub const LOG_SOFTMAX: LayerDef = LayerDef {
    name: "LogSoftmax",
    keeps_shape: true,
    usage: "`LogSoftmax(dim = 1)`",
    check: |call, args, errors| softmax(call, args, true, errors),
};

struct Flatten;

impl LayerKind for Flatten {
    fn output(&self, input: &[Size], _: &mut Link) -> Option<Dims> {
        let (first, rest) = input.split_first()?;
        let mut n = first.clone();
        for size in rest {
            n = n.mul(size)?;
        }
        // `8×8×8 = 512` in messages, or the product of the constants.
        let text = match n.literal {
            Some(value) if input.len() > 1 => format!("{} = {value}", describe(input)),
            _ => n.text(),
        };
        Some(vec![n.described(text)])
    }

    fn ty(&self, _: &[Size]) -> TokenStream {
        quote!(::nncore::Flatten)
    }

    fn zero(&self, ty: &TokenStream) -> TokenStream {
        ty.clone()
    }
}

struct Softmax {
    log: bool,
    dim: i64,
}

fn softmax(
    call: &LayerCall,
    args: &[&Arg],
    log: bool,
    errors: &mut Errors,
) -> Option<Box<dyn LayerKind>> {
    let layer = call.name();
    let (values, ok) = bind_all(call, args, &["dim"], errors);
    let Some(dim) = values[0] else {
        if ok {
            errors.spanned(
                call,
                format_args!("`{layer}` needs its `dim`, as PyTorch warns without it: write `{layer}(dim = 1)`"),
            );
        }
        return None;
    };
    let value = literal_value(dim).filter(|d| *d == 1.0 || *d == -1.0);
    let Some(value) = value else {
        let found = written(dim);
        errors.spanned(
            dim,
            format_args!("`{layer}` normalizes over a sample's features: `dim` must be 1 (or -1), found `{found}`"),
        );
        return None;
    };
    ok.then(|| -> Box<dyn LayerKind> {
        Box::new(Softmax {
            log,
            dim: value as i64,
        })
    })
}

impl LayerKind for Softmax {
    fn passes_shape(&self) -> bool {
        true
    }

    fn output(&self, input: &[Size], link: &mut Link) -> Option<Dims> {
        link.expect_rank(input, &[1], "features", "\nadd `Flatten` before it")
            .then(|| input.to_vec())
    }

    fn ty(&self, _: &[Size]) -> TokenStream {
        if self.log {
            quote!(::nncore::LogSoftmax)
        } else {
            quote!(::nncore::Softmax)
        }
    }

    fn zero(&self, ty: &TokenStream) -> TokenStream {
        let dim = self.dim;
        quote!(#ty::new(#dim))
    }
}
