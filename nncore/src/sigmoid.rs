//! `nn.Sigmoid`.

use crate::module::{chain, chain_block, map, map_block, parameterless_module};
use crate::{Layer, math};

/// `y = 1 / (1 + e^-x)` elementwise.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Sigmoid;

impl<const N: usize> Layer<N, N> for Sigmoid {
    #[inline]
    fn forward(&self, x: &[f32; N]) -> [f32; N] {
        map(x, |x| 1.0 / (1.0 + math::exp(-x)))
    }

    #[inline]
    fn backward_params(&self, _: &[f32; N], _: &[f32; N], _: &[f32; N], _: &mut Self) {}

    /// `dx = dy (1 - y) y`, PyTorch's `sigmoid_backward`.
    #[inline]
    fn backward_input(&self, x: &[f32; N], y: &[f32; N], dy: &[f32; N]) -> [f32; N] {
        chain(x, y, dy, |_, y, dy| dy * (1.0 - y) * y)
    }

    #[inline]
    fn forward_block<const B: usize>(&self, x: &[[f32; B]; N], y: &mut [[f32; B]; N]) {
        map_block(x, y, |x| 1.0 / (1.0 + math::exp(-x)));
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
        chain_block(x, y, dy, dx, |_, y, dy| dy * (1.0 - y) * y);
    }
}

parameterless_module!(Sigmoid, Sigmoid);

impl core::fmt::Display for Sigmoid {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Sigmoid()")
    }
}
