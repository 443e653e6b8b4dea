//! Zero padding: `ZeroPad1d(padding)` and `ZeroPad2d(padding)`, each side in PyTorch's order:
//! `(left, right)`, `(left, right, top, bottom)`.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{Expr, ExprUnary, UnOp};

use super::args::{bind_all, int, written};
use super::{LayerDef, LayerKind, Link};
use crate::ast::{Arg, LayerCall};
use crate::errors::Errors;
use crate::shape::{Dims, Size};

pub const ZERO_PAD1D: LayerDef = LayerDef {
    name: "ZeroPad1d",
    keeps_shape: false,
    usage: "`ZeroPad1d(padding)`: one integer for both ends, or `(left, right)`, e.g. `ZeroPad1d((2, 0))`",
    check: |call, args, errors| zero_pad(call, args, 1, errors),
};

pub const ZERO_PAD2D: LayerDef = LayerDef {
    name: "ZeroPad2d",
    keeps_shape: false,
    usage: "`ZeroPad2d(padding)`: one integer for every side, or `(left, right, top, bottom)`, e.g. `ZeroPad2d((1, 1, 2, 0))`",
    check: |call, args, errors| zero_pad(call, args, 2, errors),
};

/// Zeros around each channel of a sequence (`axes` 1) or an image (`axes` 2).
struct Pad {
    axes: usize,
    /// `[left, right]` or `[left, right, top, bottom]`, PyTorch's order.
    padding: Vec<u64>,
}

fn zero_pad(
    call: &LayerCall,
    args: &[&Arg],
    axes: usize,
    errors: &mut Errors,
) -> Option<Box<dyn LayerKind>> {
    let (values, ok) = bind_all(call, args, &["padding"], errors);
    let layer = call.name().to_string();
    let Some(value) = values[0] else {
        if ok {
            errors.spanned(
                call,
                format_args!(
                    "`{layer}` needs its `padding`\nexpected {}",
                    super::usage(&layer)
                ),
            );
        }
        return None;
    };
    let padding = sides(value, 2 * axes, &layer, errors)?;
    ok.then(|| -> Box<dyn LayerKind> { Box::new(Pad { axes, padding }) })
}

/// `p` for every side, or a tuple of `count` sides, as PyTorch's `_pair` and `_quadruple` read
/// `padding`.
fn sides(expr: &Expr, count: usize, layer: &str, errors: &mut Errors) -> Option<Vec<u64>> {
    match expr {
        Expr::Paren(inner) => sides(&inner.expr, count, layer, errors),
        Expr::Tuple(syn::ExprTuple { elems, .. }) | Expr::Array(syn::ExprArray { elems, .. }) => {
            if elems.len() != count {
                let order = if count == 2 {
                    "two, `(left, right)`"
                } else {
                    "four, `(left, right, top, bottom)`"
                };
                errors.spanned(
                    expr,
                    format_args!(
                        "`padding` of `{layer}` takes one integer or {order}; found {} values",
                        elems.len()
                    ),
                );
                return None;
            }
            let values: Vec<Option<u64>> = elems.iter().map(|e| side(e, layer, errors)).collect();
            values.into_iter().collect()
        }
        _ => side(expr, layer, errors).map(|p| vec![p; count]),
    }
}

/// One side's padding: an integer literal, 0 or more.
fn side(expr: &Expr, layer: &str, errors: &mut Errors) -> Option<u64> {
    if let Expr::Unary(ExprUnary {
        op: UnOp::Neg(_), ..
    }) = expr
    {
        let found = written(expr);
        errors.spanned(
            expr,
            format_args!(
                "`{layer}` pads with zeros only: each side must be 0 or more, found `{found}` (a negative side, which crops in PyTorch, is not supported)"
            ),
        );
        return None;
    }
    int(expr, "padding", 0, errors)
}

impl LayerKind for Pad {
    fn output(&self, input: &[Size], link: &mut Link) -> Option<Dims> {
        let (what, hint) = match (self.axes, input.len()) {
            (1, 3) => (
                "a sequence `[channels, length]`",
                "\nuse `ZeroPad2d` for images",
            ),
            (1, _) => ("a sequence `[channels, length]`", ""),
            (_, 2) => (
                "an image `[channels, height, width]`",
                "\nuse `ZeroPad1d` for sequences",
            ),
            _ => ("an image `[channels, height, width]`", ""),
        };
        if !link.expect_rank(input, &[self.axes + 1], what, hint) {
            return None;
        }
        let mut out = vec![input[0].clone()];
        for axis in 0..self.axes {
            // PyTorch's padding starts at the last axis: the width's `(left, right)` first.
            let first = 2 * (self.axes - 1 - axis);
            let added = self.padding[first] + self.padding[first + 1];
            let length = &input[axis + 1];
            out.push(length.add(&Size::new(added, length.span()))?);
        }
        Some(out)
    }

    fn ty(&self, _: &[Size]) -> TokenStream {
        let padding = self.padding.iter().map(|&p| p as usize);
        if self.axes == 1 {
            quote!(::nncore::ZeroPad1d<#(#padding),*>)
        } else {
            quote!(::nncore::ZeroPad2d<#(#padding),*>)
        }
    }

    fn zero(&self, ty: &TokenStream) -> TokenStream {
        quote!(<#ty>::new())
    }
}
