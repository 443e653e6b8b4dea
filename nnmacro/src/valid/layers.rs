//! The checks of each layer: its name, its path and its arguments.

use quote::ToTokens;
use syn::{Expr, ExprLit, Lit};

use super::Slot;
use crate::ast::{Arg, Entry, Form, LayerCall};
use crate::catalog::instead::{instead, note_after};
use crate::catalog::nested::Known;
use crate::catalog::spelling::{Printed, Spelled};
use crate::catalog::{LAYERS, LayerKind};
use crate::errors::Errors;
use crate::ir::Field;
use crate::suggest::{closest, suggest};
use crate::valid::attrs::check_field_cfg;

/// The crate whose path may prefix a layer: `nncore::Linear`.
const CRATE: &str = "nncore";

/// One entry: its field and, if the layer checks out, its kind. `before` is the name of the
/// layer before it, for notes on a loss written as a layer.
pub fn check_entry(
    index: usize,
    form: Form,
    entry: Entry,
    before: Option<&str>,
    known: &Known,
    errors: &mut Errors,
) -> Slot {
    let field = match (form, entry.name) {
        (Form::Tuple, _) => Some(Field::Index(index)),
        (Form::Named, Some(name)) => Some(Field::Named(name)),
        (Form::Named, None) => None,
    };
    for error in entry.errors {
        errors.push(error);
    }
    let mut attrs = entry.attrs;
    check_field_cfg(&mut attrs, errors);
    let (layer, keeps_shape, inplace) = match entry.layer {
        Ok(mut call) => {
            let name = call.name().to_string();
            let keeps_shape = LAYERS.iter().any(|def| def.name == name && def.keeps_shape);
            let inplace = take_inplace(&mut call, errors);
            let kind = check_layer(&call, before, known, errors);
            (kind.map(|kind| (kind, call)), keeps_shape, inplace)
        }
        Err(error) => {
            errors.push(error);
            (None, false, None)
        }
    };
    Slot {
        attrs,
        field,
        layer,
        keeps_shape,
        inplace,
    }
}

/// Recognizes the layer and checks its arguments.
fn check_layer(
    call: &LayerCall,
    before: Option<&str>,
    known: &Known,
    errors: &mut Errors,
) -> Option<Box<dyn LayerKind>> {
    let name = call.name();
    let text = name.to_string();
    if let Some((_, model)) = known.iter().find(|(ident, _)| ident == name) {
        if let Some((parens, _)) = &call.args {
            errors.push(syn::Error::new(
                parens.span.join(),
                format_args!(
                    "`{text}` is a model declared above: write `{text}`, without arguments"
                ),
            ));
            return None;
        }
        if model.is_none() {
            // Its own errors say what is wrong; this one only keeps the model unwritten.
            errors.spanned(
                name,
                format_args!("`{text}` above has mistakes; this model uses it"),
            );
        }
        return model.clone().map(|m| Box::new(m) as Box<dyn LayerKind>);
    }
    let Some(def) = LAYERS.iter().find(|def| def.name == text) else {
        let typo = instead(&text)
            .is_none()
            .then(|| closest(&text, LAYERS.iter().map(|def| def.name)))
            .flatten();
        let hint = if let Some(instead) = instead(&text) {
            let note = before
                .and_then(|before| note_after(&text, before))
                .map(|note| format!("\n{note}"))
                .unwrap_or_default();
            format!("; {instead}{note}")
        } else {
            let guess = suggest(&text)
                .map(|known| format!("; did you mean `{known}`?"))
                .unwrap_or_default();
            format!(
                "{guess}\na layer is one of nncore's (its README lists them) or a model declared above it in the same `sequential!`"
            )
        };
        errors.spanned(name, format_args!("unknown layer `{text}`{hint}"));
        return typo.and_then(|known| as_meant(call, known));
    };
    check_path(call, errors);
    let args: Vec<_> = call.args.iter().flat_map(|(_, args)| args).collect();
    (def.check)(call, &args, errors)
}

/// A misspelled layer (`Relu`, `Linaer`) checked as the layer it most likely means, once its
/// name is reported, if its arguments fit that layer: the shapes go on past it, and code using
/// the model reports nothing more. Its arguments' own mistakes wait for the name's fix.
fn as_meant(call: &LayerCall, known: &str) -> Option<Box<dyn LayerKind>> {
    let def = LAYERS.iter().find(|def| def.name == known)?;
    let args: Vec<_> = call.args.iter().flat_map(|(_, args)| args).collect();
    let mut scratch = Errors::default();
    let kind = (def.check)(call, &args, &mut scratch);
    scratch.finish().is_none().then_some(kind).flatten()
}

/// A layer is written `Linear`, `nncore::Linear` or `::nncore::Linear`; another path is
/// reported, and the layer still checked as the one it names.
fn check_path(call: &LayerCall, errors: &mut Errors) {
    let path = &call.path;
    let prefix: Vec<String> = path
        .segments
        .iter()
        .rev()
        .skip(1)
        .map(|s| s.ident.to_string())
        .collect();
    if prefix.is_empty() || prefix == [CRATE] {
        return;
    }
    let name = call.name();
    let written = path.to_token_stream().to_string().replace(' ', "");
    let advice = if prefix == ["nn"] {
        format!("drop `nn::`: write `{name}`")
    } else {
        format!("write `{name}` or `{CRATE}::{name}`")
    };
    errors.spanned(
        path,
        format_args!("`{written}` is not a layer of `{CRATE}`; {advice}"),
    );
}

/// The layers PyTorch gives an `inplace` flag: its position among their arguments, and how
/// `inplace=True` prints (`Hardswish` and `Hardsigmoid` print nothing; `Dropout` always prints
/// it, `inplace=False` by default).
const INPLACE: &[(&str, usize, Option<Printed>)] = &[
    ("ReLU", 0, Some(Printed::Absent(None))),
    ("ReLU6", 0, Some(Printed::Absent(None))),
    ("LeakyReLU", 1, Some(Printed::Absent(None))),
    ("ELU", 1, Some(Printed::Absent(None))),
    ("SiLU", 0, Some(Printed::Absent(None))),
    ("Hardswish", 0, None),
    ("Hardsigmoid", 0, None),
    ("Dropout", 1, Some(Printed::As(String::new()))),
];

/// Removes `inplace = true` or `inplace = false` (or `true` in its position) from a layer that
/// has it in PyTorch: it changes what `print(model)` shows and nothing else (nothing is
/// overwritten here). How `inplace=True` prints, if it is given and prints.
fn take_inplace(call: &mut LayerCall, errors: &mut Errors) -> Option<Spelled> {
    let name = call.name().to_string();
    let (_, position, printed) = INPLACE.iter().find(|(layer, ..)| *layer == name)?;
    let (_, args) = call.args.as_mut()?;
    let is_bool = |value: &Expr| {
        matches!(
            value,
            Expr::Lit(ExprLit {
                lit: Lit::Bool(_),
                ..
            })
        )
    };
    let found = args.iter().enumerate().position(|(i, arg)| match arg {
        Arg::Keyword { name, .. } => name == "inplace",
        Arg::Positional(value) => i == *position && is_bool(value),
    })?;
    let mut kept = syn::punctuated::Punctuated::new();
    let mut inplace = false;
    for (i, arg) in std::mem::take(args).into_iter().enumerate() {
        if i != found {
            kept.push(arg);
            continue;
        }
        let (Arg::Keyword { value, .. } | Arg::Positional(value)) = &arg;
        match value {
            Expr::Lit(ExprLit {
                lit: Lit::Bool(b), ..
            }) => inplace = b.value,
            other => errors.spanned(other, "`inplace` is `true` or `false`"),
        }
    }
    *args = kept;
    let printed = match printed.clone()? {
        Printed::As(_) => Printed::As("False".to_owned()),
        other => other,
    };
    inplace.then(|| Spelled {
        key: "inplace",
        text: "True".to_owned(),
        printed,
    })
}
