//! Validate: turn the parsed input into a model that is known to be well formed.
//!
//! One check a function; each mistake is a spanned `syn::Error`, and all of them are gathered so
//! one compile reports every mistake.

use proc_macro2::Span;
use quote::ToTokens;
use syn::{Attribute, Expr, ExprLit, ExprUnary, Ident, Lit, UnOp};

use crate::ast::{Arg, Entry, Form, Input, LayerCall};

/// A model that passed every check: what `expand.rs` writes code for.
pub struct Model {
    pub attrs: Vec<Attribute>,
    pub vis: syn::Visibility,
    pub ident: Ident,
    pub form: Form,
    pub layers: Vec<Layer>,
    /// `widths[i]` features go into layer `i`; `widths[i + 1]` come out.
    pub widths: Vec<Size>,
}

/// One checked layer.
pub struct Layer {
    pub attrs: Vec<Attribute>,
    /// The field name (`hidden_linear`) or, in the tuple form, the index (`0`).
    pub field: Field,
    pub kind: Kind,
    /// The layer as the user wrote it, for spans and messages.
    pub call: LayerCall,
}

/// How a layer is reached in the struct.
pub enum Field {
    Named(Ident),
    Index(usize),
}

/// The layers the macro knows.
pub enum Kind {
    Linear {
        inputs: Size,
        outputs: Size,
        bias: bool,
    },
    Tanh,
    ReLU,
    Sigmoid,
    LeakyReLU {
        slope: Option<Expr>,
    },
    Gelu {
        tanh: bool,
    },
    SiLU,
    Softplus {
        beta: Option<Expr>,
        threshold: Option<Expr>,
    },
    Elu {
        alpha: Option<Expr>,
    },
    Identity,
}

/// A feature count: an integer literal, or a constant expression checked by the compiler.
#[derive(Clone)]
pub struct Size {
    pub expr: Box<Expr>,
    pub literal: Option<u64>,
}

/// Every layer name the macro accepts, for messages.
pub const LAYERS: &[&str] = &[
    "Linear",
    "Tanh",
    "ReLU",
    "Sigmoid",
    "LeakyReLU",
    "GELU",
    "SiLU",
    "Softplus",
    "ELU",
    "Identity",
];

/// Gathers errors so that all of them are reported together.
#[derive(Default)]
struct Errors(Option<syn::Error>);

impl Errors {
    fn push(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(error),
            None => self.0 = Some(error),
        }
    }

    fn spanned(&mut self, tokens: impl ToTokens, message: impl std::fmt::Display) {
        self.push(syn::Error::new_spanned(tokens, message));
    }
}

/// Checks the whole input.
pub fn validate(input: Input) -> Result<Model, syn::Error> {
    let mut errors = Errors::default();
    if input.entries.is_empty() {
        errors.push(syn::Error::new(
            input.body_span,
            "a model needs at least one layer, e.g. `Linear(1, 1)`",
        ));
    }
    check_names(&input, &mut errors);
    let mut layers = Vec::new();
    for (index, entry) in input.entries.into_iter().enumerate() {
        let Entry {
            attrs,
            name,
            layer: call,
        } = entry;
        let field = match name {
            Some(name) => Field::Named(name),
            None => Field::Index(index),
        };
        if let Some(kind) = check_layer(&call, &mut errors) {
            layers.push(Layer {
                attrs,
                field,
                kind,
                call,
            });
        }
    }
    let widths = check_chain(&layers, input.body_span, &mut errors);
    match errors.0 {
        Some(error) => Err(error),
        None => Ok(Model {
            attrs: input.attrs,
            vis: input.vis,
            ident: input.ident,
            form: input.form,
            layers,
            widths: widths.unwrap_or_default(),
        }),
    }
}

/// Field names: present in the named form, absent in the tuple form, unique, not keywords.
fn check_names(input: &Input, errors: &mut Errors) {
    let mut seen: Vec<&Ident> = Vec::new();
    for entry in &input.entries {
        match (input.form, &entry.name) {
            (Form::Named, None) => errors.spanned(
                &entry.layer,
                format_args!(
                    "this layer has no field name; in `struct {} {{ ... }}` every layer is written `name: {}`",
                    input.ident,
                    entry.layer
                ),
            ),
            (Form::Tuple, Some(name)) => errors.spanned(
                name,
                format_args!(
                    "field name `{name}` in a tuple struct; write `struct {} {{ {name}: ... }}` to name the layers, or drop the name",
                    input.ident
                ),
            ),
            (_, Some(name)) => {
                if syn::parse2::<Ident>(name.to_token_stream()).is_err() {
                    errors.spanned(name, format_args!("`{name}` is a Rust keyword and cannot name a layer"));
                }
                if seen.contains(&name) {
                    errors.spanned(name, format_args!("the layer name `{name}` is used twice"));
                }
                seen.push(name);
            }
            (Form::Tuple, None) => {}
        }
    }
}

/// Recognizes the layer and checks its arguments.
fn check_layer(call: &LayerCall, errors: &mut Errors) -> Option<Kind> {
    let name = call.name();
    let args: Vec<&Arg> = call.args.iter().flat_map(|(_, args)| args).collect();
    match name.to_string().as_str() {
        "Linear" => check_linear(call, &args, errors),
        "Tanh" => no_args(call, Kind::Tanh, errors),
        "ReLU" => no_args(call, Kind::ReLU, errors),
        "Sigmoid" => no_args(call, Kind::Sigmoid, errors),
        "LeakyReLU" => check_leaky_relu(call, &args, errors),
        "GELU" => check_gelu(call, &args, errors),
        "SiLU" => no_args(call, Kind::SiLU, errors),
        "Softplus" => check_numbers(call, &args, &["beta", "threshold"], errors).map(|mut v| {
            let threshold = v.pop().flatten();
            let beta = v.pop().flatten();
            Kind::Softplus { beta, threshold }
        }),
        "ELU" => check_numbers(call, &args, &["alpha"], errors).map(|mut v| Kind::Elu {
            alpha: v.pop().flatten(),
        }),
        "Identity" => no_args(call, Kind::Identity, errors),
        other => {
            let hint = match suggest(other) {
                Some(known) => format!("; did you mean `{known}`?"),
                None => String::new(),
            };
            errors.spanned(
                name,
                format_args!(
                    "unknown layer `{other}`{hint}\nthe layers are: {}",
                    LAYERS.join(", ")
                ),
            );
            None
        }
    }
}

/// The known layer a misspelled name most likely means.
fn suggest(name: &str) -> Option<&'static str> {
    let lower = name.to_lowercase();
    let alias = match lower.as_str() {
        "dense" | "fc" | "fullyconnected" | "affine" => Some("Linear"),
        "leakyrelu" | "leaky_relu" | "lrelu" => Some("LeakyReLU"),
        _ => None,
    };
    alias.or_else(|| {
        LAYERS
            .iter()
            .map(|known| (edit_distance(&lower, &known.to_lowercase()), *known))
            .filter(|(distance, _)| *distance <= 2)
            .min()
            .map(|(_, known)| known)
    })
}

/// Levenshtein distance between two short names.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

fn no_args(call: &LayerCall, kind: Kind, errors: &mut Errors) -> Option<Kind> {
    match &call.args {
        Some((_, args)) if !args.is_empty() => {
            errors.spanned(
                args,
                format_args!(
                    "`{}` takes no arguments; write `{}`",
                    call.name(),
                    call.name()
                ),
            );
            None
        }
        _ => Some(kind),
    }
}

/// `Linear(in, out)` or `Linear(in, out, bias = BOOL)`.
fn check_linear(call: &LayerCall, args: &[&Arg], errors: &mut Errors) -> Option<Kind> {
    let usage =
        "`Linear(in_features, out_features)` or `Linear(in_features, out_features, bias = false)`";
    let mut sizes = Vec::new();
    let mut bias = true;
    let mut ok = true;
    for arg in args {
        match arg {
            Arg::Positional(expr) if sizes.len() < 2 => match check_size(expr, errors) {
                Some(size) => sizes.push(size),
                None => ok = false,
            },
            Arg::Positional(expr) => {
                errors.spanned(
                    expr,
                    format_args!("unexpected argument: {usage} takes two sizes"),
                );
                ok = false;
            }
            Arg::Keyword { name, value, .. } if name == "bias" => match value {
                Expr::Lit(ExprLit {
                    lit: Lit::Bool(b), ..
                }) => bias = b.value,
                _ => {
                    errors.spanned(value, "`bias` must be `true` or `false`");
                    ok = false;
                }
            },
            Arg::Keyword { name, .. } => {
                let hint = if edit_distance(&name.to_string(), "bias") <= 2 {
                    "; did you mean `bias`?"
                } else {
                    ""
                };
                errors.spanned(
                    name,
                    format_args!("unknown argument `{name}` for `Linear`{hint}\nexpected {usage}"),
                );
                ok = false;
            }
        }
    }
    if ok && sizes.len() < 2 {
        let found = sizes.len();
        errors.spanned(
            call,
            format_args!(
                "`Linear` takes two sizes, in and out features, but {found} given\nexpected {usage}"
            ),
        );
        return None;
    }
    let mut sizes = sizes.into_iter();
    match (ok, sizes.next(), sizes.next()) {
        (true, Some(inputs), Some(outputs)) => Some(Kind::Linear {
            inputs,
            outputs,
            bias,
        }),
        _ => None,
    }
}

/// A feature count: a positive integer literal, or any other expression (a `const`), which the
/// compiler checks as a `usize`.
fn check_size(expr: &Expr, errors: &mut Errors) -> Option<Size> {
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Int(int), ..
        }) => match int.base10_parse::<u64>() {
            Ok(0) => {
                errors.spanned(expr, "a layer needs at least one feature, found 0");
                None
            }
            Ok(value) => Some(Size {
                expr: Box::new(expr.clone()),
                literal: Some(value),
            }),
            Err(error) => {
                errors.push(error);
                None
            }
        },
        Expr::Lit(ExprLit { lit, .. }) => {
            let found = lit.to_token_stream();
            errors.spanned(
                expr,
                format_args!("a feature count must be a positive integer, found `{found}`"),
            );
            None
        }
        Expr::Unary(ExprUnary {
            op: UnOp::Neg(_), ..
        }) => {
            let found = expr.to_token_stream();
            errors.spanned(
                expr,
                format_args!("a feature count must be a positive integer, found `{found}`"),
            );
            None
        }
        _ => Some(Size {
            expr: Box::new(expr.clone()),
            literal: None,
        }),
    }
}

/// `LeakyReLU` or `LeakyReLU(slope)`.
fn check_leaky_relu(call: &LayerCall, args: &[&Arg], errors: &mut Errors) -> Option<Kind> {
    match args {
        [] => Some(Kind::LeakyReLU { slope: None }),
        [Arg::Positional(slope)] | [Arg::Keyword { value: slope, .. }]
            if keyword_is(args[0], "negative_slope") =>
        {
            match slope {
                Expr::Lit(ExprLit {
                    lit: Lit::Float(_) | Lit::Int(_),
                    ..
                })
                | Expr::Unary(_)
                | Expr::Path(_) => Some(Kind::LeakyReLU {
                    slope: Some(slope.clone()),
                }),
                _ => {
                    let found = slope.to_token_stream();
                    errors.spanned(
                        slope,
                        format_args!(
                            "the slope of `LeakyReLU` must be a number, e.g. `0.1`; found `{found}`"
                        ),
                    );
                    None
                }
            }
        }
        _ => {
            errors.spanned(
                call,
                "`LeakyReLU` takes at most one argument, the negative slope: `LeakyReLU(0.1)`, or `LeakyReLU` for 0.01",
            );
            None
        }
    }
}

/// `GELU`, `GELU(approximate = "tanh")` or `GELU(approximate = "none")`.
fn check_gelu(call: &LayerCall, args: &[&Arg], errors: &mut Errors) -> Option<Kind> {
    let value = match args {
        [] => return Some(Kind::Gelu { tanh: false }),
        [arg] if keyword_is(arg, "approximate") => match arg {
            Arg::Positional(value) | Arg::Keyword { value, .. } => value,
        },
        _ => {
            errors.spanned(
                call,
                "`GELU` takes at most one argument: `GELU`, or `GELU(approximate = \"tanh\")`",
            );
            return None;
        }
    };
    match value {
        Expr::Lit(ExprLit {
            lit: Lit::Str(text),
            ..
        }) if text.value() == "tanh" || text.value() == "none" => Some(Kind::Gelu {
            tanh: text.value() == "tanh",
        }),
        _ => {
            let found = value.to_token_stream();
            errors.spanned(
                value,
                format_args!("`approximate` must be `\"none\"` or `\"tanh\"`, found `{found}`"),
            );
            None
        }
    }
}

/// Up to `names.len()` numbers, by position or by name, each optional (the layer's default).
fn check_numbers(
    call: &LayerCall,
    args: &[&Arg],
    names: &[&str],
    errors: &mut Errors,
) -> Option<Vec<Option<Expr>>> {
    let layer = call.name();
    let usage = names.join(", ");
    let mut values: Vec<Option<Expr>> = vec![None; names.len()];
    let mut ok = true;
    for (position, arg) in args.iter().enumerate() {
        let (slot, value) = match arg {
            Arg::Positional(value) => (Some(position).filter(|&p| p < names.len()), value),
            Arg::Keyword { name, value, .. } => {
                (names.iter().position(|known| name == known), value)
            }
        };
        let Some(slot) = slot else {
            let target: &dyn ToTokens = match arg {
                Arg::Keyword { name, .. } => name,
                Arg::Positional(value) => value,
            };
            errors.spanned(
                target,
                format_args!("unexpected argument for `{layer}`; it takes {usage}"),
            );
            ok = false;
            continue;
        };
        match value {
            Expr::Lit(ExprLit {
                lit: Lit::Float(_) | Lit::Int(_),
                ..
            })
            | Expr::Unary(_)
            | Expr::Path(_) => values[slot] = Some(value.clone()),
            _ => {
                let found = value.to_token_stream();
                errors.spanned(
                    value,
                    format_args!(
                        "`{}` of `{layer}` must be a number, e.g. `1.0`; found `{found}`",
                        names[slot]
                    ),
                );
                ok = false;
            }
        }
    }
    ok.then_some(values)
}

fn keyword_is(arg: &Arg, expected: &str) -> bool {
    match arg {
        Arg::Positional(_) => true,
        Arg::Keyword { name, .. } => name == expected,
    }
}

/// Works out the width between every two layers, and checks that consecutive sizes agree where
/// both are literals. Sizes given as expressions are checked by a const assertion in the output.
fn check_chain(layers: &[Layer], body_span: Span, errors: &mut Errors) -> Option<Vec<Size>> {
    let first = layers.iter().find_map(|layer| match &layer.kind {
        Kind::Linear { inputs, .. } => Some(inputs.clone()),
        _ => None,
    });
    let Some(first) = first else {
        if !layers.is_empty() {
            errors.push(syn::Error::new(
                body_span,
                "the model has no `Linear` layer, so its input size is unknown; add one, e.g. `Linear(1, 1)`",
            ));
        }
        return None;
    };
    let mut widths = vec![first];
    let mut previous: Option<&Layer> = None;
    for layer in layers {
        let width = widths.last().expect("widths starts with the input").clone();
        let next = match &layer.kind {
            Kind::Linear {
                inputs, outputs, ..
            } => {
                if let (Some(prev), Some(found), Some(given)) =
                    (previous, inputs.literal, width.literal)
                {
                    if found != given {
                        errors.spanned(
                            &inputs.expr,
                            format_args!(
                                "`{}` takes {found} input features, but the layer before it, `{}`, gives {given}\nchange {found} to {given}",
                                layer.call,
                                prev.call,
                            ),
                        );
                    }
                }
                previous = Some(layer);
                outputs.clone()
            }
            _ => width,
        };
        widths.push(next);
    }
    Some(widths)
}
