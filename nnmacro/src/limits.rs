//! The limits on a model's size: its parameters and the widths of its samples.

use proc_macro2::{Span, TokenStream};
use quote::quote;

use crate::ast::LayerCall;
use crate::catalog::args::{MAX_PARAMS, grouped};
use crate::errors::Errors;
use crate::ir::ConstCheck;
use crate::shape::{Dims, numel, numel_raw};
use crate::valid::Slot;

/// The widest a value of a model may be, one sample's: 2^20 `f32`, 4 MiB. A model's values live
/// in its planned arena (on the heap past the stack's budget), but a layer may hold one sample
/// of its input or output on the stack.
pub const MAX_WIDTH: u128 = 1 << 20;

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

/// Checks that the model's parameters fit in [`MAX_PARAMS`] and its samples in [`MAX_WIDTH`]:
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
    let params = params.within(MAX_PARAMS);
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
) -> TokenStream {
    let max = grouped(MAX_WIDTH);
    let why = "a layer may hold one sample of its input or output on the stack; the model's values themselves live in its arena (`ARENA_BYTES`)";
    let mut fits = Vec::new();
    let mut reported = false;
    for (i, dims) in shapes.iter().enumerate() {
        let Some(dims) = dims else { continue };
        let mut width = Sum::default();
        width.add(dims);
        if width.literal > MAX_WIDTH && !reported {
            reported = true;
            // The layer that gives the value, or the first one for the input.
            let call = slots
                .get(i.saturating_sub(1))
                .and_then(|slot| slot.layer.as_ref().map(|(_, call)| call));
            let message = format!(
                "a sample here is {} features wide, more than the {max} a value of a model may be\n{why}",
                grouped(width.literal)
            );
            match call {
                Some(call) => errors.spanned(call, message),
                None => errors.push(syn::Error::new(body_span, message)),
            }
        } else if !width.constant.is_empty() {
            const_checks.push(ConstCheck {
                span: body_span,
                condition: width.within(MAX_WIDTH),
                message: format!(
                    "a sample of this model is more than {max} features wide, the most a value of a model may be\n{why}"
                ),
            });
        }
        fits.push(width.within(MAX_WIDTH));
    }
    quote!(true #(&& (#fits))*)
}
