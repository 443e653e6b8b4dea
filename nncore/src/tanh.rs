//! `nn.Tanh`.

use crate::module::{chain, chain_block, map, map_block, parameterless_module};
use crate::{Layer, math};

/// `y = tanh(x)` elementwise.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Tanh;

impl<const N: usize> Layer<N, N> for Tanh {
    #[inline]
    fn forward(&self, x: &[f32; N]) -> [f32; N] {
        map(x, math::tanh)
    }

    #[inline]
    fn backward_params(&self, _: &[f32; N], _: &[f32; N], _: &[f32; N], _: &mut Self) {}

    /// `dx = dy (1 - y²)`, PyTorch's `tanh_backward`.
    #[inline]
    fn backward_input(&self, x: &[f32; N], y: &[f32; N], dy: &[f32; N]) -> [f32; N] {
        chain(x, y, dy, |_, y, dy| dy * (1.0 - y * y))
    }

    #[inline]
    fn forward_block<const B: usize>(&self, x: &[[f32; B]; N], y: &mut [[f32; B]; N]) {
        map_block(x, y, math::tanh);
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
        chain_block(x, y, dy, dx, |_, y, dy| dy * (1.0 - y * y));
    }
}

parameterless_module!(Tanh, Tanh);

impl core::fmt::Display for Tanh {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Tanh()")
    }
}
