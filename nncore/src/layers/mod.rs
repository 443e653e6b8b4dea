//! The layers of a model, grouped by family; one file per layer, its backward beside its
//! forward.
//!
//! - [`activation`]: one function applied to each value, the output of the input's shape
//!   (`ReLU`, `Tanh`, `GELU`, ...), each an
//!   [`Elementwise`](activation::elementwise::Elementwise): its value and derivative at one
//!   element. Also `Softmax` and `LogSoftmax`, which normalize a whole sample.
//! - [`dense`]: `Linear` and `LinearNoBias`, `y = W x + b` on vectors.
//! - [`conv`]: `Conv1d` and `Conv2d`, with stride, padding, dilation and groups.
//! - [`pool`]: max, average and adaptive average pooling, each channel on its own.
//! - [`norm`]: the layers whose training mode differs from evaluation mode: `BatchNorm1d`,
//!   `BatchNorm2d` and `Dropout`.
//! - [`shape`]: layers that move values without arithmetic: `Flatten`, `ZeroPad1d`,
//!   `ZeroPad2d`.
//!
//! A layer is a type that implements three traits:
//!
//! - [`Layer<X, Y>`](crate::module::Layer) (`module.rs`), for each shape of sample `X` it maps
//!   to `Y`: forward, and backward in two halves (parameter and input gradients), for one
//!   sample and for a batch, with the `_train` forms where training mode differs. An
//!   `Elementwise` has it for every shape through one blanket impl.
//! - [`Module`](crate::module::Module) (`module.rs`): its parameters and buffers, in PyTorch's
//!   order and with its names; a layer without parameters writes it with
//!   `parameterless_module!`.
//! - [`Zeroable`](crate::heap::Zeroable) (`heap.rs`): all-zero bits are a valid value, so a
//!   model is allocated zeroed.
//!
//! It also prints as PyTorch prints the module (`Display`), and has its int8 form, or a
//! refusal, in `quant/float.rs`. `nncore` re-exports every layer from its root, where
//! `sequential!` names it (`::nncore::Linear<2, 8>`).

pub(crate) mod activation;
pub(crate) mod conv;
pub(crate) mod dense;
pub(crate) mod norm;
pub(crate) mod pool;
pub(crate) mod shape;

#[cfg(test)]
pub(crate) mod testing;
