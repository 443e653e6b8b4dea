//! `nn.GELU`.

use crate::layers::activation::elementwise::Elementwise;
use crate::math;
use crate::module::parameterless_module;

/// How [`GELU`] computes the Gaussian CDF (PyTorch's `approximate=`).
///
/// `repr(u8)` with `None` as 0, so that a zeroed [`GELU`] is the exact one.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(u8)]
pub enum Approximate {
    /// The exact form with `erf` (`approximate='none'`, the default).
    #[default]
    None = 0,
    /// The tanh approximation (`approximate='tanh'`).
    Tanh = 1,
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

impl Elementwise for GELU {
    #[inline]
    fn value(&self, x: f32) -> f32 {
        match self.approximate {
            Approximate::None => 0.5 * x * (1.0 + math::erf(x * core::f32::consts::FRAC_1_SQRT_2)),
            Approximate::Tanh => {
                0.5 * x * (1.0 + math::tanh(SQRT_2_OVER_PI * (x + KAPPA * x * x * x)))
            }
        }
    }

    /// PyTorch's `gelu_backward`: `dy (Φ(x) + x φ(x))`, or the derivative of the tanh form.
    #[inline]
    fn grad(&self, x: f32, _: f32, dy: f32) -> f32 {
        match self.approximate {
            Approximate::None => {
                // 1/√(2π)
                const INV_SQRT_2PI: f32 = 0.398_942_3;
                let cdf = 0.5 * (1.0 + math::erf(x * core::f32::consts::FRAC_1_SQRT_2));
                let pdf = INV_SQRT_2PI * math::exp(-0.5 * x * x);
                dy * (cdf + x * pdf)
            }
            Approximate::Tanh => {
                let inner = SQRT_2_OVER_PI * (x + KAPPA * x * x * x);
                let t = math::tanh(inner);
                let left = 0.5 * x;
                let right = 1.0 + t;
                let d_inner = SQRT_2_OVER_PI * (1.0 + 3.0 * KAPPA * x * x);
                dy * (0.5 * right + left * (1.0 - t * t) * d_inner)
            }
        }
    }
}

parameterless_module!(GELU, GELU::EXACT);

// SAFETY: its one field is an `Approximate`, a `repr(u8)` enum whose `None` is 0, so the
// zero byte is `Approximate::None`.
unsafe impl crate::heap::Zeroable for GELU {}

impl core::fmt::Display for GELU {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self.approximate {
            Approximate::None => f.write_str("GELU(approximate='none')"),
            Approximate::Tanh => f.write_str("GELU(approximate='tanh')"),
        }
    }
}
