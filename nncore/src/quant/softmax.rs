//! TensorFlow Lite's int8 `SOFTMAX` over the last axis, in gemmlowp's fixed point as its
//! reference kernel and TensorFlow Lite Micro compute it: the input differences from the row's
//! maximum scaled by `beta · input_scale` into Q5.26, `exp` of each on negative values (a Taylor
//! polynomial on `[-1/4, 0)` and a barrel shifter of constants `exp(-2^k)`), their sum in Q12.19,
//! its reciprocal by Newton–Raphson, and each output `exp · reciprocal` at scale 1/256, zero
//! point −128. Integer arithmetic only at run time.

use super::Int8Sample;
use super::fixed::{Multiplier, rounding_divide_by_pot, saturating_rounding_doubling_high_mul};

/// Integer bits of the scaled input differences (Q5.26).
const DIFF_INTEGER_BITS: i32 = 5;
/// Integer bits of the sum of the exponentials (Q12.19).
const ACCUMULATION_INTEGER_BITS: i32 = 12;

/// The output quantization every int8 `SOFTMAX` has: scale 1/256, zero point −128.
pub const SOFTMAX_OUTPUT: super::QuantParams = super::QuantParams::new(1.0 / 256.0, -128);

/// int8 softmax over rows of the last axis, with TensorFlow Lite's parameters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Softmax {
    /// The input's quantization (the output's is [`SOFTMAX_OUTPUT`]).
    pub input: super::QuantParams,
    /// The factor of the inputs, `softmax(beta · x)`.
    pub beta: f32,
    /// `beta · input_scale · 2^26` as a multiplier above one (`PreprocessSoftmaxScaling`).
    pub multiplier: Multiplier,
    /// Differences from the row maximum below this give an output of −128
    /// (`-CalculateInputRadius`).
    pub diff_min: i32,
}

impl Softmax {
    /// The parameters for an input quantized by `input` and the softmax's `beta`.
    ///
    /// TensorFlow Lite requires `beta · input_scale · 2^26 ≥ 1` (any int8 input scale above
    /// 1.5e-8 with `beta = 1`); below, the differences are taken unscaled.
    #[must_use]
    pub const fn new(input: super::QuantParams, beta: f32) -> Self {
        let max_real = ((1i64 << 31) - 1) as f64;
        let mut real = beta as f64 * input.scale as f64 * (1i64 << (31 - DIFF_INTEGER_BITS)) as f64;
        if real > max_real {
            real = max_real;
        }
        let multiplier = Multiplier::from_real(real);
        // CalculateInputRadius: floor(((1 << 5) − 1) · 2^26 / 2^left_shift).
        let shift = if multiplier.shift > 0 {
            multiplier.shift
        } else {
            0
        };
        let radius =
            ((((1i64 << DIFF_INTEGER_BITS) - 1) << (31 - DIFF_INTEGER_BITS)) >> shift) as i32;
        Softmax {
            input,
            beta,
            multiplier,
            diff_min: -radius,
        }
    }

    /// Softmax of one row into `out` (the same length).
    ///
    /// # Panics
    /// If the lengths differ.
    pub fn row(&self, x: &[i8], out: &mut [i8]) {
        assert_eq!(x.len(), out.len(), "SOFTMAX of a row into another length");
        if x.is_empty() {
            return;
        }
        let max = x.iter().copied().max().unwrap_or(0) as i32;
        let mut sum: i32 = 0;
        for &v in x {
            if let Some(e) = self.exp(v as i32 - max) {
                sum = sum.wrapping_add(rounding_divide_by_pot(e, ACCUMULATION_INTEGER_BITS as u32));
            }
        }
        let (reciprocal, bits_over_unit) = reciprocal(sum, ACCUMULATION_INTEGER_BITS);
        let exponent = (bits_over_unit + 31 - 8) as u32;
        for (y, &v) in out.iter_mut().zip(x) {
            *y = match self.exp(v as i32 - max) {
                Some(e) => {
                    let p = saturating_rounding_doubling_high_mul(reciprocal, e);
                    let unsat = rounding_divide_by_pot(p, exponent) - 128;
                    unsat.clamp(-128, 127) as i8
                }
                None => -128,
            };
        }
    }

    /// `exp` of the scaled difference `diff` (≤ 0) in Q0.31, or `None` below `diff_min`.
    #[inline]
    const fn exp(&self, diff: i32) -> Option<i32> {
        if diff < self.diff_min {
            return None;
        }
        // MultiplyByQuantizedMultiplierGreaterThanOne.
        // Above `diff_min` the shifted difference fits in 32 bits (a shift of 31 leaves only 0).
        let shift = if self.multiplier.shift > 0 {
            self.multiplier.shift as u32
        } else {
            0
        };
        let scaled = saturating_rounding_doubling_high_mul(
            diff.wrapping_mul(1i32.wrapping_shl(shift)),
            self.multiplier.mantissa,
        );
        Some(exp_on_negative_values(scaled))
    }

    /// Softmax over the last axis of each row of `C` values of a sample.
    ///
    /// # Panics
    /// If the sample's length is not a multiple of `C`.
    #[must_use]
    pub fn forward_rows<X: Int8Sample, const C: usize>(&self, x: &X) -> X {
        let mut y = *x;
        let rows = x
            .flat()
            .chunks_exact(C)
            .zip(y.flat_mut().chunks_exact_mut(C));
        assert_eq!(X::LEN % C, 0, "SOFTMAX rows of {C} in {} values", X::LEN);
        for (row, out) in rows {
            self.row(row, out);
        }
        y
    }
}

impl super::Int8Layer for Softmax {
    const WEIGHT_BYTES: usize = 0;

    fn input_params(&self) -> super::QuantParams {
        self.input
    }

    fn output_params(&self) -> super::QuantParams {
        SOFTMAX_OUTPUT
    }

    fn write_rust(&self, out: &mut dyn core::fmt::Write) -> core::fmt::Result {
        let (scale, zero_point, beta) = (self.input.scale, self.input.zero_point, self.beta);
        write!(
            out,
            "::nncore::quant::Softmax::new(::nncore::quant::QuantParams::new({scale:?}, {zero_point}), {beta:?})"
        )
    }
}

impl<const N: usize> super::QuantLayer<[i8; N], [i8; N]> for Softmax {
    fn forward(&self, x: &[i8; N]) -> [i8; N] {
        let mut y = [0; N];
        self.row(x, &mut y);
        y
    }
}

/// gemmlowp's fixed-point product of two values (the raw result of `a * b`).
#[inline]
const fn mul(a: i32, b: i32) -> i32 {
    saturating_rounding_doubling_high_mul(a, b)
}

/// gemmlowp's `SaturatingRoundingMultiplyByPOT<E>` for `E > 0`.
#[inline]
const fn saturating_shl(x: i32, e: u32) -> i32 {
    let threshold = (1i32 << (31 - e)) - 1;
    if x > threshold {
        i32::MAX
    } else if x < -threshold {
        i32::MIN
    } else {
        x << e
    }
}

/// `exp(a)` for `a` in Q5.26, `a ≤ 0`, in Q0.31: gemmlowp's `exp_on_negative_values`.
const fn exp_on_negative_values(a: i32) -> i32 {
    const FRACTIONAL_BITS: i32 = 31 - DIFF_INTEGER_BITS;
    let one_quarter = 1i32 << (FRACTIONAL_BITS - 2);
    let mask = one_quarter - 1;
    let a_mod_quarter_minus_one_quarter = (a & mask) - one_quarter;
    // Rescale<0> from Q5.26: a shift left by 5 that cannot saturate here.
    let mut result = exp_on_interval_between_negative_one_quarter_and_0_excl(saturating_shl(
        a_mod_quarter_minus_one_quarter,
        DIFF_INTEGER_BITS as u32,
    ));
    let remainder = a_mod_quarter_minus_one_quarter.wrapping_sub(a);
    // exp(-2^k) in Q0.31 for k = -2..=4 (kIntegerBits = 5 keeps them all).
    const BARREL: [(i32, i32); 7] = [
        (-2, 1_672_461_947),
        (-1, 1_302_514_674),
        (0, 790_015_084),
        (1, 290_630_308),
        (2, 39_332_535),
        (3, 720_401),
        (4, 242),
    ];
    let mut k = 0;
    while k < BARREL.len() {
        let (exponent, multiplier) = BARREL[k];
        if remainder & (1 << (FRACTIONAL_BITS + exponent)) != 0 {
            result = mul(result, multiplier);
        }
        k += 1;
    }
    if a == 0 { i32::MAX } else { result }
}

/// `exp(a)` for `a` in Q0.31 within `[-1/4, 0)`: a Taylor polynomial around −1/8.
const fn exp_on_interval_between_negative_one_quarter_and_0_excl(a: i32) -> i32 {
    const CONSTANT_TERM: i32 = 1_895_147_668; // exp(-1/8)
    const ONE_THIRD: i32 = 715_827_883;
    let x = a.wrapping_add(1 << 28);
    let x2 = mul(x, x);
    let x3 = mul(x2, x);
    let x4 = mul(x2, x2);
    let x4_over_4 = rounding_divide_by_pot(x4, 2);
    let poly = rounding_divide_by_pot(
        mul(x4_over_4.wrapping_add(x3), ONE_THIRD).wrapping_add(x2),
        1,
    );
    CONSTANT_TERM.wrapping_add(mul(CONSTANT_TERM, x.wrapping_add(poly)))
}

/// TensorFlow Lite's `GetReciprocal`: `1 / x` for `x` (> 0) with `integer_bits` integer bits,
/// as a Q0.31 value and the number of bits of `x` above one.
const fn reciprocal(x: i32, integer_bits: i32) -> (i32, i32) {
    let headroom_plus_one = (x as u32).leading_zeros() as i32;
    let bits_over_unit = integer_bits - headroom_plus_one;
    let shifted_minus_one = ((x as u32) << headroom_plus_one).wrapping_sub(1 << 31) as i32;
    (
        one_over_one_plus_x_for_x_in_0_1(shifted_minus_one),
        bits_over_unit,
    )
}

/// gemmlowp's `one_over_one_plus_x_for_x_in_0_1`: Newton–Raphson in Q2.29, three steps.
const fn one_over_one_plus_x_for_x_in_0_1(a: i32) -> i32 {
    let half_denominator = rounding_half_sum(a, i32::MAX);
    const FORTY_EIGHT_OVER_17: i32 = 1_515_870_810;
    const NEG_THIRTY_TWO_OVER_17: i32 = -1_010_580_540;
    const ONE_Q2: i32 = 1 << 29;
    let mut x = FORTY_EIGHT_OVER_17.wrapping_add(mul(half_denominator, NEG_THIRTY_TWO_OVER_17));
    let mut i = 0;
    while i < 3 {
        let half_denominator_times_x = mul(half_denominator, x);
        let one_minus = ONE_Q2.wrapping_sub(half_denominator_times_x);
        x = x.wrapping_add(saturating_shl(mul(x, one_minus), 2));
        i += 1;
    }
    // ExactMulByPot<-1> then Rescale<0> from Q1.30.
    saturating_shl(x, 1)
}

/// gemmlowp's `RoundingHalfSum` for int32: `(a + b)/2` rounded half away from zero.
const fn rounding_half_sum(a: i32, b: i32) -> i32 {
    let sum = a as i64 + b as i64;
    let sign = if sum >= 0 { 1 } else { -1 };
    ((sum + sign) / 2) as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    extern crate std;

    #[test]
    fn exp_is_within_a_few_ulps_of_float() {
        let mut a: i32 = 0;
        while a > -(31 << 26) {
            let want = libm::exp(f64::from(a) / f64::from(1 << 26));
            let got = f64::from(exp_on_negative_values(a)) / 2f64.powi(31);
            assert!((got - want).abs() < 1e-6, "exp({a}): {got} for {want}");
            a -= 12_345_677;
        }
        assert_eq!(exp_on_negative_values(0), i32::MAX);
    }

    #[test]
    fn reciprocals_are_close() {
        for x in [1 << 19, 3 << 18, 5 << 19, 123_456_789, i32::MAX] {
            let (r, bits) = reciprocal(x, ACCUMULATION_INTEGER_BITS);
            let got = f64::from(r) / 2f64.powi(31) / 2f64.powi(bits);
            let want = 1.0 / (f64::from(x) / 2f64.powi(19));
            assert!((got / want - 1.0).abs() < 1e-8, "1/{x}: {got} for {want}");
        }
    }

    #[test]
    fn a_row_sums_to_about_one() {
        let softmax = Softmax::new(super::super::QuantParams::new(0.1, 3), 1.0);
        let x = [10i8, -5, 0, 3, -128, 127];
        let mut y = [0i8; 6];
        softmax.row(&x, &mut y);
        let total: f64 = y.iter().map(|&q| (f64::from(q) + 128.0) / 256.0).sum();
        assert!((total - 1.0).abs() < 0.02, "{y:?}");
        let z: f64 = x.iter().map(|&q| libm::exp(0.1 * f64::from(q))).sum();
        for (&q, &v) in y.iter().zip(&x) {
            let want = libm::exp(0.1 * f64::from(v)) / z * 256.0 - 128.0;
            assert!((f64::from(q) - want).abs() <= 1.0, "{y:?}");
        }
    }
}
