//! The limits on a model's size: its parameters and the widths of its samples.

use proc_macro2::{Span, TokenStream};
use quote::quote;

use crate::ast::LayerCall;
use crate::catalog::args::{MAX_PARAMS, grouped};
use crate::errors::Errors;
use crate::ir::ConstCheck;
use crate::shape::{Dims, numel, numel_raw};
use crate::valid::Slot;

/// The most values a model's samples (its input and every layer's output) may add up to:
/// 2^16 `f32`, 256 KiB.
///
/// One sample's activations and their gradients are arrays on the stack, one of each shape:
/// 512 KiB at the limit, and unoptimized code makes copies of them besides. At the limit a
/// forward and backward pass takes up to about 1.4 MiB of stack, which a thread's 2 MiB holds
/// (docs/compile-errors.md); at twice the limit it overflows.
pub const MAX_WIDTHS: u128 = 1 << 16;

/// What the limits tell.
pub struct Limits {
    /// The literal sizes alone are over the parameter limit: the stub leaves out the layers
    /// with parameters.
    pub too_large: bool,
    /// A `bool` expression of the raw sizes: the model is within both limits. Sizes given as
    /// constants are used as they are only then (`consts.rs`).
    pub fits: TokenStream,
}

/// A sum of literal counts and of constant expressions.
#[derive(Default)]
struct Sum {
    literal: u128,
    constant: Vec<TokenStream>,
}

impl Sum {
    fn add(&mut self, dims: &Dims) -> u128 {
        match numel(dims) {
            Some(n) => {
                self.literal += n;
                n
            }
            None => {
                self.constant.push(numel_raw(dims));
                0
            }
        }
    }

    /// `sum <= max` over the raw sizes, saturating, for `const` code.
    fn within(&self, max: u128) -> TokenStream {
        let (literal, max) = (self.literal.min(usize::MAX as u128) as usize, max as usize);
        let terms = &self.constant;
        quote!(#literal #(.saturating_add(#terms))* <= #max)
    }
}

/// Checks that the model's parameters fit in [`MAX_PARAMS`] and its samples in [`MAX_WIDTHS`]:
/// counted here as far as sizes are literals, by `const` assertions otherwise. Every layer and
/// shape known counts, so a model with other mistakes is checked too.
pub fn check_limits(
    slots: &[Slot],
    shapes: &[Option<Dims>],
    body_span: Span,
    const_checks: &mut Vec<ConstCheck>,
    errors: &mut Errors,
) -> Limits {
    let (params, too_large) = check_params(slots, shapes, body_span, const_checks, errors);
    let widths = check_widths(slots, shapes, body_span, const_checks, errors);
    let (params, widths) = (params.within(MAX_PARAMS), widths.within(MAX_WIDTHS));
    Limits {
        too_large,
        fits: quote!((#params) && (#widths)),
    }
}

fn check_params(
    slots: &[Slot],
    shapes: &[Option<Dims>],
    body_span: Span,
    const_checks: &mut Vec<ConstCheck>,
    errors: &mut Errors,
) -> (Sum, bool) {
    let mut sum = Sum::default();
    let mut largest: Option<(u128, &LayerCall)> = None;
    for (slot, shape) in slots.iter().zip(shapes) {
        let (Some((kind, call)), Some(shape)) = (&slot.layer, shape) else {
            continue;
        };
        let count: u128 = kind.params(shape).iter().map(|p| sum.add(&p.dims)).sum();
        if count > 0 && largest.is_none_or(|(most, _)| count > most) {
            largest = Some((count, call));
        }
    }
    let max = grouped(MAX_PARAMS);
    if let Some((count, call)) = largest.filter(|_| sum.literal > MAX_PARAMS) {
        let alone = if count == sum.literal {
            String::new()
        } else {
            format!("; `{call}` alone has {}", grouped(count))
        };
        let least = if sum.constant.is_empty() {
            ""
        } else {
            "at least "
        };
        let total = grouped(sum.literal);
        errors.spanned(
            call,
            format_args!(
                "this model has {least}{total} parameters, more than the {max} (64 MiB of `f32`) a model may have{alone}\na model's arrays are held by value and built by the compiler, which would need gigabytes for this one"
            ),
        );
        return (sum, true);
    }
    if !sum.constant.is_empty() {
        const_checks.push(ConstCheck {
            span: body_span,
            condition: sum.within(MAX_PARAMS),
            message: format!(
                "the model has more than {max} parameters, the most a model may have (64 MiB of `f32`)\na model's arrays are held by value and built by the compiler, which would need gigabytes for this one"
            ),
        });
    }
    (sum, false)
}

fn check_widths(
    slots: &[Slot],
    shapes: &[Option<Dims>],
    body_span: Span,
    const_checks: &mut Vec<ConstCheck>,
    errors: &mut Errors,
) -> Sum {
    let max = grouped(MAX_WIDTHS);
    let why = format!(
        "one sample's activations and their gradients are arrays on the stack, one of each width; at {max} features a forward and backward pass already takes most of a thread's 2 MiB stack"
    );
    let mut sum = Sum::default();
    for dims in shapes.iter().flatten() {
        sum.add(dims);
    }
    if sum.literal > MAX_WIDTHS {
        // The widest layer, the first of equals: the one that gives the width, not the one after.
        let widest = slots
            .iter()
            .zip(shapes.windows(2))
            .rev()
            .filter_map(|(slot, pair)| {
                let width = pair.iter().flatten().filter_map(|d| numel(d)).max()?;
                Some((width, &slot.layer.as_ref()?.1))
            })
            .max_by_key(|(width, _)| *width);
        let span_on = widest.map(|(_, call)| call);
        let least = if sum.constant.is_empty() {
            ""
        } else {
            "at least "
        };
        let (total, width) = (grouped(sum.literal), grouped(widest.map_or(0, |(w, _)| w)));
        let alone = widest.map_or(String::new(), |(_, call)| {
            format!("; `{call}` alone is {width} wide")
        });
        let message = format!(
            "the widths of this model's input and layers add up to {least}{total} features, more than the {max} a model may have{alone}\n{why}"
        );
        match span_on {
            Some(call) => errors.spanned(call, message),
            None => errors.push(syn::Error::new(body_span, message)),
        }
    } else if !sum.constant.is_empty() {
        const_checks.push(ConstCheck {
            span: body_span,
            condition: sum.within(MAX_WIDTHS),
            message: format!(
                "the widths of the model's input and layers add up to more than {max} features, the most a model may have\n{why}"
            ),
        });
    }
    sum
}
