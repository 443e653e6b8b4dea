//! The checks of the model's attributes and field names.

use quote::ToTokens;
use syn::punctuated::Punctuated;
use syn::{Attribute, Expr, Ident, Meta, Path, Token};

use crate::ast::{Form, Input};
use crate::catalog::args;
use crate::errors::Errors;
use crate::shape::Dims;

/// `#[input(3, 32, 32)]`: the shape of one sample, `[channels, height, width]` as in PyTorch,
/// removed from the struct's attributes.
pub fn take_input_shape(attrs: &mut Vec<Attribute>, errors: &mut Errors) -> Option<Dims> {
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

/// What `print(model)` calls the model: `Sequential` for a list of layers, PyTorch's
/// `nn.Sequential`; the struct's own name for a class of its own, one with a `forward` or marked
/// `#[module]`; or the name given by `#[module = "BasicBlock"]` (two structs of one class).
pub fn take_class(
    attrs: &mut Vec<Attribute>,
    ident: &Ident,
    has_forward: bool,
    errors: &mut Errors,
) -> String {
    let own = ident.to_string().trim_start_matches("r#").to_owned();
    let Some(index) = attrs.iter().position(|a| a.path().is_ident("module")) else {
        return if has_forward {
            own
        } else {
            "Sequential".to_owned()
        };
    };
    let attr = attrs.remove(index);
    match &attr.meta {
        Meta::Path(_) => own,
        Meta::NameValue(nv) => match &nv.value {
            Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(name),
                ..
            }) if syn::parse_str::<Ident>(&name.value()).is_ok() => name.value(),
            _ => {
                errors.spanned(
                    &nv.value,
                    "expected the class name PyTorch prints, as a string: `#[module = \"BasicBlock\"]`",
                );
                own
            }
        },
        Meta::List(_) => {
            errors.spanned(&attr, "expected `#[module]` or `#[module = \"ClassName\"]`");
            own
        }
    }
}

/// The traits the macro derives for every model.
const DERIVED: &[&str] = &["Clone", "Debug", "PartialEq"];

/// A `#[derive]` of a trait the macro implements itself, or of `Default`: reported and removed,
/// so that the model's own impls are the only ones.
pub fn check_derives(attrs: &mut [Attribute], ident: &Ident, errors: &mut Errors) {
    for attr in attrs.iter_mut().filter(|a| a.path().is_ident("derive")) {
        let Ok(paths) = attr.parse_args_with(Punctuated::<Path, Token![,]>::parse_terminated)
        else {
            continue;
        };
        let mut kept: Punctuated<Path, Token![,]> = Punctuated::new();
        let mut derived = Vec::new();
        for path in paths {
            let name = path.segments.last().map(|s| s.ident.to_string());
            match name.as_deref() {
                Some(name) if DERIVED.contains(&name) => derived.push(path),
                Some("Default") => errors.spanned(
                    &path,
                    format_args!(
                        "a model has no `Default`: `{ident}::ZERO` is the model with every parameter zero, and `{ident}::init(&mut rng)` the one PyTorch would initialize\nremove `Default` from this `#[derive]`"
                    ),
                ),
                Some("Copy") => errors.spanned(
                    &path,
                    "a model is not `Copy`: its layers hold arrays too large to copy unseen; copy it with `.clone()`\nremove `Copy` from this `#[derive]`",
                ),
                Some(name @ ("Eq" | "Hash" | "PartialOrd" | "Ord")) => errors.spanned(
                    &path,
                    format_args!(
                        "a model cannot derive `{name}`: its parameters are `f32`, which has no `{name}`; `PartialEq` is derived\nremove `{name}` from this `#[derive]`"
                    ),
                ),
                _ => kept.push(path),
            }
        }
        if let (Some(first), Some(last)) = (derived.first(), derived.last()) {
            let names: Vec<String> = derived
                .iter()
                .map(|p| format!("`{}`", p.to_token_stream().to_string().replace(' ', "")))
                .collect();
            errors.spanned(
                quote::quote!(#first #last),
                format_args!(
                    "`sequential!` derives `Clone`, `Debug` and `PartialEq` for `{ident}` itself: remove {} from this `#[derive]`",
                    names.join(" and ")
                ),
            );
        }
        let path = attr.path().clone();
        attr.meta = if kept.is_empty() {
            // An empty `#[derive()]` is harmless.
            syn::parse_quote!(#path())
        } else {
            syn::parse_quote!(#path(#kept))
        };
    }
}

/// `#[cfg(...)]` on a layer: the layers around it would no longer fit together. Reported and
/// removed.
pub fn check_field_cfg(attrs: &mut Vec<Attribute>, errors: &mut Errors) {
    attrs.retain(|attr| {
        let cfg = attr.path().is_ident("cfg")
            || (attr.path().is_ident("cfg_attr")
                && matches!(&attr.meta, Meta::List(list) if list.tokens.to_string().contains("cfg")));
        if cfg {
            errors.spanned(
                attr,
                "a layer cannot be left out with `#[cfg]`: the shapes of the layers around it would change\ndeclare each form of the model in its own `sequential!`, and put the `#[cfg]` on a module around each",
            );
        }
        !cfg
    });
}

/// At least one layer, or a parse error that hides them.
pub fn check_not_empty(input: &Input, errors: &mut Errors) {
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
pub fn check_names(input: &Input, errors: &mut Errors) {
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
                    let message = if NOT_RAW.contains(&text.as_str()) {
                        format!("`{name}` cannot name a field, not even as a raw identifier; choose another name")
                    } else {
                        format!(
                            "`{name}` is a Rust keyword and cannot name a field; write `r#{name}` (PyTorch's name stays `{name}`) or choose another name"
                        )
                    };
                    errors.spanned(name, message);
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
