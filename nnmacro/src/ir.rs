//! The checked model: what validation hands to expansion.

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::{Attribute, Ident, Index, Visibility};

use crate::ast::{Form, LayerCall};
use crate::catalog::LayerKind;
use crate::catalog::spelling::Spelled;
use crate::consts::Table;
use crate::shape::{Dims, Size};

/// A model that passed every check.
pub struct Model {
    pub attrs: Vec<Attribute>,
    pub vis: Visibility,
    pub ident: Ident,
    pub form: Form,
    /// What `print(model)` calls it: `Sequential`, or a class of its own (`BasicBlock`).
    pub class: String,
    pub layers: Vec<Layer>,
    /// `shapes[i]` is the shape of the samples going into layer `i`; the last is the output's.
    pub shapes: Vec<Dims>,
    /// The values of one forward pass and how each is computed.
    pub graph: Graph,
    /// The checks of sizes given as constants, which only the compiler can evaluate.
    pub const_checks: Vec<ConstCheck>,
    pub sizes: Sizes,
}

/// A forward pass: the model's input is value 0, and node `k` computes value `k + 1` from values
/// before it. A model declared as a list of layers is the chain where node `k` is layer `k`.
pub struct Graph {
    pub input: Dims,
    pub nodes: Vec<Node>,
    /// The value the model returns.
    pub output: usize,
}

/// One step of the forward pass.
pub struct Node {
    pub op: Op,
    /// The shape of the value it gives.
    pub shape: Dims,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `layers[layer]` applied to the value `input`.
    Layer { layer: usize, input: usize },
    /// The sum of two values of one shape.
    Add(usize, usize),
}

impl Graph {
    /// The chain of layers taking `shapes[i]` to `shapes[i + 1]`.
    pub fn chain(shapes: &[Dims]) -> Self {
        let count = shapes.len() - 1;
        let nodes = (0..count)
            .map(|k| Node {
                op: Op::Layer { layer: k, input: k },
                shape: shapes[k + 1].clone(),
            })
            .collect();
        Graph {
            input: shapes[0].clone(),
            nodes,
            output: count,
        }
    }

    /// The shape of value `v`.
    pub fn shape(&self, v: usize) -> &Dims {
        if v == 0 {
            &self.input
        } else {
            &self.nodes[v - 1].shape
        }
    }

    /// The values node `k` reads.
    pub fn inputs(&self, k: usize) -> Vec<usize> {
        match self.nodes[k].op {
            Op::Layer { input, .. } => vec![input],
            Op::Add(a, b) => vec![a, b],
        }
    }

    /// Whether it is the plain chain of the layers in order.
    pub fn is_chain(&self) -> bool {
        self.output == self.nodes.len()
            && self.nodes.iter().enumerate().all(
                |(k, node)| matches!(node.op, Op::Layer { layer, input } if layer == k && input == k),
            )
    }
}

/// The sizes given as constants, each a `const` item of the output (`consts.rs`).
#[derive(Default)]
pub struct Sizes {
    pub table: Table,
    /// Whether the model is within its limits, an expression of the sizes' raw values.
    pub fits: TokenStream,
}

impl Sizes {
    /// The `const` items of the sizes.
    pub fn definitions(&self) -> TokenStream {
        self.table.definitions(&self.fits)
    }
}

/// One checked layer.
pub struct Layer {
    pub attrs: Vec<Attribute>,
    /// The field name (`hidden_linear`) or, in the tuple form, the index (`0`).
    pub field: Field,
    /// What the catalog knows of it: shapes, type, parameters.
    pub kind: Box<dyn LayerKind>,
    /// The layer as the user wrote it, for spans and messages.
    pub call: LayerCall,
    /// `inplace = true` as PyTorch prints it, if it prints; it changes nothing else.
    pub inplace: Option<Spelled>,
}

/// How a layer is reached in the struct.
pub enum Field {
    Named(Ident),
    Index(usize),
}

/// A check on sizes given as constants, written into the output as a `const` assertion whose
/// message names the layers.
pub struct ConstCheck {
    pub span: Span,
    /// A `bool` expression of constants.
    pub condition: TokenStream,
    pub message: String,
}

/// One parameter or buffer a layer declares: its name in the layer and its shape.
#[derive(Clone)]
pub struct TensorDef {
    pub name: &'static str,
    pub dims: Dims,
    /// `num_batches_tracked` is PyTorch's int64; everything else is f32.
    pub int64: bool,
}

/// What is known of a model that failed to validate: enough for a stub with the same name,
/// form and fields, so the user's other code reports nothing more.
pub struct Stub {
    pub attrs: Vec<Attribute>,
    pub vis: Visibility,
    pub ident: Ident,
    pub form: Form,
    pub fields: Vec<StubField>,
    /// The model's input and output shapes, where the layers that checked out tell them.
    pub input: Option<Dims>,
    pub output: Option<Dims>,
    /// The checks of sizes given as constants, reported with the macro's errors.
    pub const_checks: Vec<ConstCheck>,
    pub sizes: Sizes,
}

/// One field of a stub.
pub enum StubField {
    /// A layer that checked out, with the shape it takes: the field gets its real type.
    Layer { layer: Box<Layer>, input: Dims },
    /// A layer with a mistake in it.
    Broken { attrs: Vec<Attribute>, field: Field },
}

impl Field {
    /// `hidden_linear` or `0`, for `self.hidden_linear` and `Self { 0: .. }`.
    pub fn member(&self, span: Span) -> TokenStream {
        match self {
            Field::Named(ident) => ident.to_token_stream(),
            Field::Index(index) => Index {
                index: *index as u32,
                span,
            }
            .to_token_stream(),
        }
    }

    /// The name in `state_dict` keys: `hidden_linear`, `0`; a raw identifier without `r#`.
    pub fn module_name(&self) -> String {
        match self {
            Field::Named(ident) => {
                let name = ident.to_string();
                name.strip_prefix("r#").map_or(name.clone(), str::to_owned)
            }
            Field::Index(index) => index.to_string(),
        }
    }
}

impl Layer {
    /// `hidden_linear` or `0`, spanned on the user's layer.
    pub fn member(&self) -> TokenStream {
        self.field.member(self.span())
    }

    /// The span of the layer's name, where errors about it point.
    pub fn span(&self) -> Span {
        self.call
            .path
            .segments
            .last()
            .map_or_else(Span::call_site, |s| s.ident.span())
    }

    /// The runtime type, for the samples it takes.
    pub fn ty(&self, input: &[Size]) -> TokenStream {
        self.kind.ty(input)
    }

    pub fn has_params(&self, input: &[Size]) -> bool {
        !self.kind.params(input).is_empty()
    }

    pub fn has_state(&self, input: &[Size]) -> bool {
        self.has_params(input) || !self.kind.buffers(input).is_empty()
    }
}

impl Model {
    /// Each layer with the shape it takes.
    pub fn layers_with_inputs(&self) -> impl Iterator<Item = (&Layer, &Dims)> {
        self.layers.iter().zip(&self.shapes)
    }
}
