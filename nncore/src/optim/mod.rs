//! Optimizers: they update a model from its gradients. Sorted by increasing complexity.

mod adam;
mod schedule;
mod sgd;

pub use adam::{Adam, AdamConfig, AdamW, AdamWConfig};
pub use schedule::{CosineAnnealingLR, StepLR};
pub use sgd::{SGD, SGDConfig};

use crate::error::Error;
use crate::grads::Grads;
use crate::module::Module;

/// Updates a model of type `M` from its gradients (`optimizer.step()`); a training loop can take
/// any of them.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an optimizer of `{M}`",
    label = "expected an optimizer of `{M}`",
    note = "an optimizer is made for one model type: `SGD::<{M}>::new(...)`"
)]
pub trait Optimizer<M: Module> {
    /// One update of every parameter of `model` from `grads`.
    fn step(&mut self, model: &mut M, grads: &Grads<M>);

    /// The learning rate in force.
    fn lr(&self) -> f32;

    /// Changes the learning rate, as a scheduler does through `param_groups`.
    ///
    /// # Errors
    /// [`Error::Hyperparameter`] for a negative or NaN rate, which the constructors reject too;
    /// the rate in force is then unchanged.
    fn set_lr(&mut self, lr: f32) -> Result<(), Error>;
}

/// `lr` if it is a learning rate PyTorch accepts (zero or more), else the error naming it.
pub(crate) fn check_lr(lr: f32) -> Result<f32, Error> {
    if lr >= 0.0 {
        Ok(lr)
    } else {
        Err(Error::Hyperparameter {
            name: "learning rate",
            value: lr,
            reason: "it must be zero or more",
        })
    }
}

#[cfg(test)]
mod tests;

/// An optimizer's per-parameter state (momentum, moments): a value of the model's own type, on
/// the heap where there is one so that a large model's optimizer stays small. It is made when
/// the optimizer is, so `step` never allocates.
#[cfg(feature = "alloc")]
pub(crate) type State<M> = alloc::boxed::Box<M>;
#[cfg(not(feature = "alloc"))]
pub(crate) type State<M> = M;

#[cfg(feature = "alloc")]
pub(crate) fn new_state<M: Module>() -> State<M> {
    M::zeros_boxed()
}

#[cfg(not(feature = "alloc"))]
pub(crate) fn new_state<M: Module>() -> State<M> {
    M::zeros()
}
