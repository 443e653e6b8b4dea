//! Activations: layers that apply one function to each value on its own.

use crate::module::{Layer, Module};
use crate::tensor::Tensor;

/// An activation, defined by its value and its derivative at one element; [`Layer`] comes with
/// them, for samples of every shape and for batches.
pub trait Elementwise: Module + Sync {
    /// `y = f(x)`.
    #[must_use]
    fn value(&self, x: f32) -> f32;

    /// The input gradient `dy · f'(x)`, given `x`, `y = f(x)` and the output gradient `dy`.
    #[must_use]
    fn grad(&self, x: f32, y: f32, dy: f32) -> f32;

    /// `y[i] = f(x[i])` over slices of the same length, with the bits of [`Elementwise::value`];
    /// what the layer's forward runs on a sample or a batch. An activation overrides it where a
    /// whole slice goes faster (`Tanh` runs in the CPU's widest vectors).
    #[inline]
    fn values(&self, x: &[f32], y: &mut [f32]) {
        for (y, &x) in y.iter_mut().zip(x) {
            *y = self.value(x);
        }
    }
}

impl<A: Elementwise, T: Tensor> Layer<T, T> for A {
    #[inline]
    fn forward(&self, x: &T) -> T {
        let mut y = T::ZERO;
        self.values(x.flat(), y.flat_mut());
        y
    }

    #[inline]
    fn backward_params(&self, _: &T, _: &T, _: &T, _: &mut Self) {}

    #[inline]
    fn backward_input(&self, x: &T, y: &T, dy: &T) -> T {
        let mut dx = T::ZERO;
        let values = x.flat().iter().zip(y.flat()).zip(dy.flat());
        for (dx, ((&x, &y), &dy)) in dx.flat_mut().iter_mut().zip(values) {
            *dx = self.grad(x, y, dy);
        }
        dx
    }

    #[inline]
    fn forward_batch(&self, x: &[T], y: &mut [T]) {
        let (x, y) = (T::flat_batch(x), T::flat_batch_mut(y));
        let n = x.len().min(y.len());
        crate::kernels::elementwise(&mut y[..n], 1, |start, y| {
            self.values(&x[start..start + y.len()], y);
        });
    }

    #[inline]
    fn backward_params_batch(&self, _: &[T], _: &[T], _: &[T], _: &mut Self) {}

    #[inline]
    fn backward_input_batch(&self, x: &[T], y: &[T], dy: &[T], dx: &mut [T]) {
        let dx = T::flat_batch_mut(dx);
        let n = dx.len();
        let (x, y, dy) = (
            &T::flat_batch(x)[..n],
            &T::flat_batch(y)[..n],
            &T::flat_batch(dy)[..n],
        );
        crate::kernels::elementwise(dx, 1, |start, dx| {
            let end = start + dx.len();
            let values = x[start..end]
                .iter()
                .zip(&y[start..end])
                .zip(&dy[start..end]);
            for (dx, ((&x, &y), &dy)) in dx.iter_mut().zip(values) {
                *dx = self.grad(x, y, dy);
            }
        });
    }
}
