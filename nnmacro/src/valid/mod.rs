//! Validate: turn the parsed input into a model that is known to be well formed.
//!
//! One check a function; each mistake is a spanned `syn::Error` in the one [`Errors`], so one
//! compile reports every mistake. The attributes and names are checked in `attrs.rs`, each
//! layer through the catalog in `layers.rs`, and the shapes between layers one after another
//! in `chain.rs` (the size limits in `limits.rs`). A model that fails still yields a [`Stub`]:
//! the struct with the fields that did check out, so the user's other code reports nothing
//! more.

mod attrs;
mod graph;
mod layers;

use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::{Attribute, Ident};

use crate::ast::{Input, LayerCall};
use crate::catalog::LayerKind;
use crate::catalog::nested::{Declared, Known};
use crate::catalog::spelling::Spelled;
use crate::chain::check_chain;
use crate::consts;
use crate::errors::Errors;
use crate::ir::{Field, Graph, Layer, Model, Sizes, Stub, StubField};
use crate::limits::check_limits;

/// One entry on its way through the checks.
pub struct Slot {
    pub attrs: Vec<Attribute>,
    /// `None` for an unnamed layer in a struct with named fields (an error).
    pub field: Option<Field>,
    /// `None` if the layer has a mistake.
    pub layer: Option<(Box<dyn LayerKind>, LayerCall)>,
    /// The layer is one that keeps its shape (an activation), even if its arguments are wrong.
    pub keeps_shape: bool,
    /// `inplace = true` as PyTorch prints it, if it prints; it changes nothing else.
    pub inplace: Option<Spelled>,
}

/// Checks the whole input; `known` are the models declared before it in the same macro call.
pub fn validate(input: Input, known: &Known) -> Result<Model, Box<(syn::Error, Stub)>> {
    let ident = input.ident.clone();
    let ((checked, fits), table) = consts::collect(&ident, || check(input, known));
    let sizes = Sizes { table, fits };
    match checked {
        Ok(mut model) => {
            model.sizes = sizes;
            Ok(model)
        }
        Err(mut failed) => {
            failed.1.sizes = sizes;
            Err(failed)
        }
    }
}

/// The checks, and the expression saying whether the model is within its limits.
fn check(mut input: Input, known: &Known) -> (Result<Model, Box<(syn::Error, Stub)>>, TokenStream) {
    let mut errors = Errors::default();
    for error in &input.errors {
        errors.push(error.clone());
    }
    let declared = attrs::take_input_shape(&mut input.attrs, &mut errors);
    let class = attrs::take_class(
        &mut input.attrs,
        &input.ident,
        input.forward.is_some(),
        &mut errors,
    );
    attrs::check_derives(&mut input.attrs, &input.ident, &mut errors);
    attrs::check_not_empty(&input, &mut errors);
    attrs::check_names(&input, &mut errors);
    let mut before: Option<String> = None;
    let mut slots = Vec::new();
    for (index, entry) in input.entries.into_iter().enumerate() {
        let name = entry.layer.as_ref().ok().map(|l| l.name().to_string());
        let slot = layers::check_entry(
            index,
            input.form,
            entry,
            before.as_deref(),
            known,
            &mut errors,
        );
        slots.push(slot);
        before = name;
    }
    let chain = match &input.forward {
        None => check_chain(&slots, declared, input.body_span, &mut errors),
        Some(forward) => {
            let checked = graph::check_forward(&slots, declared, forward, input.form, &mut errors);
            let mut shapes = checked.layer_inputs;
            shapes.push(checked.output.clone());
            crate::chain::Chain {
                shapes,
                input: checked.input,
                output: checked.output,
                const_checks: checked.const_checks,
                graph: checked.graph,
            }
        }
    };
    check_depth(&slots, &input.ident, &mut errors);
    let mut const_checks = chain.const_checks;
    let limits = check_limits(
        &slots,
        &chain.shapes,
        input.body_span,
        &mut const_checks,
        &mut errors,
    );

    let Some(error) = errors.finish() else {
        let layers = slots
            .into_iter()
            .map(|slot| {
                let (kind, call) = slot.layer.expect("no errors, so every layer checked out");
                Layer {
                    attrs: slot.attrs,
                    field: slot.field.expect("no errors, so every layer has its field"),
                    kind,
                    call,
                    inplace: slot.inplace,
                }
            })
            .collect();
        let shapes: Vec<_> = chain
            .shapes
            .into_iter()
            .map(|s| s.expect("no errors, so every shape is known"))
            .collect();
        let graph = chain.graph.unwrap_or_else(|| Graph::chain(&shapes));
        let model = Model {
            attrs: input.attrs,
            vis: input.vis,
            ident: input.ident,
            form: input.form,
            class,
            layers,
            shapes,
            graph,
            const_checks,
            sizes: Sizes::default(),
        };
        return (Ok(model), limits.fits);
    };
    let mut names: Vec<Ident> = Vec::new();
    let fields = slots
        .iter_mut()
        .zip(&chain.shapes)
        .filter_map(|(slot, shape)| {
            let field = slot.field.take()?;
            // A keyword or a repeated name would only add rustc's errors to the macro's.
            if let Field::Named(name) = &field {
                if names.contains(name) || syn::parse2::<Ident>(name.to_token_stream()).is_err() {
                    return None;
                }
                names.push(name.clone());
            }
            let attrs = std::mem::take(&mut slot.attrs);
            // The arrays of a model over the limit would take rustc minutes and gigabytes.
            let layer = slot
                .layer
                .take()
                .map(|(kind, call)| {
                    let input = shape.clone().unwrap_or_else(|| kind.nominal_input());
                    ((kind, call), input)
                })
                .filter(|((kind, _), input)| !limits.too_large || kind.params(input).is_empty());
            Some(match layer {
                Some(((kind, call), input)) => StubField::Layer {
                    layer: Box::new(Layer {
                        attrs,
                        field,
                        kind,
                        call,
                        inplace: None,
                    }),
                    input,
                },
                None => StubField::Broken { attrs, field },
            })
        })
        .collect();
    let stub = Stub {
        attrs: input.attrs,
        vis: input.vis,
        ident: input.ident,
        form: input.form,
        fields,
        input: chain.input,
        output: chain.output,
        const_checks,
        sizes: Sizes::default(),
    };
    (Err(Box::new((error, stub))), limits.fits)
}

/// Names nest at most `Name::MAX_DEPTH` modules deep.
fn check_depth(slots: &[Slot], ident: &Ident, errors: &mut Errors) {
    const MAX_DEPTH: usize = 8;
    for slot in slots {
        if let Some((kind, call)) = &slot.layer {
            let depth = kind.depth() + 1;
            if depth > MAX_DEPTH {
                errors.spanned(
                    call,
                    format_args!("models nest at most {MAX_DEPTH} deep, but `{call}` in `{ident}` makes {depth}"),
                );
            }
        }
    }
}

/// What the models after `model` need to use it as a layer.
pub fn declared(model: &Model) -> Declared {
    let layers = model
        .layers_with_inputs()
        .map(|(layer, input)| (layer.field.module_name(), &*layer.kind, input));
    let (params, buffers, depth) = Declared::tensors(layers);
    Declared {
        ident: model.ident.clone(),
        input: model.graph.input.clone(),
        output: model.graph.shape(model.graph.output).clone(),
        params,
        buffers,
        depth,
    }
}
