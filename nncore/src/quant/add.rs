//! TensorFlow Lite's int8 `ADD` of two tensors of the same shape, each with its own quantization:
//! both inputs are brought to a common scale by their own fixed-point multiplier, summed, and the
//! sum rescaled to the output's (`reference_integer_ops::Add`, as TensorFlow Lite Micro runs it).

use super::Int8Sample;
use super::fixed::Rounding;
use super::fixed::{Multiplier, rounding_divide_by_pot, saturating_rounding_doubling_high_mul};
use super::kernel::{self, Kernel};
use super::params::{Activation, QuantParams, clamp_i8};

/// The left shift applied to both offset inputs before their rescale (TensorFlow Lite's
/// `left_shift` for int8), keeping 20 bits of headroom for the rounding.
pub const ADD_LEFT_SHIFT: u32 = 20;

/// `y = a + b` on int8 tensors with three quantizations, plus a fused activation.
///
/// With `twice_max = 2 · max(a.scale, b.scale)` (in `f32`, then `f64`), the inputs are scaled
/// by `a.scale / twice_max` and `b.scale / twice_max` and the sum by
/// `twice_max / (2^20 · output.scale)`, each a [`Multiplier`] below one applied with gemmlowp's
/// two roundings.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Add {
    /// The first input's quantization.
    pub a: QuantParams,
    /// The second input's quantization.
    pub b: QuantParams,
    /// The output's quantization.
    pub output: QuantParams,
    /// The first input's rescale.
    pub a_multiplier: Multiplier,
    /// The second input's rescale.
    pub b_multiplier: Multiplier,
    /// The sum's rescale to the output.
    pub output_multiplier: Multiplier,
    /// `[min, max]` of the output after the fused activation.
    pub clamp: [i8; 2],
}

impl Add {
    /// TensorFlow Lite's parameters for inputs quantized by `a` and `b`, an output by `output`,
    /// and a fused `activation` (`PrepareGeneralSubOp` for int8).
    #[must_use]
    pub const fn new(
        a: QuantParams,
        b: QuantParams,
        output: QuantParams,
        activation: Activation,
    ) -> Self {
        let max = if a.scale > b.scale { a.scale } else { b.scale };
        let twice_max = (2.0 * max) as f64;
        let sum_scale = (1u32 << ADD_LEFT_SHIFT) as f64 * output.scale as f64;
        Add {
            a,
            b,
            output,
            a_multiplier: Multiplier::from_real(a.scale as f64 / twice_max),
            b_multiplier: Multiplier::from_real(b.scale as f64 / twice_max),
            output_multiplier: Multiplier::from_real(twice_max / sum_scale),
            clamp: activation.range(output),
        }
    }

    /// One output value: integer arithmetic only.
    #[inline]
    #[must_use]
    pub const fn add(&self, a: i8, b: i8) -> i8 {
        let a = (a as i32 - self.a.zero_point as i32) << ADD_LEFT_SHIFT;
        let b = (b as i32 - self.b.zero_point as i32) << ADD_LEFT_SHIFT;
        let sum = scale_below_one(a, self.a_multiplier) + scale_below_one(b, self.b_multiplier);
        let y = scale_below_one(sum, self.output_multiplier);
        clamp_i8(y.saturating_add(self.output.zero_point as i32), self.clamp)
    }

    /// `a + b` elementwise into `out` (all three the same length).
    ///
    /// # Panics
    /// If the lengths differ.
    pub fn add_slices(&self, a: &[i8], b: &[i8], out: &mut [i8]) {
        assert!(
            a.len() == b.len() && a.len() == out.len(),
            "ADD of {} and {} values into {}",
            a.len(),
            b.len(),
            out.len()
        );
        // Sixteen at a time with AVX-512 where the CPU has it: the same bytes.
        let done = Kernel::detect()
            .vector_stage(Rounding::Double)
            .map_or(0, |v| kernel::add(v, self, a, b, out));
        for ((y, &a), &b) in out.iter_mut().zip(a).zip(b).skip(done) {
            *y = self.add(a, b);
        }
    }

    /// `a + b` for one sample of any layout.
    #[must_use]
    pub fn forward<X: Int8Sample>(&self, a: &X, b: &X) -> X {
        let mut y = *a;
        self.add_slices(a.flat(), b.flat(), y.flat_mut());
        y
    }
}

/// `MultiplyByQuantizedMultiplierSmallerThanOneExp`: gemmlowp's high multiplication, then the
/// right shift rounding half away from zero.
#[inline]
const fn scale_below_one(x: i32, m: Multiplier) -> i32 {
    let right = if m.shift < 0 { (-m.shift) as u32 } else { 0 };
    rounding_divide_by_pot(saturating_rounding_doubling_high_mul(x, m.mantissa), right)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_scales_add_the_offset_values() {
        let q = QuantParams::new(0.5, -10);
        let add = Add::new(q, q, q, Activation::None);
        // (3 − (−10)) + (4 − (−10)) = 27 steps above the zero point.
        assert_eq!(add.add(3, 4), 17);
        assert_eq!(add.add(-10, -10), -10);
        assert_eq!(add.add(100, 100), 127);
        assert_eq!(add.add(-128, -128), -128);
    }

    #[test]
    fn different_scales_round_to_the_nearest_output_step() {
        let (a, b) = (QuantParams::new(0.1, 0), QuantParams::new(0.05, 3));
        let out = QuantParams::new(0.2, -5);
        let add = Add::new(a, b, out, Activation::None);
        for x in [-128i8, -37, -1, 0, 1, 50, 127] {
            for y in [-128i8, -20, 3, 4, 90, 127] {
                let real = a.dequantize(x) as f64 + b.dequantize(y) as f64;
                let want = (real / 0.2).round() - 5.0;
                let got = f64::from(add.add(x, y));
                assert!(
                    (got - want.clamp(-128.0, 127.0)).abs() <= 1.0,
                    "{x} + {y}: {got} for {want}"
                );
            }
        }
        let relu = Add::new(a, b, out, Activation::Relu);
        assert_eq!(relu.add(-128, -128), -5);
    }

    #[test]
    fn slices_of_different_lengths_are_refused() {
        let q = QuantParams::new(1.0, 0);
        let add = Add::new(q, q, q, Activation::None);
        extern crate std;
        let caught = std::panic::catch_unwind(|| add.add_slices(&[1, 2], &[1], &mut [0, 0]));
        assert!(caught.is_err());
        let mut out = [0; 2];
        add.add_slices(&[1, 2], &[3, 4], &mut out);
        assert_eq!(out, [4, 6]);
    }
}
