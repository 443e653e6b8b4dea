//! TensorFlow Lite's int8 `MEAN` over an image's rows and columns (Keras'
//! `GlobalAveragePooling2D`, reduced dimensions dropped), as its reference `QuantizedMeanOrSum`
//! computes it in integers: the sum of the offset inputs times `input_scale / output_scale`
//! divided by the pixel count, folded into one [`Multiplier`] (gemmlowp's two roundings).

use super::fixed::Multiplier;
use super::params::{QuantParams, clamp_i8};

/// The mean over rows and columns of an `H × W × C` int8 image, `C` values out.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Mean {
    /// The input's quantization.
    pub input: QuantParams,
    /// The output's quantization.
    pub output: QuantParams,
    /// `input.scale / output.scale` (in `f64`), before the division by the count.
    pub multiplier: Multiplier,
}

impl Mean {
    /// The parameters for these quantizations.
    #[must_use]
    pub const fn new(input: QuantParams, output: QuantParams) -> Self {
        let real = input.scale as f64 / output.scale as f64;
        Mean {
            input,
            output,
            multiplier: Multiplier::from_real(real),
        }
    }

    /// The multiplier divided by `n`: the mantissa shifted left by `floor(log2 n)` (at most 32,
    /// and no more than keeps the shift above −32) and divided by `n`, truncating.
    const fn per_element(&self, n: usize) -> Multiplier {
        let mut shift = 63 - (n as u64).leading_zeros() as i32;
        if shift > 32 {
            shift = 32;
        }
        if shift > 31 + self.multiplier.shift {
            shift = 31 + self.multiplier.shift;
        }
        let mantissa = ((self.multiplier.mantissa as i64) << shift) / n as i64;
        Multiplier {
            mantissa: mantissa as i32,
            shift: self.multiplier.shift - shift,
        }
    }

    /// The mean of each channel of `x`.
    #[must_use]
    pub fn forward<const C: usize, const H: usize, const W: usize>(
        &self,
        x: &[[[i8; C]; W]; H],
    ) -> [i8; C] {
        let m = self.per_element(H * W);
        let zero = self.input.zero_point as i32;
        core::array::from_fn(|c| {
            let sum: i32 = x.iter().flatten().map(|pixel| pixel[c] as i32 - zero).sum();
            let y = m.apply_double_rounding(sum);
            clamp_i8(
                y.saturating_add(self.output.zero_point as i32),
                [i8::MIN, i8::MAX],
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mean_of_a_constant_image_is_that_value() {
        let q = QuantParams::new(0.1, -5);
        let mean = Mean::new(q, q);
        assert_eq!(mean.forward(&[[[7i8, -100]; 3]; 2]), [7, -100]);
        // Half the scale doubles the offset value: (1 − (−5)) · 2 − 5 = 7.
        let half = Mean::new(q, QuantParams::new(0.05, -5));
        assert_eq!(half.forward(&[[[1i8]; 2]; 2]), [7]);
    }
}
