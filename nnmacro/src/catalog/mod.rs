//! The layers the macro knows: one description per kind, read by every phase.
//!
//! A kind is a row of [`LAYERS`] (its name, how it is written, and the function that checks its
//! arguments) and a type implementing [`LayerKind`], which tells validation its shape rule and
//! expansion its runtime type (in `nncore/src/layers/`), its zero value and its parameters and
//! buffers (which `#[weights]` checks a file against). Adding an activation is one row (see
//! `activation.rs`); adding a layer with a new shape rule is one file here and one row.

mod activation;
pub mod args;
mod conv;
mod dense;
pub mod instead;
pub mod nested;
mod norm;
mod pad;
mod pool;
mod reshape;
pub mod spelling;

use proc_macro2::TokenStream;

use crate::ast::{Arg, LayerCall};
use crate::errors::Errors;
use crate::ir::{ConstCheck, TensorDef};
use crate::shape::{Dims, Size, describe};

/// One layer kind, with its arguments checked.
pub trait LayerKind {
    /// The sample shape the layer takes, where its arguments fix all of it (`Linear(1, 13)`
    /// takes `[1]`): a model may start with it, and a chain broken before it resumes at it.
    fn input(&self) -> Option<Dims> {
        None
    }

    /// A shape to write the layer's type for when the layers before it do not tell its input
    /// (a stub after a mistake): the type depends on no more of the input than this.
    fn nominal_input(&self) -> Dims {
        Vec::new()
    }

    /// The shape the layer gives for samples of shape `input`, or `None` once `link` has
    /// reported why it cannot take them.
    fn output(&self, input: &[Size], link: &mut Link) -> Option<Dims>;

    /// Whether the layer gives the shape it takes, whatever it is (an activation): messages
    /// then name the layer before it as the one that gave the shape.
    fn passes_shape(&self) -> bool {
        false
    }

    /// The runtime type for samples of shape `input`: `::nncore::Linear<1, 13>`.
    fn ty(&self, input: &[Size]) -> TokenStream;

    /// The layer with every parameter and buffer zero, as a constant expression of type `ty`.
    fn zero(&self, ty: &TokenStream) -> TokenStream;

    /// The arguments of the runtime type's `configure`, which restores its hyperparameters in a
    /// layer allocated zeroed; `None` for a layer with no parameters (it is assigned whole) or
    /// no hyperparameters.
    fn configure(&self) -> Option<TokenStream> {
        None
    }

    /// The statement that restores the hyperparameters of the layer at `place` (`model.conv1`)
    /// allocated zeroed, for a layer with parameters; `None` if there is nothing to restore.
    fn restore(&self, place: &TokenStream) -> Option<TokenStream> {
        self.configure()
            .map(|args| quote::quote!(#place.configure(#args);))
    }

    /// Whether it is a model declared earlier, used as a layer.
    fn nested(&self) -> bool {
        false
    }

    /// How many modules deep its deepest parameter's name is, inside it: 0 for a layer.
    fn depth(&self) -> usize {
        0
    }

    /// The parameters, in PyTorch's order, for samples of shape `input`.
    fn params(&self, _input: &[Size]) -> Vec<TensorDef> {
        Vec::new()
    }

    /// The buffers (BatchNorm's running statistics), in PyTorch's order.
    fn buffers(&self, _input: &[Size]) -> Vec<TensorDef> {
        Vec::new()
    }

    /// The arguments PyTorch prints as they were written, where the runtime layer prints them
    /// otherwise (`beta=2`, not `beta=2.0`).
    fn spelled(&self) -> Vec<spelling::Spelled> {
        Vec::new()
    }

    /// The multiply-adds of one sample's forward pass, as a `usize` expression, for a layer
    /// whose runtime type cannot know them (a convolution's depend on its input's size); `None`
    /// takes the runtime type's `MULTIPLY_ADDS`.
    fn multiply_adds(&self, _output: &[Size]) -> Option<TokenStream> {
        None
    }
}

/// Checks a layer's arguments: its kind, or `None` once the mistakes are reported. A layer whose
/// mistakes leave its shapes known (a `Linear` with a misspelled keyword) may still give its
/// kind, so that the layers after it are checked too.
pub type Check = fn(&LayerCall, &[&Arg], &mut Errors) -> Option<Box<dyn LayerKind>>;

/// A layer the macro knows: its name, how it is written, and the check of its arguments.
pub struct LayerDef {
    pub name: &'static str,
    /// Whether the layer gives the shape it takes whatever its arguments (an activation), so
    /// that the shapes go on past it when its arguments have a mistake.
    pub keeps_shape: bool,
    pub usage: &'static str,
    pub check: Check,
}

/// Every layer the macro accepts; messages and suggestions take their list of layers from it.
pub const LAYERS: &[LayerDef] = &[
    dense::LINEAR,
    conv::CONV1D,
    conv::CONV2D,
    pool::MAX_POOL1D,
    pool::MAX_POOL2D,
    pool::AVG_POOL1D,
    pool::AVG_POOL2D,
    pool::ADAPTIVE_AVG_POOL1D,
    pool::ADAPTIVE_AVG_POOL2D,
    pad::ZERO_PAD1D,
    pad::ZERO_PAD2D,
    norm::BATCH_NORM1D,
    norm::BATCH_NORM2D,
    norm::DROPOUT,
    reshape::FLATTEN,
    activation::TANH,
    activation::RELU,
    activation::RELU6,
    activation::SIGMOID,
    activation::LEAKY_RELU,
    activation::GELU,
    activation::SILU,
    activation::SOFTPLUS,
    activation::ELU,
    activation::HARDSWISH,
    activation::HARDSIGMOID,
    activation::IDENTITY,
    reshape::SOFTMAX,
    reshape::LOG_SOFTMAX,
];

/// Other libraries' names for these layers, lowercase, for suggestions: Keras's `Dense` is
/// `Linear`.
pub const ALIASES: &[(&str, &str)] = &[
    ("dense", "Linear"),
    ("fc", "Linear"),
    ("fullyconnected", "Linear"),
    ("affine", "Linear"),
    ("lrelu", "LeakyReLU"),
    ("logistic", "Sigmoid"),
    ("conv", "Conv2d"),
    ("maxpool", "MaxPool2d"),
    ("batchnorm", "BatchNorm1d"),
    ("zeropadding1d", "ZeroPad1d"),
    ("zeropadding2d", "ZeroPad2d"),
    ("hswish", "Hardswish"),
    ("hsigmoid", "Hardsigmoid"),
];

/// How the layer `name` is written, for messages.
pub fn usage(name: &str) -> &'static str {
    LAYERS
        .iter()
        .find(|def| def.name == name)
        .map_or("", |def| def.usage)
}

/// What a layer's shape rule reports to: the layer, the one whose output it takes, and where
/// mistakes and checks for the compiler go.
pub struct Link<'a> {
    pub call: &'a LayerCall,
    /// The layer that gave the current shape, as written, or the `#[input(...)]`.
    pub source: String,
    /// Whether the shape given is the one the layer's own arguments fix (it starts the model,
    /// or the chain resumes at it): then there is nothing before it to check it against.
    pub own_input: bool,
    /// The shapes from the model's input to this layer, `input: 3×32×32 → conv1: 16×32×32`,
    /// shown under a mistake in a model with `#[input(...)]`; empty otherwise.
    pub trail: String,
    pub errors: &'a mut Errors,
    pub checks: &'a mut Vec<ConstCheck>,
}

impl Link<'_> {
    /// `message`, and the shapes that led to the layer when the model shows them.
    pub fn explain(&self, message: impl std::fmt::Display) -> String {
        if self.trail.is_empty() {
            message.to_string()
        } else {
            format!("{message}\nthe shapes: {}", self.trail)
        }
    }

    /// Reports `message` on the layer.
    pub fn error(&mut self, message: impl std::fmt::Display) {
        let message = self.explain(message);
        self.errors.spanned(self.call, message);
    }

    /// Reports `message` on `tokens`.
    pub fn error_at(&mut self, tokens: impl quote::ToTokens, message: impl std::fmt::Display) {
        let message = self.explain(message);
        self.errors.spanned(tokens, message);
    }

    /// A `const` assertion that `condition` (an expression of raw sizes) holds, else
    /// `message`, spanned on `span`.
    pub fn check(&mut self, span: proc_macro2::Span, condition: TokenStream, message: String) {
        let message = self.explain(message);
        self.checks.push(ConstCheck {
            span,
            condition,
            message,
        });
    }

    /// `found == expected`, checked here for literals and by the compiler otherwise. `role`
    /// names what is compared: "input features".
    pub fn expect_equal(&mut self, found: &Size, expected: &Size, role: &str) -> bool {
        let call = self.call;
        match (found.literal, expected.literal) {
            (Some(f), Some(e)) if f != e => {
                // What `Flatten` gives, `8×8×8 = 512 features`, is changed by the layers before.
                let (given, before) = if expected.text() == e.to_string() {
                    (expected.text(), "the layer before")
                } else {
                    let noun = role.rsplit(' ').next().unwrap_or(role);
                    (
                        format!("{} {noun}", expected.text()),
                        "the layers before it",
                    )
                };
                let message = format!(
                    "`{call}` takes {f} {role}, but {} gives {given}\nchange {f} to {e}, or change {before} to give {f}",
                    self.source
                );
                self.error_at(&found.expr, message);
                false
            }
            (Some(_), Some(_)) => true,
            _ if found.same(expected) => true,
            _ => {
                let (f, e) = (found.raw(), expected.raw());
                let message = format!(
                    "`{call}` takes {} {role}, but {} gives {}, a different number",
                    found.text(),
                    self.source,
                    expected.text()
                );
                self.check(found.span(), quote::quote!(#f == #e), message);
                true
            }
        }
    }

    /// The input has one of `ranks` dimensions, else reports what the layer takes (`what`,
    /// e.g. "a sequence `[channels, length]`"), what it was given, and `hint`.
    pub fn expect_rank(&mut self, input: &[Size], ranks: &[usize], what: &str, hint: &str) -> bool {
        if ranks.contains(&input.len()) {
            return true;
        }
        let (call, source, given) = (self.call, &self.source, describe(input));
        let given = match input.len() {
            1 if input[0].literal == Some(1) => "1 feature".to_owned(),
            1 => format!("{given} features"),
            2 => format!("a {given} sequence"),
            _ => format!("a {given} image"),
        };
        let message = format!("`{call}` takes {what}, but {source} gives {given}{hint}");
        self.error(message);
        false
    }

    /// `size >= 1`, checked here for a literal and by the compiler otherwise.
    pub fn expect_positive(&mut self, size: &Size, message: impl Fn() -> String) -> bool {
        match size.literal {
            Some(0) => {
                self.error(message());
                false
            }
            Some(_) => true,
            None => {
                let raw = size.raw();
                self.check(size.span(), quote::quote!(#raw > 0), message());
                true
            }
        }
    }

    /// `length + 2·padding >= reach` along one axis, checked here for literals and by the
    /// compiler otherwise; `message` says what the layer needs. The padded length, or `None`
    /// once reported.
    pub fn expect_fits(
        &mut self,
        length: &Size,
        padding: u64,
        reach: u64,
        message: impl Fn() -> String,
    ) -> Option<Size> {
        let padded = length.add(&Size::new(2 * padding, length.span()))?;
        match padded.literal {
            Some(n) if n < reach => {
                self.error(message());
                None
            }
            Some(_) => Some(padded),
            None => {
                let (raw, reach) = (padded.raw(), reach as usize);
                let span = self.call.name().span();
                self.check(span, quote::quote!(#raw >= #reach), message());
                Some(padded)
            }
        }
    }
}

/// The name of spatial axis `axis` of a layer over `axes` axes, and the adjective for its
/// extent: ("height", "high").
pub fn axis_name(axes: usize, axis: usize) -> (&'static str, &'static str) {
    match (axes, axis) {
        (1, _) => ("length", "long"),
        (_, 0) => ("height", "high"),
        _ => ("width", "wide"),
    }
}

/// Says that a window of `reach` values (`how`: how the layer spans them, or empty) does not
/// fit in an input `length` long along an axis with `padding` on each side: the layer would
/// give nothing.
pub fn too_short(
    call: &LayerCall,
    (axis, extent): (&str, &str),
    (reach, how): (u64, &str),
    length: &Size,
    padding: u64,
) -> String {
    let padded = match length.literal {
        Some(n) if padding > 0 => format!(", {} with its padding", n + 2 * padding),
        None if padding > 0 => format!(", plus {} of padding", 2 * padding),
        _ => String::new(),
    };
    format!(
        "`{call}` needs at least {reach} values{how} along the {axis}, but its input is {} {extent}{padded}: it would give no output",
        length.text()
    )
}

#[cfg(test)]
mod tests {
    use super::LAYERS;

    /// The table of printed forms checked against PyTorch's (`tests/print_table.rs`) has a row
    /// for every layer the macro accepts.
    #[test]
    fn every_layer_is_in_the_print_table() {
        let table = include_str!("../../../tests/print_table/table.rs");
        let declared: Vec<&str> = table
            .lines()
            .filter_map(|line| {
                line.split_once("struct Row")?
                    .1
                    .split_once('(')
                    .map(|(_, l)| l)
            })
            .collect();
        for def in LAYERS {
            let found = declared.iter().any(|layer| {
                layer.starts_with(def.name)
                    && !layer[def.name.len()..].starts_with(char::is_alphanumeric)
            });
            assert!(found, "the print table has no row for `{}`", def.name);
        }
    }

    /// The README's table of what is there lists every layer the macro accepts, so the docs'
    /// list cannot fall behind the catalog.
    #[test]
    fn every_layer_is_in_the_readme_table() {
        let readme = include_str!("../../../README.md");
        let table: Vec<&str> = readme
            .lines()
            .skip_while(|line| !line.starts_with("## What is there"))
            .take_while(|line| !line.starts_with("## Parity"))
            .filter(|line| line.starts_with("| layer") || line.starts_with("| activation"))
            .collect();
        for def in LAYERS {
            let written = format!("`{}", def.name);
            assert!(
                table.iter().any(|row| row
                    .split('|')
                    .nth(2)
                    .is_some_and(|cell| cell.contains(&written))),
                "the README's table has no row for `{}`",
                def.name
            );
        }
    }
}
