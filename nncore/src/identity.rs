//! `nn.Identity`.

use crate::Layer;
use crate::module::parameterless_module;

/// `y = x`: a placeholder layer.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Identity;

impl<const N: usize> Layer<N, N> for Identity {
    #[inline]
    fn forward(&self, x: &[f32; N]) -> [f32; N] {
        *x
    }

    #[inline]
    fn backward_params(&self, _: &[f32; N], _: &[f32; N], _: &[f32; N], _: &mut Self) {}

    /// `dx = dy`.
    #[inline]
    fn backward_input(&self, _: &[f32; N], _: &[f32; N], dy: &[f32; N]) -> [f32; N] {
        *dy
    }
}

parameterless_module!(Identity, Identity);

impl core::fmt::Display for Identity {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Identity()")
    }
}
