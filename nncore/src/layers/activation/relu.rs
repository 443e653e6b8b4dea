//! `nn.ReLU`.

use crate::layers::activation::elementwise::Elementwise;
use crate::module::parameterless_module;

/// `y = max(x, 0)` elementwise.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ReLU;

impl Elementwise for ReLU {
    #[inline]
    fn value(&self, x: f32) -> f32 {
        if x > 0.0 { x } else { 0.0 }
    }

    /// `dy` where `y > 0`, else 0 (PyTorch's `threshold_backward`; the gradient at 0 is 0).
    #[inline]
    fn grad(&self, _: f32, y: f32, dy: f32) -> f32 {
        if y > 0.0 { dy } else { 0.0 }
    }
}

parameterless_module!(ReLU, ReLU);

// SAFETY: a unit struct has no bytes, so all-zero bits (none) are its one value.
unsafe impl crate::heap::Zeroable for ReLU {}

impl core::fmt::Display for ReLU {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("ReLU()")
    }
}
