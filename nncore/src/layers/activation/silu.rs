//! `nn.SiLU`.

use crate::layers::activation::elementwise::Elementwise;
use crate::math;
use crate::module::parameterless_module;

/// `y = x σ(x)` elementwise (also called swish).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SiLU;

#[inline]
fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + math::exp(-x))
}

impl Elementwise for SiLU {
    #[inline]
    fn value(&self, x: f32) -> f32 {
        x * sigmoid(x)
    }

    /// `dy σ(x) (1 + x (1 - σ(x)))`, PyTorch's `silu_backward`.
    #[inline]
    fn grad(&self, x: f32, _: f32, dy: f32) -> f32 {
        let s = sigmoid(x);
        dy * s * (1.0 + x * (1.0 - s))
    }
}

parameterless_module!(SiLU, SiLU);

// SAFETY: a unit struct has no bytes, so all-zero bits (none) are its one value.
unsafe impl crate::heap::Zeroable for SiLU {}

impl core::fmt::Display for SiLU {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("SiLU()")
    }
}
