//! `nn.Sigmoid`.

use crate::layers::activation::elementwise::Elementwise;
use crate::math;
use crate::module::parameterless_module;

/// `y = 1 / (1 + e^-x)` elementwise.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Sigmoid;

impl Elementwise for Sigmoid {
    #[inline]
    fn value(&self, x: f32) -> f32 {
        1.0 / (1.0 + math::exp(-x))
    }

    /// `dy (1 - y) y`, PyTorch's `sigmoid_backward`.
    #[inline]
    fn grad(&self, _: f32, y: f32, dy: f32) -> f32 {
        dy * (1.0 - y) * y
    }
}

parameterless_module!(Sigmoid, Sigmoid);

// SAFETY: a unit struct has no bytes, so all-zero bits (none) are its one value.
unsafe impl crate::heap::Zeroable for Sigmoid {}

impl core::fmt::Display for Sigmoid {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Sigmoid()")
    }
}
