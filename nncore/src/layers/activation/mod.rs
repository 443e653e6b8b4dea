//! Activations. `ReLU`, `Tanh`, `GELU` and the others apply one function to each value, so the
//! output has the input's shape: each is an [`Elementwise`](elementwise::Elementwise), its value
//! and its derivative at one element, which [`elementwise`] makes a `Layer` for samples of
//! every shape and for batches. `Softmax` and `LogSoftmax` normalize a sample's features
//! together and implement `Layer` themselves.

pub(crate) mod elementwise;

pub(crate) mod elu;
pub(crate) mod gelu;
pub(crate) mod hardsigmoid;
pub(crate) mod hardswish;
pub(crate) mod identity;
pub(crate) mod leaky_relu;
pub(crate) mod relu;
pub(crate) mod relu6;
pub(crate) mod sigmoid;
pub(crate) mod silu;
pub(crate) mod softmax;
pub(crate) mod softplus;
pub(crate) mod tanh;

#[cfg(test)]
mod tests;
