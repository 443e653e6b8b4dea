//! The layers the macro knows: one description per kind, read by every phase.
//!
//! A kind is a row of [`LAYERS`] (its name, how it is written, and the function that checks its
//! arguments) and a type implementing [`LayerKind`], which tells validation its shape rule and
//! expansion its runtime type, its zero value and its parameters and buffers (which `#[weights]`
//! checks a file against). Adding an activation is one row (see `activation.rs`); adding a
//! layer with a new shape rule is one file here and one row.

mod activation;
pub mod args;
mod conv;
mod dense;
mod norm;
mod pool;
mod reshape;

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

    /// The parameters, in PyTorch's order, for samples of shape `input`.
    fn params(&self, _input: &[Size]) -> Vec<TensorDef> {
        Vec::new()
    }

    /// The buffers (BatchNorm's running statistics), in PyTorch's order.
    fn buffers(&self, _input: &[Size]) -> Vec<TensorDef> {
        Vec::new()
    }

    /// The multiply-adds of one sample's forward pass, as a `usize` expression, for a layer
    /// whose runtime type cannot know them (a convolution's depend on its input's size); `None`
    /// takes the runtime type's `MULTIPLY_ADDS`.
    fn multiply_adds(&self, _output: &[Size]) -> Option<TokenStream> {
        None
    }
}

/// Checks a layer's arguments: its kind, or `None` once the mistakes are reported.
pub type Check = fn(&LayerCall, &[&Arg], &mut Errors) -> Option<Box<dyn LayerKind>>;

/// A layer the macro knows: its name, how it is written, and the check of its arguments.
pub struct LayerDef {
    pub name: &'static str,
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
    norm::BATCH_NORM1D,
    norm::BATCH_NORM2D,
    norm::DROPOUT,
    reshape::FLATTEN,
    activation::TANH,
    activation::RELU,
    activation::SIGMOID,
    activation::LEAKY_RELU,
    activation::GELU,
    activation::SILU,
    activation::SOFTPLUS,
    activation::ELU,
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
];

/// PyTorch layers the macro does not have, and what to write instead.
pub const INSTEAD: &[(&str, &str)] = &[
    (
        "CrossEntropyLoss",
        "a loss is not a layer: end the model with its logits and pass `nncore::CrossEntropyLoss` to training",
    ),
    (
        "MSELoss",
        "a loss is not a layer: pass `nncore::MSELoss` to training",
    ),
    (
        "Sequential",
        "`sequential!` is the `nn.Sequential`: list its layers directly",
    ),
    (
        "Dropout2d",
        "use `Dropout`, which zeroes single values rather than whole channels",
    ),
    ("Hardtanh", "not supported; `Tanh` is the smooth form"),
    (
        "PReLU",
        "not supported (its slope is a parameter); `LeakyReLU(slope)` has a fixed slope",
    ),
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
    pub errors: &'a mut Errors,
    pub checks: &'a mut Vec<ConstCheck>,
}

impl Link<'_> {
    /// Reports `message` on the layer.
    pub fn error(&mut self, message: impl std::fmt::Display) {
        self.errors.spanned(self.call, message);
    }

    /// `found == expected`, checked here for literals and by the compiler otherwise. `role`
    /// names what is compared: "input features".
    pub fn expect_equal(&mut self, found: &Size, expected: &Size, role: &str) -> bool {
        let (call, source) = (self.call, &self.source);
        match (found.literal, expected.literal) {
            (Some(f), Some(e)) if f != e => {
                self.errors.spanned(
                    &found.expr,
                    format_args!(
                        "`{call}` takes {f} {role}, but {source} gives {e}\nchange {f} to {e}, or change the layer before to give {f}"
                    ),
                );
                false
            }
            (Some(_), Some(_)) => true,
            _ => {
                let (f, e) = (found.len(), expected.len());
                self.checks.push(ConstCheck {
                    span: found.span(),
                    condition: quote::quote!((#f) == (#e)),
                    message: format!(
                        "`{call}` takes a different number of {role} than {source} gives"
                    ),
                });
                true
            }
        }
    }

    /// The input has `rank` dimensions, else reports what the layer takes (`what`, e.g.
    /// "a sequence `[channels, length]`") and what it was given.
    pub fn expect_rank(&mut self, input: &[Size], ranks: &[usize], what: &str, hint: &str) -> bool {
        if ranks.contains(&input.len()) {
            return true;
        }
        let (call, source, given) = (self.call, &self.source, describe(input));
        let given = match input.len() {
            1 => format!("{given} features"),
            2 => format!("a {given} sequence"),
            _ => format!("a {given} image"),
        };
        self.errors.spanned(
            self.call,
            format_args!("`{call}` takes {what}, but {source} gives {given}{hint}"),
        );
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
                let len = size.len();
                self.checks.push(ConstCheck {
                    span: size.span(),
                    condition: quote::quote!((#len) > 0),
                    message: message(),
                });
                true
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::LAYERS;

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
