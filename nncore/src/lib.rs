#![doc = include_str!("../../README.md")]
#![no_std]
#![warn(missing_docs)]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

// Lets this crate's own tests and docs use `::nncore::...` paths written by the macro.
extern crate self as nncore;

#[cfg(not(any(feature = "std", feature = "libm")))]
compile_error!(
    "nncore needs a math backend: enable the `std` feature (default) or the `libm` feature"
);

mod error;
mod fmt;
mod math;
mod module;

mod leaky_relu;
mod linear;
mod relu;
mod sigmoid;
mod tanh;

pub mod loss;
pub mod optim;

pub use error::Error;
pub use leaky_relu::LeakyReLU;
pub use linear::{Linear, LinearNoBias};
pub use loss::{Loss, MseLoss, Reduction};
pub use module::{Grads, Layer, Model, Module, Name, Param, ParamMut, Shape};
pub use optim::{Optimizer, Sgd, SgdConfig};
pub use relu::ReLU;
pub use sigmoid::Sigmoid;
pub use tanh::Tanh;

/// Declares a model: a struct of layers with forward and backward written for its exact shape.
///
/// See the crate documentation for the two forms (named fields and PyTorch's index names).
pub use nnmacro::sequential;

/// The traits a training loop calls methods through: `use nncore::prelude::*;`.
pub mod prelude {
    pub use crate::{Layer, Loss, Model, Module, Optimizer};
}

/// Support for code written by `sequential!`; not public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::fmt::write_sequential;
    pub use rand::Rng;

    /// The type of a layer with a mistake in it, in the stub `sequential!` writes after an error.
    #[derive(Clone, Copy, Debug, PartialEq)]
    pub struct Broken;
}
