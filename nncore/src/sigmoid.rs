//! `nn.Sigmoid`.

use crate::module::{chain, map, parameterless_module};
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
}

parameterless_module!(Sigmoid, Sigmoid);

impl core::fmt::Display for Sigmoid {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Sigmoid()")
    }
}
