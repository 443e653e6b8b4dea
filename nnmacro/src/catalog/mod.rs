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
mod link;
pub mod nested;
mod norm;
mod pad;
mod pool;
mod reshape;
pub mod spelling;

use proc_macro2::TokenStream;

use crate::ast::{Arg, LayerCall};
use crate::errors::Errors;
use crate::ir::TensorDef;
use crate::shape::{Dims, Size};

pub use link::{Link, axis_name, too_short};

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

    /// Whether it is a batch norm, whose training passes can take in a `ReLU` after it
    /// (`::nncore::__private::BatchNormReLU`).
    fn folds_relu(&self) -> bool {
        false
    }

    /// Whether it is `ReLU`.
    fn is_relu(&self) -> bool {
        false
    }

    /// Whether it is a convolution, whose inference pass can take in the batch norm after it
    /// (`::nncore::__private::ConvNorm`).
    fn folds_norm(&self) -> bool {
        false
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
