//! The gradients of a model: a value of the model's own type, as PyTorch's `.grad` mirrors
//! each parameter.

use core::ops::{Deref, DerefMut};

use crate::module::Module;

/// The gradients of a model `M`: the same fields and layout, so `grads.hidden_linear.weight` is
/// what PyTorch shows as `model.hidden_linear.weight.grad`.
///
/// Backward adds into it; [`Grads::zero_grad`] clears it, as in PyTorch.
#[derive(Clone, Debug, PartialEq)]
#[repr(transparent)]
pub struct Grads<M>(M);

impl<M: Module> Grads<M> {
    /// All-zero gradients for a model of type `M`.
    #[must_use]
    pub fn new() -> Self {
        Grads(M::zeros())
    }

    /// All-zero gradients on the heap, never built on the stack: for large models.
    #[cfg(feature = "alloc")]
    #[must_use]
    pub fn boxed() -> alloc::boxed::Box<Self> {
        let model = alloc::boxed::Box::into_raw(M::zeros_boxed());
        // SAFETY: `Grads<M>` is `repr(transparent)` over `M`, so the allocation fits it.
        unsafe { alloc::boxed::Box::from_raw(model.cast::<Grads<M>>()) }
    }

    /// Sets every gradient to zero (`optimizer.zero_grad()`).
    pub fn zero_grad(&mut self) {
        for data in self.0.parameter_data_mut() {
            data.fill(0.0);
        }
    }

    /// The gradients, as a value of the model's own type.
    #[must_use]
    pub fn into_inner(self) -> M {
        self.0
    }
}

impl<M: Module> Default for Grads<M> {
    fn default() -> Self {
        Self::new()
    }
}

impl<M> Deref for Grads<M> {
    type Target = M;
    fn deref(&self) -> &M {
        &self.0
    }
}

impl<M> DerefMut for Grads<M> {
    fn deref_mut(&mut self) -> &mut M {
        &mut self.0
    }
}
