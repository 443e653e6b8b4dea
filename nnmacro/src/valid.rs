//! Validate: turn the parsed input into a model that is known to be well formed.
//!
//! One check a function; each mistake is a spanned `syn::Error` in the one [`Errors`], so one
//! compile reports every mistake. The layers are recognized through the catalog, and their
//! shapes worked out one after another (`chain.rs`). A model that fails still yields a
//! [`Stub`]: the struct with the fields that did check out, so the user's other code reports
//! nothing more.

use quote::ToTokens;
use syn::punctuated::Punctuated;
use syn::{Attribute, Expr, Ident, Token};

use crate::ast::{Entry, Form, Input, LayerCall};
use crate::catalog::{INSTEAD, LAYERS, LayerKind, args};
use crate::chain::{check_chain, check_limits};
use crate::errors::Errors;
use crate::ir::{Field, Layer, Model, Stub, StubField};
use crate::shape::Dims;
use crate::suggest::suggest;

/// The crate whose path may prefix a layer: `nncore::Linear`.
const CRATE: &str = "nncore";

/// One entry on its way through the checks.
pub struct Slot {
    pub attrs: Vec<Attribute>,
    /// `None` for an unnamed layer in a struct with named fields (an error).
    pub field: Option<Field>,
    /// `None` if the layer has a mistake.
    pub layer: Option<(Box<dyn LayerKind>, LayerCall)>,
}

/// Checks the whole input.
pub fn validate(mut input: Input) -> Result<Model, Box<(syn::Error, Stub)>> {
    let mut errors = Errors::default();
    for error in &input.errors {
        errors.push(error.clone());
    }
    let declared = take_input_shape(&mut input.attrs, &mut errors);
    check_not_empty(&input, &mut errors);
    check_names(&input, &mut errors);
    let mut slots: Vec<Slot> = input
        .entries
        .into_iter()
        .enumerate()
        .map(|(index, entry)| check_entry(index, input.form, entry, &mut errors))
        .collect();
    let chain = check_chain(&slots, declared, input.body_span, &mut errors);
    let mut const_checks = chain.const_checks;
    let too_large = check_limits(
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
                }
            })
            .collect();
        let shapes = chain
            .shapes
            .into_iter()
            .map(|s| s.expect("no errors, so every shape is known"))
            .collect();
        return Ok(Model {
            attrs: input.attrs,
            vis: input.vis,
            ident: input.ident,
            form: input.form,
            layers,
            shapes,
            const_checks,
        });
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
                .zip(shape.clone())
                .filter(|((kind, _), input)| !too_large || kind.params(input).is_empty());
            Some(match layer {
                Some(((kind, call), input)) => StubField::Layer {
                    layer: Box::new(Layer {
                        attrs,
                        field,
                        kind,
                        call,
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
    };
    Err(Box::new((error, stub)))
}

/// `#[input(3, 32, 32)]`: the shape of one sample, `[channels, height, width]` as in PyTorch,
/// removed from the struct's attributes.
fn take_input_shape(attrs: &mut Vec<Attribute>, errors: &mut Errors) -> Option<Dims> {
    let index = attrs.iter().position(|a| a.path().is_ident("input"))?;
    let attr = attrs.remove(index);
    if let Some(again) = attrs.iter().find(|a| a.path().is_ident("input")) {
        errors.spanned(again, "a model takes one `#[input(...)]`");
    }
    let usage = "expected `#[input(features)]`, `#[input(channels, length)]` or `#[input(channels, height, width)]`";
    let sizes = match attr.parse_args_with(Punctuated::<Expr, Token![,]>::parse_terminated) {
        Ok(sizes) if (1..=3).contains(&sizes.len()) => sizes,
        Ok(_) | Err(_) => {
            errors.spanned(&attr, usage);
            return None;
        }
    };
    let dims: Vec<_> = sizes
        .iter()
        .map(|size| args::size(size, "input values", errors))
        .collect();
    dims.into_iter().collect()
}

/// At least one layer, or a parse error that hides them.
fn check_not_empty(input: &Input, errors: &mut Errors) {
    if input.entries.is_empty() && input.errors.is_empty() {
        errors.push(syn::Error::new(
            input.body_span,
            format_args!(
                "the model `{}` has no layers; list them here, e.g. `Linear(1, 1)`",
                input.ident
            ),
        ));
    }
}

/// Names that cannot be fields even as raw identifiers.
const NOT_RAW: &[&str] = &["self", "Self", "super", "crate", "_"];

/// Field names: present in the named form, absent in the tuple form, unique, not keywords.
fn check_names(input: &Input, errors: &mut Errors) {
    let mut seen: Vec<&Ident> = Vec::new();
    let ident = &input.ident;
    for entry in &input.entries {
        match (input.form, &entry.name, &entry.layer) {
            (Form::Named, None, Ok(layer)) => errors.spanned(
                layer,
                format_args!(
                    "this layer has no field name, but `struct {ident} {{ ... }}` names every layer\nwrite `name: {layer}`, or declare `struct {ident}(...);` to leave all layers unnamed"
                ),
            ),
            (Form::Tuple, Some(name), _) => errors.spanned(
                name,
                format_args!(
                    "the field name `{name}` in the tuple struct `{ident}(...)`\ndrop the name, or declare `struct {ident} {{ ... }}` to name every layer"
                ),
            ),
            (Form::Named, Some(name), _) => {
                if syn::parse2::<Ident>(name.to_token_stream()).is_err() {
                    let text = name.to_string();
                    let advice = if NOT_RAW.contains(&text.as_str()) {
                        "choose another name".to_owned()
                    } else {
                        format!("write `r#{name}` or choose another name")
                    };
                    errors.spanned(
                        name,
                        format_args!("`{name}` is a Rust keyword and cannot name a field; {advice}"),
                    );
                }
                if seen.contains(&name) {
                    errors.spanned(
                        name,
                        format_args!("the field name `{name}` is used twice; each layer needs its own name"),
                    );
                }
                seen.push(name);
            }
            (Form::Named, None, Err(_)) | (Form::Tuple, None, _) => {}
        }
    }
}

/// One entry: its field and, if the layer checks out, its kind.
fn check_entry(index: usize, form: Form, entry: Entry, errors: &mut Errors) -> Slot {
    let field = match (form, entry.name) {
        (Form::Tuple, _) => Some(Field::Index(index)),
        (Form::Named, Some(name)) => Some(Field::Named(name)),
        (Form::Named, None) => None,
    };
    if let Some(error) = entry.error {
        errors.push(error);
    }
    let layer = match entry.layer {
        Ok(call) => check_layer(&call, errors).map(|kind| (kind, call)),
        Err(error) => {
            errors.push(error);
            None
        }
    };
    Slot {
        attrs: entry.attrs,
        field,
        layer,
    }
}

/// Recognizes the layer and checks its arguments.
fn check_layer(call: &LayerCall, errors: &mut Errors) -> Option<Box<dyn LayerKind>> {
    let name = call.name();
    let text = name.to_string();
    let Some(def) = LAYERS.iter().find(|def| def.name == text) else {
        let hint = if let Some((_, instead)) = INSTEAD.iter().find(|(known, _)| *known == text) {
            format!("; {instead}")
        } else if let Some(known) = suggest(&text) {
            format!("; did you mean `{known}`?")
        } else {
            String::new()
        };
        let names: Vec<&str> = LAYERS.iter().map(|def| def.name).collect();
        errors.spanned(
            name,
            format_args!(
                "unknown layer `{text}`{hint}\nthe layers are: {}",
                names.join(", ")
            ),
        );
        return None;
    };
    check_path(call, errors)?;
    let args: Vec<_> = call.args.iter().flat_map(|(_, args)| args).collect();
    (def.check)(call, &args, errors)
}

/// A layer is written `Linear`, `nncore::Linear` or `::nncore::Linear`.
fn check_path(call: &LayerCall, errors: &mut Errors) -> Option<()> {
    let path = &call.path;
    let prefix: Vec<String> = path
        .segments
        .iter()
        .rev()
        .skip(1)
        .map(|s| s.ident.to_string())
        .collect();
    if prefix.is_empty() || prefix == [CRATE] {
        return Some(());
    }
    let name = call.name();
    let written = path.to_token_stream().to_string().replace(' ', "");
    let advice = if prefix == ["nn"] {
        format!("drop `nn.`: write `{name}`")
    } else {
        format!("write `{name}` or `{CRATE}::{name}`")
    };
    errors.spanned(
        path,
        format_args!("`{written}` is not a layer of `{CRATE}`; {advice}"),
    );
    None
}
