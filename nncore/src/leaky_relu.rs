//! `nn.LeakyReLU`.

use crate::Layer;
use crate::fmt::PyFloat;
use crate::module::{chain, chain_block, map, map_block, parameterless_module};

/// `y = x` for `x > 0`, else `negative_slope · x`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LeakyReLU {
    /// The slope for negative inputs (PyTorch's default is 0.01).
    pub negative_slope: f32,
}

impl LeakyReLU {
    /// A leaky ReLU with the given slope for negative inputs.
    #[must_use]
    pub const fn new(negative_slope: f32) -> Self {
        LeakyReLU { negative_slope }
    }
}

impl Default for LeakyReLU {
    /// PyTorch's default, `negative_slope=0.01`.
    fn default() -> Self {
        Self::new(0.01)
    }
}

impl<const N: usize> Layer<N, N> for LeakyReLU {
    #[inline]
    fn forward(&self, x: &[f32; N]) -> [f32; N] {
        map(x, |x| if x > 0.0 { x } else { x * self.negative_slope })
    }

    #[inline]
    fn backward_params(&self, _: &[f32; N], _: &[f32; N], _: &[f32; N], _: &mut Self) {}

    /// `dx = dy` where `x > 0`, else `negative_slope · dy` (PyTorch's `leaky_relu_backward`).
    #[inline]
    fn backward_input(&self, x: &[f32; N], y: &[f32; N], dy: &[f32; N]) -> [f32; N] {
        chain(x, y, dy, |x, _, dy| {
            if x > 0.0 {
                dy
            } else {
                dy * self.negative_slope
            }
        })
    }

    #[inline]
    fn forward_block<const B: usize>(&self, x: &[[f32; B]; N], y: &mut [[f32; B]; N]) {
        map_block(x, y, |x| if x > 0.0 { x } else { x * self.negative_slope });
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
        chain_block(x, y, dy, dx, |x, _, dy| {
            if x > 0.0 {
                dy
            } else {
                dy * self.negative_slope
            }
        });
    }
}

parameterless_module!(LeakyReLU, LeakyReLU::new(0.01));

impl core::fmt::Display for LeakyReLU {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "LeakyReLU(negative_slope={})",
            PyFloat(self.negative_slope)
        )
    }
}
