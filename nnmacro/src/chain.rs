//! The shapes between layers: each layer's shape rule applied to what the layer before gives.

use proc_macro2::Span;

use crate::ast::LayerCall;
use crate::catalog::Link;
use crate::errors::Errors;
use crate::ir::{ConstCheck, Field};
use crate::shape::{Dims, Size, describe};
use crate::valid::Slot;

/// What the chain of shapes tells.
pub struct Chain {
    /// `shapes[i]` goes into layer `i`; the last comes out of the model. `None` where a broken
    /// layer hides it.
    pub shapes: Vec<Option<Dims>>,
    pub input: Option<Dims>,
    pub output: Option<Dims>,
    pub const_checks: Vec<ConstCheck>,
    /// The forward pass of a model with a `forward`; `None` for a chain.
    pub graph: Option<crate::ir::Graph>,
}

/// Works out the shape between every two layers from the model's input, checking that each
/// layer can take what the one before gives: literals here, constants by a `const` assertion
/// in the output. A broken layer that keeps its shape whatever its arguments (an activation)
/// passes it on; after another broken layer the chain resumes at the next layer that fixes its
/// own input (a `Linear`), so a mistake further on is still reported.
pub fn check_chain(
    slots: &[Slot],
    declared: Option<Dims>,
    body_span: Span,
    errors: &mut Errors,
) -> Chain {
    let mut const_checks = Vec::new();
    // A model with `#[input(...)]` shows the shapes leading to a mistake.
    let mut trail = Vec::new();
    let (mut current, mut source) = match declared {
        Some(dims) => {
            for size in dims.iter().filter(|size| size.literal.is_none()) {
                let raw = size.raw();
                const_checks.push(ConstCheck {
                    span: size.span(),
                    condition: quote::quote!(#raw > 0),
                    message: format!(
                        "the model's `#[input(...)]` has a size of 0 (`{}`): a sample needs at least one value along each axis",
                        size.text()
                    ),
                });
            }
            let source = format!(
                "the model's `#[input({})]`",
                dims.iter().map(Size::text).collect::<Vec<_>>().join(", ")
            );
            trail.push(format!("input: {}", describe(&dims)));
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
            if slot.keeps_shape {
                shapes.push(current.clone());
            } else {
                shapes.push(current.take());
                trail.clear();
            }
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
            trail: if trail.len() > 1 {
                trail.join(" → ")
            } else {
                String::new()
            },
            errors,
            checks: &mut const_checks,
        };
        current = kind.output(&given, &mut link);
        if !kind.passes_shape() {
            source = format!("the `{call}` before it");
            if let (Some(out), false) = (&current, trail.is_empty()) {
                trail.push(format!("{}: {}", name(slot, call), describe(out)));
            }
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
        graph: None,
    }
}

/// A layer as the shapes in a message name it: its field, or in a tuple struct the layer.
fn name(slot: &Slot, call: &LayerCall) -> String {
    match &slot.field {
        Some(field @ Field::Named(_)) => field.module_name(),
        _ => call.to_string(),
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
                    "the model's input shape is unknown: `{call}` does not fix it\ndeclare it above the struct: {}",
                    input_example(call)
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

/// An `#[input(...)]` the layer `call` could start a model with.
fn input_example(call: &LayerCall) -> String {
    let name = call.name().to_string();
    let channels = call
        .args
        .iter()
        .flat_map(|(_, args)| args.first())
        .find_map(|arg| match arg {
            crate::ast::Arg::Positional(expr) => {
                Some(quote::ToTokens::to_token_stream(expr).to_string())
            }
            crate::ast::Arg::Keyword { .. } => None,
        });
    let two_d = name.ends_with("2d");
    match (channels, two_d) {
        (Some(c), true) if name.starts_with("Conv") || name.starts_with("BatchNorm") => {
            format!("`#[input({c}, height, width)]`, e.g. `#[input({c}, 32, 32)]` for {c}×32×32 images")
        }
        (Some(c), false) if name.starts_with("Conv") => {
            format!("`#[input({c}, length)]`, e.g. `#[input({c}, 16)]` for {c} channels of 16 values")
        }
        (_, true) => "`#[input(channels, height, width)]`, e.g. `#[input(3, 32, 32)]` for 3×32×32 images".to_owned(),
        (_, false) => "`#[input(channels, length)]`, e.g. `#[input(2, 16)]` for 2 channels of 16 values, or `#[input(3, 32, 32)]` for 3×32×32 images".to_owned(),
    }
}
