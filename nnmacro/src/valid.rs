//! Validate: turn the parsed input into a model that is known to be well formed.
//!
//! One check a function; each mistake is a spanned `syn::Error`, and all of them are gathered so
//! one compile reports every mistake. A model that fails still yields a [`Stub`]: the struct with
//! the fields that did check out, so the user's other code reports nothing more.
//!
//! The layers the macro knows are listed once, in [`LAYERS`].

use proc_macro2::Span;
use quote::ToTokens;
use syn::{Attribute, Expr, ExprLit, ExprUnary, Ident, Lit, UnOp};

use crate::ast::{Arg, Entry, Form, Input, LayerCall};

/// The most parameters a model may have: 2^24 `f32`, 64 MiB.
///
/// A model is arrays held by value, which rustc builds at compile time: at this size it takes
/// seconds and half a gigabyte, and a hundred times more would take gigabytes. Such models live
/// on the heap (`init_boxed`, `Grads::boxed`); the optimizers box their state.
pub const MAX_PARAMS: u128 = 1 << 24;

/// The most features a model's widths (its input and every layer's output) may add up to:
/// 2^16 `f32`, 256 KiB.
///
/// One sample's activations and their gradients are arrays on the stack, one of each width:
/// 512 KiB at the limit, and unoptimized code makes copies of them besides. At the limit a
/// forward and backward pass takes up to about 1.4 MiB of stack, which a thread's 2 MiB holds
/// (docs/compile-errors.md); at twice the limit it overflows.
pub const MAX_WIDTHS: u128 = 1 << 16;

/// A model that passed every check: what `expand.rs` writes code for.
pub struct Model {
    pub attrs: Vec<Attribute>,
    pub vis: syn::Visibility,
    pub ident: Ident,
    pub form: Form,
    pub layers: Vec<Layer>,
    /// `widths[i]` features go into layer `i`; `widths[i + 1]` come out.
    pub widths: Vec<Size>,
    /// The checks of sizes given as constants, which only the compiler can evaluate.
    pub const_checks: Vec<ConstCheck>,
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
        /// In a valid model, the width the layer before gives, which the compiler has checked
        /// to equal the size the user wrote; so the generated types agree by construction.
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

/// A check on sizes given as constants, written into the output as a `const` assertion whose
/// message names the layers.
pub enum ConstCheck {
    /// `found == expected`: a layer's input features and the width the layer before it gives.
    Equal {
        found: Size,
        expected: Size,
        message: String,
    },
    /// `size >= 1`.
    Positive { size: Size, message: String },
    /// The model's `NUM_PARAMS` is at most [`MAX_PARAMS`].
    ParamLimit { span: Span, message: String },
    /// The model's widths add up to at most [`MAX_WIDTHS`].
    WidthLimit {
        span: Span,
        widths: Vec<Size>,
        message: String,
    },
}

/// What is known of a model that failed to validate: enough for a stub with the same name,
/// form and fields.
pub struct Stub {
    pub attrs: Vec<Attribute>,
    pub vis: syn::Visibility,
    pub ident: Ident,
    pub form: Form,
    pub fields: Vec<StubField>,
    /// The model's input and output widths, where the layers that checked out tell them.
    pub input: Option<Size>,
    pub output: Option<Size>,
}

/// One field of a stub.
pub enum StubField {
    /// A layer that checked out: the field gets its real type.
    Layer(Box<Layer>),
    /// A layer with a mistake in it.
    Broken { attrs: Vec<Attribute>, field: Field },
}

/// A layer the macro knows: its name, how it is written, and the check of its arguments.
pub struct LayerDef {
    pub name: &'static str,
    pub usage: &'static str,
    check: fn(&LayerCall, &[&Arg], &mut Errors) -> Option<Kind>,
}

/// Every layer the macro accepts. A new layer is a row here, a [`Kind`] variant, and its arms in
/// `expand.rs`; messages and suggestions take their list of layers from this table.
pub const LAYERS: &[LayerDef] = &[
    LayerDef {
        name: "Linear",
        usage: "`Linear(in_features, out_features)` or `Linear(in_features, out_features, bias = false)`",
        check: check_linear,
    },
    LayerDef {
        name: "Tanh",
        usage: "`Tanh`",
        check: |call, args, errors| no_args(call, args, Kind::Tanh, errors),
    },
    LayerDef {
        name: "ReLU",
        usage: "`ReLU`",
        check: |call, args, errors| no_args(call, args, Kind::ReLU, errors),
    },
    LayerDef {
        name: "Sigmoid",
        usage: "`Sigmoid`",
        check: |call, args, errors| no_args(call, args, Kind::Sigmoid, errors),
    },
    LayerDef {
        name: "LeakyReLU",
        usage: "`LeakyReLU(negative_slope)`, e.g. `LeakyReLU(0.1)`, or `LeakyReLU` for 0.01",
        check: check_leaky_relu,
    },
    LayerDef {
        name: "GELU",
        usage: "`GELU`, or `GELU(approximate = \"tanh\")`",
        check: check_gelu,
    },
    LayerDef {
        name: "SiLU",
        usage: "`SiLU`",
        check: |call, args, errors| no_args(call, args, Kind::SiLU, errors),
    },
    LayerDef {
        name: "Softplus",
        usage: "`Softplus`, or `Softplus(beta, threshold)`, e.g. `Softplus(beta = 2, threshold = 10)`",
        check: |call, args, errors| {
            check_numbers(call, args, &["beta", "threshold"], errors).map(|mut v| {
                let threshold = v.pop().flatten();
                let beta = v.pop().flatten();
                Kind::Softplus { beta, threshold }
            })
        },
    },
    LayerDef {
        name: "ELU",
        usage: "`ELU`, or `ELU(alpha)`, e.g. `ELU(0.5)`",
        check: |call, args, errors| {
            check_numbers(call, args, &["alpha"], errors).map(|mut v| Kind::Elu {
                alpha: v.pop().flatten(),
            })
        },
    },
    LayerDef {
        name: "Identity",
        usage: "`Identity`",
        check: |call, args, errors| no_args(call, args, Kind::Identity, errors),
    },
];

/// Other libraries' names for these layers, lowercase, for suggestions: Keras's `Dense` is
/// `Linear`.
const ALIASES: &[(&str, &str)] = &[
    ("dense", "Linear"),
    ("fc", "Linear"),
    ("fullyconnected", "Linear"),
    ("affine", "Linear"),
    ("lrelu", "LeakyReLU"),
    ("logistic", "Sigmoid"),
];

/// How the layer `name` is written, for messages.
fn usage(name: &str) -> &'static str {
    LAYERS
        .iter()
        .find(|def| def.name == name)
        .map_or("", |def| def.usage)
}

/// The crate whose path may prefix a layer: `nncore::Linear`.
const CRATE: &str = "nncore";

/// Gathers errors so that all of them are reported together.
#[derive(Default)]
pub struct Errors(Option<syn::Error>);

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

/// One entry on its way through the checks.
struct Slot {
    attrs: Vec<Attribute>,
    /// `None` for an unnamed layer in a struct with named fields (an error).
    field: Option<Field>,
    /// `None` if the layer has a mistake.
    layer: Option<(Kind, LayerCall)>,
}

/// Checks the whole input.
pub fn validate(input: Input) -> Result<Model, Box<(syn::Error, Stub)>> {
    let mut errors = Errors::default();
    for error in &input.errors {
        errors.push(error.clone());
    }
    check_not_empty(&input, &mut errors);
    check_names(&input, &mut errors);
    let mut slots: Vec<Slot> = input
        .entries
        .into_iter()
        .enumerate()
        .map(|(index, entry)| check_entry(index, input.form, entry, &mut errors))
        .collect();
    let chain = check_chain(&mut slots, input.body_span, &mut errors);
    let mut const_checks = chain.const_checks;
    let too_large = check_param_count(&slots, input.body_span, &mut const_checks, &mut errors);
    check_width_sum(
        &slots,
        &chain.widths,
        input.body_span,
        &mut const_checks,
        &mut errors,
    );

    if let Some(error) = errors.0 {
        let mut names: Vec<Ident> = Vec::new();
        let fields = slots
            .into_iter()
            .filter_map(|slot| {
                let field = slot.field?;
                // A keyword or a repeated name would only add rustc's errors to the macro's.
                if let Field::Named(name) = &field {
                    if names.contains(name) || syn::parse2::<Ident>(name.to_token_stream()).is_err()
                    {
                        return None;
                    }
                    names.push(name.clone());
                }
                // The arrays of a model over the limit would take rustc minutes and gigabytes.
                let layer = slot
                    .layer
                    .filter(|(kind, _)| !(too_large && matches!(kind, Kind::Linear { .. })));
                Some(match layer {
                    Some((kind, call)) => StubField::Layer(Box::new(Layer {
                        attrs: slot.attrs,
                        field,
                        kind,
                        call,
                    })),
                    None => StubField::Broken {
                        attrs: slot.attrs,
                        field,
                    },
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
        return Err(Box::new((error, stub)));
    }
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
    Ok(Model {
        attrs: input.attrs,
        vis: input.vis,
        ident: input.ident,
        form: input.form,
        layers,
        widths: chain.widths,
        const_checks,
    })
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
                    errors.spanned(
                        name,
                        format_args!(
                            "`{name}` is a Rust keyword and cannot name a field; write `r#{name}` or choose another name"
                        ),
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
fn check_layer(call: &LayerCall, errors: &mut Errors) -> Option<Kind> {
    let name = call.name();
    let text = name.to_string();
    let Some(def) = LAYERS.iter().find(|def| def.name == text) else {
        let hint = match suggest(&text) {
            Some(known) => format!("; did you mean `{known}`?"),
            None => String::new(),
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
    let args: Vec<&Arg> = call.args.iter().flat_map(|(_, args)| args).collect();
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
    errors.spanned(
        path,
        format_args!(
            "`{written}` is not a layer of `{CRATE}`; write `{name}` or `{CRATE}::{name}`"
        ),
    );
    None
}

/// The known layer a misspelled or foreign name most likely means.
fn suggest(name: &str) -> Option<&'static str> {
    let lower = name.to_lowercase();
    let alias = ALIASES
        .iter()
        .find(|(alias, _)| *alias == lower.replace('_', ""))
        .map(|(_, known)| *known);
    alias.or_else(|| closest(name, LAYERS.iter().map(|def| def.name)))
}

/// The candidate closest to `name`, ignoring case and underscores, if it is close: at most two
/// edits apart, or one name contains the other (`slope` in `negative_slope`).
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let normal = |s: &str| s.to_lowercase().replace('_', "");
    let name = normal(name);
    candidates
        .into_iter()
        .map(|candidate| {
            let known = normal(candidate);
            let contained = known.contains(&name) || name.contains(&known);
            let distance = if contained && name.len().min(known.len()) >= 4 {
                known.len().abs_diff(name.len()).min(2)
            } else {
                edit_distance(&name, &known)
            };
            (distance, candidate)
        })
        .filter(|(distance, _)| *distance <= 2)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

/// Levenshtein distance between two short names.
pub fn edit_distance(a: &str, b: &str) -> usize {
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

/// A layer without parameters: `Tanh` or `Tanh()`.
fn no_args(call: &LayerCall, args: &[&Arg], kind: Kind, errors: &mut Errors) -> Option<Kind> {
    if args.is_empty() {
        return Some(kind);
    }
    let name = call.name();
    let (_, written) = call
        .args
        .as_ref()
        .expect("a layer with arguments has parentheses");
    let count = match args.len() {
        1 => "1 is given".to_owned(),
        n => format!("{n} are given"),
    };
    errors.spanned(
        written,
        format_args!("`{name}` takes no arguments, but {count}; write `{name}`"),
    );
    None
}

/// `Linear(in, out)` or `Linear(in, out, bias = BOOL)`, each argument by position or by
/// PyTorch's keyword: `Linear(in_features = 1, out_features = 13)`.
fn check_linear(call: &LayerCall, args: &[&Arg], errors: &mut Errors) -> Option<Kind> {
    let usage = usage("Linear");
    let extra = |expr: &Expr| match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Bool(b), ..
        }) => format!("the bias is a keyword argument: write `bias = {}`", b.value),
        _ => format!("`Linear` takes two sizes, but a third is given\nexpected {usage}"),
    };
    let names = ["in_features", "out_features", "bias"];
    let (values, mut ok) = bind(call, args, &names, 2, extra, errors);
    let [inputs, outputs, bias] = values[..] else {
        unreachable!("one value for each of the three names")
    };
    let mut size = |expr: Option<&Expr>, role| match expr.map(|e| check_size(e, role, errors)) {
        Some(Some(size)) => Some(size),
        Some(None) => {
            ok = false;
            None
        }
        None => None,
    };
    let (inputs, outputs) = (size(inputs, "input"), size(outputs, "output"));
    let bias = match bias {
        None => true,
        Some(Expr::Lit(ExprLit {
            lit: Lit::Bool(b), ..
        })) => b.value,
        Some(value) => {
            let found = value.to_token_stream();
            errors.spanned(
                value,
                format_args!("`bias` must be `true` or `false`, found `{found}`"),
            );
            ok = false;
            true
        }
    };
    match (ok, inputs, outputs) {
        (false, _, _) => None,
        (true, Some(inputs), Some(outputs)) => Some(Kind::Linear {
            inputs,
            outputs,
            bias,
        }),
        (true, inputs, outputs) => {
            let given = match (inputs, outputs) {
                (None, None) => "none is given",
                (Some(_), _) => "one is given",
                (None, Some(_)) => "only `out_features` is given",
            };
            errors.spanned(
                call,
                format_args!(
                    "`Linear` takes two sizes, its input and output features, but {given}\nexpected {usage}"
                ),
            );
            None
        }
    }
}

/// A feature count: a positive integer literal, or any other expression (a `const`), which the
/// compiler checks as a `usize`.
fn check_size(expr: &Expr, role: &str, errors: &mut Errors) -> Option<Size> {
    let found = expr.to_token_stream().to_string().replace("- ", "-");
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Int(int), ..
        }) => match int.base10_parse::<u64>() {
            Ok(0) => {
                errors.spanned(
                    expr,
                    format_args!("0 {role} features: a layer needs at least one"),
                );
                None
            }
            Ok(value) => Some(Size {
                expr: Box::new(expr.clone()),
                literal: Some(value),
            }),
            Err(_) => {
                let max = grouped(MAX_PARAMS);
                errors.spanned(
                    expr,
                    format_args!(
                        "{found} {role} features is more than any model can hold (at most {max} parameters)"
                    ),
                );
                None
            }
        },
        Expr::Lit(_)
        | Expr::Unary(ExprUnary {
            op: UnOp::Neg(_), ..
        }) => {
            errors.spanned(
                expr,
                format_args!(
                    "the number of {role} features must be a positive integer, found `{found}`"
                ),
            );
            None
        }
        _ => Some(Size {
            expr: Box::new(expr.clone()),
            literal: None,
        }),
    }
}

/// `LeakyReLU`, `LeakyReLU(slope)` or `LeakyReLU(negative_slope = slope)`.
fn check_leaky_relu(call: &LayerCall, args: &[&Arg], errors: &mut Errors) -> Option<Kind> {
    let usage = usage("LeakyReLU");
    let count = args.len();
    let extra = |_: &Expr| {
        format!(
            "`LeakyReLU` takes one argument, its negative slope, but {count} are given\nexpected {usage}"
        )
    };
    let (values, ok) = bind(call, args, &["negative_slope"], 1, extra, errors);
    let [slope] = values[..] else {
        unreachable!("one value for the one name")
    };
    let Some(slope) = slope else {
        return ok.then_some(Kind::LeakyReLU { slope: None });
    };
    let number = |expr: &Expr| {
        matches!(
            expr,
            Expr::Lit(ExprLit {
                lit: Lit::Float(_) | Lit::Int(_),
                ..
            })
        )
    };
    match slope {
        Expr::Unary(ExprUnary {
            op: UnOp::Neg(_),
            expr,
            ..
        }) if number(expr) => {}
        // A literal, or a constant the compiler will check is a number.
        Expr::Path(_) => {}
        expr if number(expr) => {}
        _ => {
            let found = slope.to_token_stream();
            errors.spanned(
                slope,
                format_args!(
                    "the negative slope of `LeakyReLU` must be a number, found `{found}`\nexpected {usage}"
                ),
            );
            return None;
        }
    }
    ok.then(|| Kind::LeakyReLU {
        slope: Some(slope.clone()),
    })
}

/// What the chain of widths tells.
struct Chain {
    /// Every width, if the whole model checked out.
    widths: Vec<Size>,
    input: Option<Size>,
    output: Option<Size>,
    const_checks: Vec<ConstCheck>,
}

/// Works out the width between every two layers and checks that each `Linear` takes what the
/// `Linear` before it gives: literals here, constants by a `const` assertion in the output. Each
/// later `Linear`'s input then takes the width before it, so the generated types agree.
fn check_chain(slots: &mut [Slot], body_span: Span, errors: &mut Errors) -> Chain {
    let mut const_checks = Vec::new();
    // The width coming out of the last `Linear`, and that layer; `None` after a broken layer.
    let mut width: Option<(Size, String)> = None;
    let mut input = None;
    let mut broken_before = false;
    let mut output = None;
    for slot in slots.iter_mut() {
        let Some((kind, call)) = &mut slot.layer else {
            broken_before = true;
            width = None;
            output = None;
            continue;
        };
        let Kind::Linear {
            inputs, outputs, ..
        } = kind
        else {
            continue;
        };
        if input.is_none() && !broken_before && width.is_none() {
            input = Some(inputs.clone());
        }
        let mut unchecked = vec![(&*outputs, "output")];
        match &width {
            None => unchecked.push((&*inputs, "input")),
            Some((given, previous)) => match (inputs.literal, given.literal) {
                (Some(found), Some(expected)) if found != expected => errors.spanned(
                    &inputs.expr,
                    format_args!(
                        "`{call}` takes {found} input features, but the `{previous}` before it gives {expected}\nchange {found} to {expected}, or change the layer before to give {found}"
                    ),
                ),
                (Some(_), Some(_)) => {}
                _ => const_checks.push(ConstCheck::Equal {
                    found: (*inputs).clone(),
                    expected: given.clone(),
                    message: format!(
                        "`{call}` takes a different number of input features than the `{previous}` before it gives"
                    ),
                }),
            },
        }
        for (size, role) in unchecked {
            if size.literal.is_none() {
                let written = size.expr.to_token_stream();
                const_checks.push(ConstCheck::Positive {
                    size: size.clone(),
                    message: format!(
                        "`{call}` has 0 {role} features (`{written}` is 0): a layer needs at least one"
                    ),
                });
            }
        }
        if let Some((given, _)) = &width {
            *inputs = given.clone();
        }
        width = Some((outputs.clone(), call.to_string()));
        output = Some(outputs.clone());
    }
    let linear = slots
        .iter()
        .any(|slot| matches!(slot.layer, Some((Kind::Linear { .. }, _))));
    if !linear && !broken_before && !slots.is_empty() {
        errors.push(syn::Error::new(
            body_span,
            "the model has no `Linear` layer, so its input size is unknown\nadd one, e.g. `Linear(1, 1)`; a model of activations alone has no parameters to learn",
        ));
    }
    let widths = match &input {
        Some(first) if !broken_before => {
            let mut widths = vec![first.clone()];
            for slot in slots.iter() {
                let last = widths.last().expect("widths starts with the input").clone();
                widths.push(match &slot.layer {
                    Some((Kind::Linear { outputs, .. }, _)) => outputs.clone(),
                    _ => last,
                });
            }
            widths
        }
        _ => Vec::new(),
    };
    Chain {
        widths,
        input,
        output,
        const_checks,
    }
}

/// The model's parameters fit in [`MAX_PARAMS`]: counted here when every size is a literal, by a
/// `const` assertion otherwise. True if the literal sizes are over the limit.
fn check_param_count(
    slots: &[Slot],
    body_span: Span,
    const_checks: &mut Vec<ConstCheck>,
    errors: &mut Errors,
) -> bool {
    let mut total: u128 = 0;
    let mut largest: Option<(u128, &LayerCall)> = None;
    for (kind, call) in slots.iter().filter_map(|slot| slot.layer.as_ref()) {
        let Kind::Linear {
            inputs,
            outputs,
            bias,
        } = kind
        else {
            continue;
        };
        let (Some(i), Some(o)) = (inputs.literal, outputs.literal) else {
            const_checks.push(ConstCheck::ParamLimit {
                span: body_span,
                message: format!(
                    "the model has more than {} parameters, the most a model may have (its arrays are held by value, on the stack)",
                    grouped(MAX_PARAMS)
                ),
            });
            return false;
        };
        let count = u128::from(i) * u128::from(o) + if *bias { u128::from(o) } else { 0 };
        total += count;
        if largest.is_none_or(|(most, _)| count > most) {
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

/// The model's widths add up to at most [`MAX_WIDTHS`]: added here when every size is a literal,
/// by a `const` assertion otherwise. Checked only when the whole chain of widths is known.
fn check_width_sum(
    slots: &[Slot],
    widths: &[Size],
    body_span: Span,
    const_checks: &mut Vec<ConstCheck>,
    errors: &mut Errors,
) {
    if widths.is_empty() {
        return;
    }
    let max = grouped(MAX_WIDTHS);
    let why = format!(
        "one sample's activations and their gradients are arrays on the stack, one of each width; at {max} features a forward and backward pass already takes most of a thread's 2 MiB stack"
    );
    let Some(literals) = widths
        .iter()
        .map(|w| w.literal)
        .collect::<Option<Vec<u64>>>()
    else {
        const_checks.push(ConstCheck::WidthLimit {
            span: body_span,
            widths: widths.to_vec(),
            message: format!(
                "the widths of the model's input and layers add up to more than {max} features, the most a model may have\n{why}"
            ),
        });
        return;
    };
    let total: u128 = literals.into_iter().map(u128::from).sum();
    if total <= MAX_WIDTHS {
        return;
    }
    // The widest `Linear`, the first of equals: the one that gives the width, not the one after.
    let widest = slots
        .iter()
        .rev()
        .filter_map(|slot| match &slot.layer {
            Some((
                Kind::Linear {
                    inputs, outputs, ..
                },
                call,
            )) => Some((inputs.literal?.max(outputs.literal?), call)),
            _ => None,
        })
        .max_by_key(|(width, _)| *width);
    if let Some((width, call)) = widest {
        let (total, width) = (grouped(total), grouped(u128::from(width)));
        errors.spanned(
            call,
            format_args!(
                "the widths of this model's input and layers add up to {total} features, more than the {max} a model may have; `{call}` alone is {width} wide\n{why}"
            ),
        );
    }
}

/// `10_000_100_000`: a large count, readable.
fn grouped(n: u128) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push('_');
        }
        out.push(digit);
    }
    out
}

/// `GELU`, `GELU(approximate = "tanh")` or `GELU(approximate = "none")`.
fn check_gelu(call: &LayerCall, args: &[&Arg], errors: &mut Errors) -> Option<Kind> {
    let extra = |_: &Expr| {
        "`GELU` takes at most one argument: `GELU`, or `GELU(approximate = \"tanh\")`".to_owned()
    };
    let (values, ok) = bind(call, args, &["approximate"], 1, extra, errors);
    let [value] = values[..] else {
        unreachable!("one value for the one name")
    };
    let Some(value) = value else {
        return ok.then_some(Kind::Gelu { tanh: false });
    };
    match value {
        Expr::Lit(ExprLit {
            lit: Lit::Str(text),
            ..
        }) if text.value() == "tanh" || text.value() == "none" => ok.then(|| Kind::Gelu {
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
    let takes = names.join(", ");
    let extra = |_: &Expr| format!("unexpected argument for `{layer}`; it takes {takes}");
    let (values, mut ok) = bind(call, args, names, names.len(), extra, errors);
    for (value, name) in values.iter().zip(names) {
        match value {
            None
            | Some(
                Expr::Lit(ExprLit {
                    lit: Lit::Float(_) | Lit::Int(_),
                    ..
                })
                | Expr::Unary(_)
                | Expr::Path(_),
            ) => {}
            Some(value) => {
                let found = value.to_token_stream();
                errors.spanned(
                    value,
                    format_args!(
                        "`{name}` of `{layer}` must be a number, e.g. `1.0`; found `{found}`"
                    ),
                );
                ok = false;
            }
        }
    }
    ok.then(|| values.into_iter().map(|value| value.cloned()).collect())
}

/// Binds a layer's arguments to its parameters `names` as Python does: positional arguments fill
/// the first `positional` parameters in order, keywords name any of them, no positional argument
/// follows a keyword, and no parameter is given twice. `extra` words the error for a positional
/// argument past the last (each layer says what it takes). One value or `None` (the default) per
/// name, the arguments that could be bound, and whether all of them could.
fn bind<'a>(
    call: &LayerCall,
    args: &[&'a Arg],
    names: &[&str],
    positional: usize,
    extra: impl Fn(&Expr) -> String,
    errors: &mut Errors,
) -> (Vec<Option<&'a Expr>>, bool) {
    let layer = call.name();
    let usage = usage(&layer.to_string());
    let mut values: Vec<Option<&Expr>> = vec![None; names.len()];
    let (mut ok, mut by_position, mut keyword_seen) = (true, 0, false);
    for arg in args {
        match arg {
            Arg::Positional(value) if keyword_seen => {
                errors.spanned(
                    value,
                    format_args!(
                        "positional argument after a keyword argument; give it by keyword, or before the keywords\nexpected {usage}"
                    ),
                );
                ok = false;
            }
            Arg::Positional(value) if by_position < positional => {
                values[by_position] = Some(value);
                by_position += 1;
            }
            Arg::Positional(value) => {
                errors.spanned(value, extra(value));
                ok = false;
            }
            Arg::Keyword { name, value, .. } => {
                keyword_seen = true;
                let Some(slot) = names.iter().position(|known| name == known) else {
                    let hint = closest(&name.to_string(), names.iter().copied())
                        .map(|known| format!("; did you mean `{known}`?"))
                        .unwrap_or_default();
                    errors.spanned(
                        name,
                        format_args!(
                            "unknown argument `{name}` for `{layer}`{hint}\nexpected {usage}"
                        ),
                    );
                    ok = false;
                    continue;
                };
                if values[slot].is_some() {
                    let how = if slot < by_position {
                        "by position and by keyword"
                    } else {
                        "by keyword twice"
                    };
                    errors.spanned(
                        name,
                        format_args!("`{layer}` is given `{name}` {how}; give it once"),
                    );
                    ok = false;
                    continue;
                }
                values[slot] = Some(value);
            }
        }
    }
    (values, ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_case_and_aliases() {
        assert_eq!(suggest("tanh"), Some("Tanh"));
        assert_eq!(suggest("Relu"), Some("ReLU"));
        assert_eq!(suggest("RELU"), Some("ReLU"));
        assert_eq!(suggest("Dense"), Some("Linear"));
        assert_eq!(suggest("Lienar"), Some("Linear"));
        assert_eq!(suggest("leaky_relu"), Some("LeakyReLU"));
        assert_eq!(suggest("Sigmod"), Some("Sigmoid"));
    }

    #[test]
    fn suggests_nothing_for_unrelated_names() {
        assert_eq!(suggest("Conv2d"), None);
        assert_eq!(suggest("Softmax"), None);
        assert_eq!(suggest("X"), None);
    }

    #[test]
    fn closest_keyword() {
        assert_eq!(closest("biass", ["bias"]), Some("bias"));
        assert_eq!(closest("slope", ["negative_slope"]), Some("negative_slope"));
        assert_eq!(closest("weights", ["bias"]), None);
    }

    #[test]
    fn edit_distance_counts_edits() {
        assert_eq!(edit_distance("", ""), 0);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("bias", "biass"), 1);
        assert_eq!(edit_distance("abc", ""), 3);
    }

    #[test]
    fn groups_digits_by_three() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1000), "1_000");
        assert_eq!(grouped(10_000_100_000), "10_000_100_000");
    }

    #[test]
    fn every_layer_is_named_once() {
        for (i, def) in LAYERS.iter().enumerate() {
            assert!(LAYERS[i + 1..].iter().all(|other| other.name != def.name));
            assert!(def.usage.contains(def.name), "{} usage", def.name);
        }
    }
}
