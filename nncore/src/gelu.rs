//! `nn.GELU`.

use crate::module::{chain, map, parameterless_module};
use crate::{Layer, math};

/// How [`GELU`] computes the Gaussian CDF (PyTorch's `approximate=`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Approximate {
    /// The exact form with `erf` (`approximate='none'`, the default).
    #[default]
    None,
    /// The tanh approximation (`approximate='tanh'`).
    Tanh,
}

/// `y = x Φ(x)`, `Φ` the standard normal CDF: `0.5 x (1 + erf(x / √2))`, or with
/// [`Approximate::Tanh`], `0.5 x (1 + tanh(√(2/π) (x + 0.044715 x³)))`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GELU {
    /// The exact form or the tanh approximation.
    pub approximate: Approximate,
}

const SQRT_2_OVER_PI: f32 = 0.797_884_6;
const KAPPA: f32 = 0.044715;

impl GELU {
    /// The exact GELU (`nn.GELU()`).
    pub const EXACT: GELU = GELU {
        approximate: Approximate::None,
    };

    /// The tanh approximation (`nn.GELU(approximate='tanh')`).
    pub const TANH: GELU = GELU {
        approximate: Approximate::Tanh,
    };
}

impl<const N: usize> Layer<N, N> for GELU {
    #[inline]
    fn forward(&self, x: &[f32; N]) -> [f32; N] {
        match self.approximate {
            Approximate::None => map(x, |x| {
                0.5 * x * (1.0 + math::erf(x * core::f32::consts::FRAC_1_SQRT_2))
            }),
            Approximate::Tanh => map(x, |x| {
                0.5 * x * (1.0 + math::tanh(SQRT_2_OVER_PI * (x + KAPPA * x * x * x)))
            }),
        }
    }

    #[inline]
    fn backward_params(&self, _: &[f32; N], _: &[f32; N], _: &[f32; N], _: &mut Self) {}

    /// PyTorch's `gelu_backward`: `dy (Φ(x) + x φ(x))`, or the derivative of the tanh form.
    #[inline]
    fn backward_input(&self, x: &[f32; N], y: &[f32; N], dy: &[f32; N]) -> [f32; N] {
        match self.approximate {
            Approximate::None => chain(x, y, dy, |x, _, dy| {
                // 1/√(2π)
                const INV_SQRT_2PI: f32 = 0.398_942_3;
                let cdf = 0.5 * (1.0 + math::erf(x * core::f32::consts::FRAC_1_SQRT_2));
                let pdf = INV_SQRT_2PI * math::exp(-0.5 * x * x);
                dy * (cdf + x * pdf)
            }),
            Approximate::Tanh => chain(x, y, dy, |x, _, dy| {
                let inner = SQRT_2_OVER_PI * (x + KAPPA * x * x * x);
                let t = math::tanh(inner);
                let left = 0.5 * x;
                let right = 1.0 + t;
                let d_inner = SQRT_2_OVER_PI * (1.0 + 3.0 * KAPPA * x * x);
                dy * (0.5 * right + left * (1.0 - t * t) * d_inner)
            }),
        }
    }
}

parameterless_module!(GELU, GELU::EXACT);

impl core::fmt::Display for GELU {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self.approximate {
            Approximate::None => f.write_str("GELU(approximate='none')"),
            Approximate::Tanh => f.write_str("GELU(approximate='tanh')"),
        }
    }
}
