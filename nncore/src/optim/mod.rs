//! Optimizers: they update a model from its gradients. Sorted by increasing complexity.

mod adam;
mod schedule;
mod sgd;

pub use adam::{Adam, AdamConfig, AdamW, AdamWConfig};
pub use schedule::{CosineAnnealingLR, StepLR};
pub use sgd::{Sgd, SgdConfig};

use crate::{Grads, Module};

/// Updates a model of type `M` from its gradients (`optimizer.step()`); a training loop can take
/// any of them.
pub trait Optimizer<M: Module> {
    /// One update of every parameter of `model` from `grads`.
    fn step(&mut self, model: &mut M, grads: &Grads<M>);

    /// The learning rate in force.
    fn lr(&self) -> f32;

    /// Changes the learning rate, as a scheduler does through `param_groups`.
    fn set_lr(&mut self, lr: f32);
}

#[cfg(test)]
mod tests;
