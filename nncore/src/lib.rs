// The README's examples use the heap (`forward_batch`, `Vec` gradients): without `alloc` the
// crate docs are one line, so that `cargo test --no-default-features` runs.
#![cfg_attr(feature = "alloc", doc = include_str!("../README.md"))]
#![cfg_attr(
    not(feature = "alloc"),
    doc = "Small neural networks whose shapes are checked by the compiler, trained like PyTorch \
           (the guide is documented with the `alloc` feature)."
)]
#![no_std]
#![warn(missing_docs)]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

// Lets this crate's own tests and docs use `::nncore::...` paths written by the macro.
extern crate self as nncore;

mod blocks;
mod error;
mod fmt;
mod grads;
mod heap;
mod kernels;
mod layers;
pub mod math;
mod module;
mod plan;
mod state;
mod tensor;
#[cfg(feature = "alloc")]
mod train;

#[cfg(feature = "alloc")]
pub mod data;
pub mod export;
#[cfg(feature = "safetensors")]
pub mod io;
pub mod loss;
pub mod optim;
pub mod quant;

pub use error::Error;
pub use grads::Grads;
// Every activation, as `layers/activation/mod.rs` lists them.
pub use layers::activation::*;
pub use layers::conv::conv1d::Conv1d;
pub use layers::conv::conv2d::Conv2d;
pub use layers::dense::linear::{Linear, LinearNoBias};
pub use layers::norm::batch_norm::{BatchNorm1d, BatchNorm2d};
pub use layers::norm::dropout::Dropout;
pub use layers::pool::adaptive_avg_pool::{AdaptiveAvgPool1d, AdaptiveAvgPool2d};
pub use layers::pool::avg_pool::{AvgPool1d, AvgPool2d};
pub use layers::pool::max_pool::{MaxPool1d, MaxPool2d};
pub use layers::shape::flatten::Flatten;
pub use layers::shape::zero_pad::{ZeroPad1d, ZeroPad2d};
pub use loss::{
    BCEWithLogitsLoss, CrossEntropyLoss, HuberLoss, L1Loss, Loss, MSELoss, NLLLoss, Pointwise,
    Reduce, Reduction, SmoothL1Loss,
};
pub use module::{Layer, Model, Module};
pub use optim::{
    Adam, AdamConfig, AdamW, AdamWConfig, CosineAnnealingLR, Optimizer, SGD, SGDConfig, StepLR,
};
pub use state::{Buffer, BufferData, BufferDataMut, BufferMut, Name, Param, ParamMut, Shape};
pub use tensor::Tensor;
#[cfg(feature = "alloc")]
pub use train::{Train, TrainModel};

/// Declares a model: a struct of layers with forward and backward written for its exact shape.
///
/// See the crate documentation for the two forms (named fields and PyTorch's index names).
pub use nnmacro::sequential;
pub use nnmacro::tflite;

/// The traits a training loop calls methods through: `use nncore::prelude::*;`.
pub mod prelude {
    pub use crate::layers::activation::elementwise::Elementwise;
    pub use crate::loss::pointwise::Pointwise;
    pub use crate::loss::{Loss, Reduce};
    pub use crate::module::{Layer, Model, Module};
    pub use crate::optim::Optimizer;
    pub use crate::tensor::Tensor;
    #[cfg(feature = "alloc")]
    pub use crate::train::TrainModel;
}

/// Support for code written by `sequential!`; not public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::__with_alloc as with_alloc;
    pub use crate::blocks::{
        Passes, add, add_assign, add_assign_batch, add_batch, add_relu_batch, backward_blocks,
        backward_loss_blocks, backward_one, check_arena, copy_batch, eval_backward, forward_blocks,
        forward_one, output_grads, take,
    };
    pub use crate::fmt::{Printed, Spelled, Written, write_module};
    #[cfg(feature = "alloc")]
    pub use crate::heap::zeroed_box;
    pub use crate::heap::{Zeroable, block_size, forward_block_size};
    pub use crate::layers::conv::norm::ConvNorm;
    pub use crate::layers::norm::batch_norm::BatchNormReLU;
    pub use crate::plan::{Plan, plan, regions};
    pub use crate::quant::private::{
        first, inside, inside_bytes, refuse, refuse_graph, rewrite, step, two_ended, write_adds,
        write_field, written_last,
    };
    #[cfg(feature = "alloc")]
    pub use alloc::boxed::Box;
    #[cfg(feature = "alloc")]
    pub use alloc::vec::Vec;
    pub use rand::Rng;

    /// The largest of `values` (0 for none), in a `const`.
    #[must_use]
    pub const fn max_of(values: &[usize]) -> usize {
        let (mut max, mut i) = (0, 0);
        while i < values.len() {
            if values[i] > max {
                max = values[i];
            }
            i += 1;
        }
        max
    }

    /// The type of a layer with a mistake in it, in the stub `sequential!` writes after an error.
    #[derive(Clone, Copy, Debug, PartialEq)]
    pub struct Broken;
}
