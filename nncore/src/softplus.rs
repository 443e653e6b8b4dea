//! `nn.Softplus`.

use crate::fmt::PyFloat;
use crate::module::{chain, map, parameterless_module};
use crate::{Layer, math};

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

impl<const N: usize> Layer<N, N> for Softplus {
    #[inline]
    fn forward(&self, x: &[f32; N]) -> [f32; N] {
        let Softplus { beta, threshold } = *self;
        map(x, |x| {
            if x * beta > threshold {
                x
            } else {
                math::ln_1p(math::exp(x * beta)) / beta
            }
        })
    }

    #[inline]
    fn backward_params(&self, _: &[f32; N], _: &[f32; N], _: &[f32; N], _: &mut Self) {}

    /// `dx = dy z / (z + 1)` with `z = exp(beta x)`, or `dy` above the threshold
    /// (PyTorch's `softplus_backward`).
    #[inline]
    fn backward_input(&self, x: &[f32; N], y: &[f32; N], dy: &[f32; N]) -> [f32; N] {
        let Softplus { beta, threshold } = *self;
        chain(x, y, dy, |x, _, dy| {
            if x * beta > threshold {
                dy
            } else {
                let z = math::exp(x * beta);
                dy * z / (z + 1.0)
            }
        })
    }
}

parameterless_module!(Softplus, Softplus::new(1.0, 20.0));

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
