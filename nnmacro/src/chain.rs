//! The shapes between layers: each layer's shape rule applied to what the layer before gives,
//! and the limits on a model's size.

use proc_macro2::Span;
use quote::quote;

use crate::catalog::Link;
use crate::catalog::args::{MAX_PARAMS, grouped};
use crate::errors::Errors;
use crate::ir::ConstCheck;
use crate::shape::{Dims, numel, numel_tokens};
use crate::valid::Slot;

/// The most values a model's samples (its input and every layer's output) may add up to:
/// 2^16 `f32`, 256 KiB.
///
/// One sample's activations and their gradients are arrays on the stack, one of each shape:
/// 512 KiB at the limit, and unoptimized code makes copies of them besides. At the limit a
/// forward and backward pass takes up to about 1.4 MiB of stack, which a thread's 2 MiB holds
/// (docs/compile-errors.md); at twice the limit it overflows.
pub const MAX_WIDTHS: u128 = 1 << 16;

/// What the chain of shapes tells.
pub struct Chain {
    /// `shapes[i]` goes into layer `i`; the last comes out of the model. `None` where a broken
    /// layer hides it.
    pub shapes: Vec<Option<Dims>>,
    pub input: Option<Dims>,
    pub output: Option<Dims>,
    pub const_checks: Vec<ConstCheck>,
}

/// Works out the shape between every two layers from the model's input, checking that each
/// layer can take what the one before gives: literals here, constants by a `const` assertion
/// in the output. After a broken layer the chain resumes at the next layer that fixes its own
/// input (a `Linear`), so a mistake further on is still reported.
pub fn check_chain(
    slots: &[Slot],
    declared: Option<Dims>,
    body_span: Span,
    errors: &mut Errors,
) -> Chain {
    let mut const_checks = Vec::new();
    let (mut current, mut source) = match declared {
        Some(dims) => {
            let source = format!(
                "the model's `#[input({})]`",
                dims.iter().map(|d| d.text()).collect::<Vec<_>>().join(", ")
            );
            (Some(dims), source)
        }
        None => (infer_input(slots, body_span, errors), String::new()),
    };
    // Without `#[input]`, the first layer that fixes its input gives the model's.
    let mut inferred = source.is_empty();
    let input = current.clone();
    let mut shapes = Vec::new();
    for slot in slots {
        let Some((kind, call)) = &slot.layer else {
            shapes.push(current.take());
            continue;
        };
        let mut own_input = inferred && kind.input().is_some();
        if current.is_none() {
            current = kind.input();
            own_input = current.is_some();
        }
        inferred &= !own_input;
        shapes.push(current.clone());
        let Some(given) = current.take() else {
            continue;
        };
        let mut link = Link {
            call,
            source: if source.is_empty() {
                "the model's input".to_owned()
            } else {
                source.clone()
            },
            own_input,
            errors,
            checks: &mut const_checks,
        };
        current = kind.output(&given, &mut link);
        if !kind.passes_shape() {
            source = format!("the `{call}` before it");
        }
    }
    shapes.push(current.clone());
    let broken = slots.iter().any(|slot| slot.layer.is_none());
    Chain {
        input: if broken {
            shapes[0].clone().or(input)
        } else {
            input
        },
        output: current,
        shapes,
        const_checks,
    }
}

/// The model's input shape when no `#[input(...)]` gives it: the one its first layer that fixes
/// its own input takes (a `Linear`), if every layer before it gives the shape it takes.
fn infer_input(slots: &[Slot], body_span: Span, errors: &mut Errors) -> Option<Dims> {
    for slot in slots {
        let (kind, call) = slot.layer.as_ref()?;
        if let Some(dims) = kind.input() {
            return Some(dims);
        }
        if !kind.passes_shape() {
            errors.spanned(
                call,
                format_args!(
                    "the model's input shape is unknown: `{call}` does not fix it\ndeclare it above the struct, e.g. `#[input(3, 32, 32)]` for 3×32×32 images or `#[input(2, 16)]` for 2 channels of 16 values"
                ),
            );
            return None;
        }
    }
    if !slots.is_empty() {
        errors.push(syn::Error::new(
            body_span,
            "the model has no `Linear` layer, so its input size is unknown\nadd one, e.g. `Linear(1, 1)`; a model of activations alone has no parameters to learn",
        ));
    }
    None
}

/// The model's parameters fit in [`MAX_PARAMS`] and its samples in [`MAX_WIDTHS`]: counted here
/// when every size is a literal, by `const` assertions otherwise. True if the literal sizes are
/// over the parameter limit.
pub fn check_limits(
    slots: &[Slot],
    shapes: &[Option<Dims>],
    body_span: Span,
    const_checks: &mut Vec<ConstCheck>,
    errors: &mut Errors,
) -> bool {
    let too_large = check_param_count(slots, shapes, body_span, const_checks, errors);
    if shapes.iter().all(Option::is_some) {
        let shapes: Vec<&Dims> = shapes.iter().flatten().collect();
        check_width_sum(slots, &shapes, body_span, const_checks, errors);
    }
    too_large
}

fn check_param_count(
    slots: &[Slot],
    shapes: &[Option<Dims>],
    body_span: Span,
    const_checks: &mut Vec<ConstCheck>,
    errors: &mut Errors,
) -> bool {
    let mut total: u128 = 0;
    let mut largest: Option<(u128, &crate::ast::LayerCall)> = None;
    for (slot, shape) in slots.iter().zip(shapes) {
        let (Some((kind, call)), Some(shape)) = (&slot.layer, shape) else {
            continue;
        };
        let mut count = 0;
        for param in kind.params(shape) {
            let Some(n) = numel(&param.dims) else {
                const_checks.push(ConstCheck {
                    span: body_span,
                    condition: quote!(<__NnModel as ::nncore::Module>::NUM_PARAMS <= #MAX_PARAMS_USIZE),
                    message: format!(
                        "the model has more than {} parameters, the most a model may have (its arrays are held by value, on the stack)",
                        grouped(MAX_PARAMS)
                    ),
                });
                return false;
            };
            count += n;
        }
        total += count;
        if count > 0 && largest.is_none_or(|(most, _)| count > most) {
            largest = Some((count, call));
        }
    }
    if let Some((count, call)) = largest.filter(|_| total > MAX_PARAMS) {
        let alone = if count == total {
            String::new()
        } else {
            format!("; `{call}` alone has {}", grouped(count))
        };
        let (total, max) = (grouped(total), grouped(MAX_PARAMS));
        errors.spanned(
            call,
            format_args!(
                "this model has {total} parameters, more than the {max} (64 MiB of `f32`) a model may have{alone}\na model's arrays are held by value and built by the compiler, which would need gigabytes for this one"
            ),
        );
        return true;
    }
    false
}

/// [`MAX_PARAMS`] as the `usize` a `const` assertion compares with.
const MAX_PARAMS_USIZE: usize = MAX_PARAMS as usize;

fn check_width_sum(
    slots: &[Slot],
    shapes: &[&Dims],
    body_span: Span,
    const_checks: &mut Vec<ConstCheck>,
    errors: &mut Errors,
) {
    let max = grouped(MAX_WIDTHS);
    let why = format!(
        "one sample's activations and their gradients are arrays on the stack, one of each width; at {max} features a forward and backward pass already takes most of a thread's 2 MiB stack"
    );
    let Some(sizes) = shapes
        .iter()
        .map(|s| numel(s))
        .collect::<Option<Vec<u128>>>()
    else {
        let lens = shapes.iter().map(|s| numel_tokens(s));
        let max = MAX_WIDTHS as usize;
        const_checks.push(ConstCheck {
            span: body_span,
            condition: quote!(#(#lens)+* <= #max),
            message: format!(
                "the widths of the model's input and layers add up to more than {} features, the most a model may have\n{why}",
                grouped(MAX_WIDTHS)
            ),
        });
        return;
    };
    let total: u128 = sizes.iter().sum();
    if total <= MAX_WIDTHS {
        return;
    }
    // The widest layer, the first of equals: the one that gives the width, not the one after.
    let widest = slots
        .iter()
        .zip(shapes.windows(2).zip(sizes.windows(2)))
        .rev()
        .filter_map(|(slot, (_, n))| Some((n[0].max(n[1]), &slot.layer.as_ref()?.1)))
        .max_by_key(|(width, _)| *width);
    if let Some((width, call)) = widest {
        let (total, width) = (grouped(total), grouped(width));
        errors.spanned(
            call,
            format_args!(
                "the widths of this model's input and layers add up to {total} features, more than the {max} a model may have; `{call}` alone is {width} wide\n{why}"
            ),
        );
    }
}
