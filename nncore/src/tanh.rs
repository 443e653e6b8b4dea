//! `nn.Tanh`.

use crate::module::{chain, map, parameterless_module};
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
}

parameterless_module!(Tanh, Tanh);

impl core::fmt::Display for Tanh {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Tanh()")
    }
}
