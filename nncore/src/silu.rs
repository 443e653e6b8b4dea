//! `nn.SiLU`.

use crate::module::{chain, map, parameterless_module};
use crate::{Layer, math};

/// `y = x σ(x)` elementwise (also called swish).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SiLU;

#[inline]
fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + math::exp(-x))
}

impl<const N: usize> Layer<N, N> for SiLU {
    #[inline]
    fn forward(&self, x: &[f32; N]) -> [f32; N] {
        map(x, |x| x * sigmoid(x))
    }

    #[inline]
    fn backward_params(&self, _: &[f32; N], _: &[f32; N], _: &[f32; N], _: &mut Self) {}

    /// `dx = dy σ(x) (1 + x (1 - σ(x)))`, PyTorch's `silu_backward`.
    #[inline]
    fn backward_input(&self, x: &[f32; N], y: &[f32; N], dy: &[f32; N]) -> [f32; N] {
        chain(x, y, dy, |x, _, dy| {
            let s = sigmoid(x);
            dy * s * (1.0 + x * (1.0 - s))
        })
    }
}

parameterless_module!(SiLU, SiLU);

impl core::fmt::Display for SiLU {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("SiLU()")
    }
}
