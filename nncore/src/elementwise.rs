//! Activations: layers that apply one function to each feature on its own.

use crate::{Layer, Module};

/// An activation, defined by its value and its derivative at one element; [`Layer`] comes with
/// them, for every width and for blocks of samples.
pub trait Elementwise: Module {
    /// `y = f(x)`.
    #[must_use]
    fn value(&self, x: f32) -> f32;

    /// The input gradient `dy · f'(x)`, given `x`, `y = f(x)` and the output gradient `dy`.
    #[must_use]
    fn grad(&self, x: f32, y: f32, dy: f32) -> f32;
}

impl<A: Elementwise, const N: usize> Layer<N, N> for A {
    #[inline]
    fn forward(&self, x: &[f32; N]) -> [f32; N] {
        x.map(|x| self.value(x))
    }

    #[inline]
    fn backward_params(&self, _: &[f32; N], _: &[f32; N], _: &[f32; N], _: &mut Self) {}

    #[inline]
    fn backward_input(&self, x: &[f32; N], y: &[f32; N], dy: &[f32; N]) -> [f32; N] {
        core::array::from_fn(|i| self.grad(x[i], y[i], dy[i]))
    }

    #[inline]
    fn forward_block<const B: usize>(&self, x: &[[f32; B]; N], y: &mut [[f32; B]; N]) {
        for (y, x) in y.iter_mut().zip(x) {
            for (y, &x) in y.iter_mut().zip(x) {
                *y = self.value(x);
            }
        }
    }

    #[inline]
    fn backward_params_block<const B: usize>(
        &self,
        _: &[[f32; B]; N],
        _: &[[f32; B]; N],
        _: &[[f32; B]; N],
        _: &mut Self,
    ) {
    }

    #[inline]
    fn backward_input_block<const B: usize>(
        &self,
        x: &[[f32; B]; N],
        y: &[[f32; B]; N],
        dy: &[[f32; B]; N],
        dx: &mut [[f32; B]; N],
    ) {
        for i in 0..N {
            for b in 0..B {
                dx[i][b] = self.grad(x[i][b], y[i][b], dy[i][b]);
            }
        }
    }
}
