//! `nn.Softplus`.

use crate::fmt::PyFloat;
use crate::layers::activation::elementwise::Elementwise;
use crate::math;
use crate::module::parameterless_module;

/// `y = log(1 + exp(beta x)) / beta`, and `y = x` where `beta x > threshold` (for stability).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Softplus {
    /// The sharpness (PyTorch's default is 1).
    pub beta: f32,
    /// Above this value of `beta x` the layer is linear (PyTorch's default is 20).
    pub threshold: f32,
}

impl Softplus {
    /// A softplus with the given `beta` and `threshold`.
    #[must_use]
    pub const fn new(beta: f32, threshold: f32) -> Self {
        Softplus { beta, threshold }
    }
}

impl Default for Softplus {
    /// PyTorch's defaults, `beta=1.0, threshold=20.0`.
    fn default() -> Self {
        Self::new(1.0, 20.0)
    }
}

impl Elementwise for Softplus {
    #[inline]
    fn value(&self, x: f32) -> f32 {
        let Softplus { beta, threshold } = *self;
        if x * beta > threshold {
            x
        } else {
            math::ln_1p(math::exp(x * beta)) / beta
        }
    }

    /// `dy z / (z + 1)` with `z = exp(beta x)`, or `dy` above the threshold (PyTorch's
    /// `softplus_backward`).
    #[inline]
    fn grad(&self, x: f32, _: f32, dy: f32) -> f32 {
        let Softplus { beta, threshold } = *self;
        if x * beta > threshold {
            dy
        } else {
            let z = math::exp(x * beta);
            dy * z / (z + 1.0)
        }
    }
}

parameterless_module!(Softplus, Softplus::new(1.0, 20.0));

// SAFETY: its fields are `f32`s, and all-zero bits are the `f32` `0.0`.
unsafe impl crate::heap::Zeroable for Softplus {}

impl core::fmt::Display for Softplus {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "Softplus(beta={}, threshold={})",
            PyFloat(self.beta),
            PyFloat(self.threshold)
        )
    }
}
