//! `nn.LeakyReLU`.

use crate::fmt::PyFloat;
use crate::layers::activation::elementwise::Elementwise;
use crate::module::parameterless_module;

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

impl Elementwise for LeakyReLU {
    #[inline]
    fn value(&self, x: f32) -> f32 {
        if x > 0.0 { x } else { x * self.negative_slope }
    }

    /// `dy` where `x > 0`, else `negative_slope · dy` (PyTorch's `leaky_relu_backward`).
    #[inline]
    fn grad(&self, x: f32, _: f32, dy: f32) -> f32 {
        if x > 0.0 {
            dy
        } else {
            dy * self.negative_slope
        }
    }
}

parameterless_module!(LeakyReLU, LeakyReLU::new(0.01));

// SAFETY: its one field is an `f32`, and all-zero bits are the `f32` `0.0`.
unsafe impl crate::heap::Zeroable for LeakyReLU {}

impl core::fmt::Display for LeakyReLU {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "LeakyReLU(negative_slope={})",
            PyFloat(self.negative_slope)
        )
    }
}
