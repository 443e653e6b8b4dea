//! Optimizers: they update a model from its gradients. Sorted by increasing complexity.

mod sgd;

pub use sgd::{Sgd, SgdConfig};

use crate::{Grads, Module};

/// Updates a model of type `M` from its gradients (`optimizer.step()`).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an optimizer of `{M}`",
    label = "expected an optimizer of `{M}`",
    note = "an optimizer is made for one model type: `Sgd::<{M}>::new(...)`"
)]
pub trait Optimizer<M: Module> {
    /// One update of every parameter of `model` from `grads`.
    fn step(&mut self, model: &mut M, grads: &Grads<M>);
}
