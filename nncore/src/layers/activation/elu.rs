//! `nn.ELU`.

use crate::fmt::PyFloat;
use crate::layers::activation::elementwise::Elementwise;
use crate::math;
use crate::module::parameterless_module;

/// `y = x` for `x > 0`, else `alpha (exp(x) - 1)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ELU {
    /// The value approached for very negative inputs is `-alpha` (PyTorch's default is 1).
    pub alpha: f32,
}

impl ELU {
    /// An ELU with the given `alpha`.
    #[must_use]
    pub const fn new(alpha: f32) -> Self {
        ELU { alpha }
    }
}

impl Default for ELU {
    /// PyTorch's default, `alpha=1.0`.
    fn default() -> Self {
        Self::new(1.0)
    }
}

impl Elementwise for ELU {
    #[inline]
    fn value(&self, x: f32) -> f32 {
        if x > 0.0 {
            x
        } else {
            self.alpha * math::exp_m1(x)
        }
    }

    /// `dy` where `x > 0`, else `dy alpha exp(x)` (PyTorch's `elu_backward`).
    #[inline]
    fn grad(&self, x: f32, _: f32, dy: f32) -> f32 {
        if x > 0.0 {
            dy
        } else {
            dy * self.alpha * math::exp(x)
        }
    }
}

parameterless_module!(ELU, ELU::new(1.0));

// SAFETY: its one field is an `f32`, and all-zero bits are the `f32` `0.0`.
unsafe impl crate::heap::Zeroable for ELU {}

impl core::fmt::Display for ELU {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "ELU(alpha={})", PyFloat(self.alpha))
    }
}
