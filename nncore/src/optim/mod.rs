//! Optimizers: they update a model from its gradients. Sorted by increasing complexity.

mod sgd;

pub use sgd::{Sgd, SgdConfig};

use crate::{Grads, Module};

/// Updates a model of type `M` from its gradients (`optimizer.step()`).
pub trait Optimizer<M: Module> {
    /// One update of every parameter of `model` from `grads`.
    fn step(&mut self, model: &mut M, grads: &Grads<M>);
}
