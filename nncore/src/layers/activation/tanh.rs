//! `nn.Tanh`.

use crate::layers::activation::elementwise::Elementwise;
use crate::math;
use crate::module::parameterless_module;

/// `y = tanh(x)` elementwise.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Tanh;

impl Elementwise for Tanh {
    #[inline]
    fn value(&self, x: f32) -> f32 {
        math::tanh(x)
    }

    /// [`math::tanh_slice`]: the scalar function's bits, in the CPU's widest vectors.
    #[inline]
    fn values(&self, x: &[f32], y: &mut [f32]) {
        math::tanh_slice(x, y);
    }

    /// `dy (1 - y²)`, PyTorch's `tanh_backward`.
    #[inline]
    fn grad(&self, _: f32, y: f32, dy: f32) -> f32 {
        dy * (1.0 - y * y)
    }
}

parameterless_module!(Tanh, Tanh);

// SAFETY: a unit struct has no bytes, so all-zero bits (none) are its one value.
unsafe impl crate::heap::Zeroable for Tanh {}

impl core::fmt::Display for Tanh {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Tanh()")
    }
}
