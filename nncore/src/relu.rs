//! `nn.ReLU`.

use crate::Layer;
use crate::module::{chain, chain_block, map, map_block, parameterless_module};

/// `y = max(x, 0)` elementwise.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ReLU;

impl<const N: usize> Layer<N, N> for ReLU {
    #[inline]
    fn forward(&self, x: &[f32; N]) -> [f32; N] {
        map(x, |x| if x > 0.0 { x } else { 0.0 })
    }

    #[inline]
    fn backward_params(&self, _: &[f32; N], _: &[f32; N], _: &[f32; N], _: &mut Self) {}

    /// `dx = dy` where `y > 0`, else 0 (PyTorch's `threshold_backward`; the gradient at 0 is 0).
    #[inline]
    fn backward_input(&self, x: &[f32; N], y: &[f32; N], dy: &[f32; N]) -> [f32; N] {
        chain(x, y, dy, |_, y, dy| if y > 0.0 { dy } else { 0.0 })
    }

    #[inline]
    fn forward_block<const B: usize>(&self, x: &[[f32; B]; N], y: &mut [[f32; B]; N]) {
        map_block(x, y, |x| if x > 0.0 { x } else { 0.0 });
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
        chain_block(x, y, dy, dx, |_, y, dy| if y > 0.0 { dy } else { 0.0 });
    }
}

parameterless_module!(ReLU, ReLU);

impl core::fmt::Display for ReLU {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("ReLU()")
    }
}
