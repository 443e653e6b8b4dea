//! TensorFlow Lite's fixed-point arithmetic: a real factor as a 31-bit mantissa and a power of
//! two (`QuantizeMultiplier`), and the three ways its kernels multiply an int32 accumulator by
//! one (`MultiplyByQuantizedMultiplier` with gemmlowp's two roundings or with one, and the
//! `double` rescale of its reference `FULLY_CONNECTED`).
//!
//! Everything here is `const fn`: a model's multipliers can be computed at compile time.

/// A positive real factor `m · 2^(shift − 31)`, `m` in `[2^30, 2^31)`: TensorFlow Lite's
/// `QuantizeMultiplier(double, int32_t*, int*)`.
///
/// Laid out as `(mantissa, shift)`: the vector output stage reads eight of them at a time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[repr(C)]
pub struct Multiplier {
    /// The mantissa, `round(q · 2^31)` for `real = q · 2^shift`, `q` in `[0.5, 1)`.
    pub mantissa: i32,
    /// The power of two: positive shifts left, negative right.
    pub shift: i32,
}

impl Multiplier {
    /// The zero factor: every product is 0.
    pub const ZERO: Self = Multiplier {
        mantissa: 0,
        shift: 0,
    };

    /// `QuantizeMultiplier`: `frexp`, the mantissa rounded half away from zero to 31 bits (one
    /// more bit of rounding carries into the exponent), and factors below 2^-32 flushed to zero.
    ///
    /// TensorFlow Lite only meets positive finite factors (scales are positive); zero, negative,
    /// NaN and infinite factors give [`Multiplier::ZERO`], and factors of 2^31 or more saturate.
    #[must_use]
    pub const fn from_real(real: f64) -> Self {
        // NaN fails every comparison: only positive finite factors pass.
        if real.is_nan() || real <= 0.0 || real == f64::INFINITY {
            return Self::ZERO;
        }
        let bits = real.to_bits();
        let biased = ((bits >> 52) & 0x7ff) as i32;
        if biased == 0 {
            // Subnormal: far below 2^-32.
            return Self::ZERO;
        }
        // real = m · 2^(biased − 1075), m a 53-bit integer: frexp's q is m / 2^53 and its exponent
        // biased − 1022; q · 2^31 = m / 2^22, rounded (half up = half away for a positive value).
        let m = (bits & ((1 << 52) - 1)) | (1 << 52);
        let mut mantissa = (m + (1 << 21)) >> 22;
        let mut shift = biased - 1022;
        if mantissa == 1 << 31 {
            mantissa /= 2;
            shift += 1;
        }
        if shift < -31 {
            return Self::ZERO;
        }
        if shift > 31 {
            return Multiplier {
                mantissa: i32::MAX,
                shift: 31,
            };
        }
        Multiplier {
            mantissa: mantissa as i32,
            shift,
        }
    }

    /// The factor this stands for, `mantissa · 2^(shift − 31)`.
    #[must_use]
    pub const fn to_real(self) -> f64 {
        let mut value = self.mantissa as f64;
        let mut e = self.shift - 31;
        while e > 0 {
            value *= 2.0;
            e -= 1;
        }
        while e < 0 {
            value *= 0.5;
            e += 1;
        }
        value
    }

    /// `MultiplyByQuantizedMultiplier` as TensorFlow Lite builds it by default and TensorFlow
    /// Lite Micro always: shift left, [`saturating_rounding_doubling_high_mul`], then
    /// [`rounding_divide_by_pot`] for a right shift. The first rounding (to an integer before the
    /// right shift) can make or break a tie for the second, so results can differ by one from
    /// the exactly rounded product.
    ///
    /// Where the left shift overflows 32 bits (TensorFlow Lite leaves that undefined) the
    /// product is taken in 128 bits and saturated.
    #[inline]
    #[must_use]
    pub const fn apply_double_rounding(self, x: i32) -> i32 {
        if self.shift <= 0 {
            let high = saturating_rounding_doubling_high_mul(x, self.mantissa);
            return rounding_divide_by_pot(high, (-self.shift) as u32);
        }
        let shifted = (x as i64) << self.shift;
        if shifted >= i32::MIN as i64 && shifted <= i32::MAX as i64 {
            return saturating_rounding_doubling_high_mul(shifted as i32, self.mantissa);
        }
        // The high multiplication is `floor((a · b + 2^30) / 2^31)`.
        let product = shifted as i128 * self.mantissa as i128;
        let high = (product + (1 << 30)) >> 31;
        if high > i32::MAX as i128 {
            i32::MAX
        } else if high < i32::MIN as i128 {
            i32::MIN
        } else {
            high as i32
        }
    }

    /// `MultiplyByQuantizedMultiplier` of a TensorFlow Lite built with `TFLITE_SINGLE_ROUNDING`:
    /// `(x · mantissa + 2^(30 − shift)) >> (31 − shift)` in 64 bits, rounding half up once.
    /// Results beyond 32 bits saturate.
    #[inline]
    #[must_use]
    pub const fn apply_single_rounding(self, x: i32) -> i32 {
        let shift = if self.shift > 30 { 30 } else { self.shift };
        let total = (31 - shift) as u32;
        let product = x as i64 * self.mantissa as i64;
        saturate((product + (1 << (total - 1))) >> total)
    }
}

/// gemmlowp's `SaturatingRoundingDoublingHighMul`: the high 32 bits of `2 · a · b`, rounded to
/// nearest with ties up (toward +∞: its nudge for a negative product is `1 − 2^30`); the one
/// overflowing case, `a = b = i32::MIN`, gives `i32::MAX`.
#[inline]
#[must_use]
pub const fn saturating_rounding_doubling_high_mul(a: i32, b: i32) -> i32 {
    if a == i32::MIN && b == i32::MIN {
        return i32::MAX;
    }
    // gemmlowp divides `ab + nudge` by 2^31 truncating toward zero, the nudge `2^30` for a
    // nonnegative product and `1 − 2^30` for a negative one; both are `floor((ab + 2^30) / 2^31)`
    // (for a negative sum, truncation is `floor((sum + 2^31 − 1) / 2^31)`), which is a shift.
    ((a as i64 * b as i64 + (1 << 30)) >> 31) as i32
}

/// gemmlowp's `RoundingDivideByPOT`: `x / 2^exponent` rounded half away from zero, for an
/// `exponent` of 0 to 31 (larger ones are taken as 31).
#[inline]
#[must_use]
pub const fn rounding_divide_by_pot(x: i32, exponent: u32) -> i32 {
    let exponent = if exponent > 31 { 31 } else { exponent };
    let mask = ((1i64 << exponent) - 1) as i32;
    let remainder = x & mask;
    let threshold = (mask >> 1) + (x < 0) as i32;
    (x >> exponent) + (remainder > threshold) as i32
}

/// `round(x · real)` in `f64`, half away from zero (C's `round`), saturated to `i32`: the
/// rescale of TensorFlow Lite's reference `FULLY_CONNECTED`.
#[inline]
#[must_use]
pub const fn round_product(x: i32, real: f64) -> i32 {
    round_to_i32(x as f64 * real)
}

/// `x` rounded half away from zero (C's `round`), saturated to `i32` (NaN gives 0).
#[inline]
#[must_use]
pub(crate) const fn round_to_i32(x: f64) -> i32 {
    // Beyond 2^52 every f64 is an integer; below, truncation is exact and so is `x − t`.
    if x >= 4_503_599_627_370_496.0 || x <= -4_503_599_627_370_496.0 {
        return x as i32;
    }
    let t = x as i64;
    let frac = x - t as f64;
    let r = if frac >= 0.5 {
        t + 1
    } else if frac <= -0.5 {
        t - 1
    } else {
        t
    };
    saturate(r)
}

/// An `i64` clamped to the `i32` range.
#[inline]
const fn saturate(x: i64) -> i32 {
    if x > i32::MAX as i64 {
        i32::MAX
    } else if x < i32::MIN as i64 {
        i32::MIN
    } else {
        x as i32
    }
}

/// How a kernel brings its int32 accumulator to the output's scale.
///
/// TensorFlow Lite 2.21's reference kernels (the `BUILTIN_REF` resolver) use
/// [`Rounding::Double`] in `CONV_2D` and `DEPTHWISE_CONV_2D` and [`Rounding::Float`] in
/// `FULLY_CONNECTED`; TensorFlow Lite Micro uses [`Rounding::Double`] everywhere. `Single` and
/// `Float` round the product once and differ only at a tie (up against away from zero) or within
/// about 2^-31 of one; `Double` rounds twice and sometimes differs by one from both
/// (`tests/tflite.rs` counts how often on the goldens).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Rounding {
    /// [`Multiplier::apply_double_rounding`] (gemmlowp's two roundings).
    #[default]
    Double,
    /// [`Multiplier::apply_single_rounding`] (`TFLITE_SINGLE_ROUNDING`).
    Single,
    /// [`round_product`] with `input_scale · weight_scale / output_scale` in `f64`, bit for bit,
    /// computed in integer arithmetic by the layers (no floating point on a microcontroller).
    Float,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multipliers_match_frexp() {
        // 0.5 = 0.5 · 2^0; 1.0 = 0.5 · 2^1; 0.75 · 2^-3.
        assert_eq!(
            Multiplier::from_real(0.5),
            Multiplier {
                mantissa: 1 << 30,
                shift: 0
            }
        );
        assert_eq!(
            Multiplier::from_real(1.0),
            Multiplier {
                mantissa: 1 << 30,
                shift: 1
            }
        );
        let m = Multiplier::from_real(0.09375);
        assert_eq!(
            m,
            Multiplier {
                mantissa: 3 << 29,
                shift: -3
            }
        );
        assert_eq!(m.to_real(), 0.09375);
        // A mantissa that rounds up to 2^31 carries into the exponent.
        let just_below_one = 1.0 - 2f64.powi(-40);
        assert_eq!(
            Multiplier::from_real(just_below_one),
            Multiplier {
                mantissa: 1 << 30,
                shift: 1
            }
        );
        // Tiny, zero, negative and NaN factors are zero.
        for real in [2f64.powi(-33), 0.0, -0.5, f64::NAN, f64::MIN_POSITIVE / 4.0] {
            assert_eq!(Multiplier::from_real(real), Multiplier::ZERO, "{real}");
        }
    }

    #[test]
    fn multipliers_are_within_half_an_ulp_of_31_bits() {
        let mut real = 1.3e-6;
        while real < 3.0 {
            let m = Multiplier::from_real(real);
            assert!((1 << 30..=i32::MAX).contains(&m.mantissa), "{real}: {m:?}");
            let err = (m.to_real() - real).abs() / real;
            assert!(err <= 2f64.powi(-31), "{real}: relative error {err}");
            real *= 1.37;
        }
    }

    #[test]
    fn high_mul_rounds_ties_up() {
        // 2 · a · b / 2^32 with b = 2^30 is a / 2: ties at odd a.
        let half = 1 << 30;
        assert_eq!(saturating_rounding_doubling_high_mul(3, half), 2);
        assert_eq!(saturating_rounding_doubling_high_mul(-3, half), -1);
        assert_eq!(saturating_rounding_doubling_high_mul(5, half), 3);
        assert_eq!(saturating_rounding_doubling_high_mul(-5, half), -2);
        assert_eq!(saturating_rounding_doubling_high_mul(-7, 3 << 28), -3); // -2.625
        assert_eq!(
            saturating_rounding_doubling_high_mul(i32::MIN, i32::MIN),
            i32::MAX
        );
        assert_eq!(
            saturating_rounding_doubling_high_mul(i32::MIN, i32::MAX),
            -i32::MAX
        );
    }

    #[test]
    fn high_mul_is_gemmlowps_truncating_division() {
        let mut s = 7u64;
        for _ in 0..100_000 {
            s = s.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            let (a, b) = ((s >> 32) as i32, s as i32 >> (s % 31));
            if a == i32::MIN && b == i32::MIN {
                continue;
            }
            let ab = a as i64 * b as i64;
            let nudge = if ab >= 0 { 1 << 30 } else { 1 - (1 << 30) };
            let want = ((ab + nudge) / (1 << 31)) as i32;
            assert_eq!(saturating_rounding_doubling_high_mul(a, b), want, "{a} {b}");
        }
    }

    #[test]
    fn divide_by_pot_rounds_half_away_from_zero() {
        let cases = [
            (5, 1, 3),
            (-5, 1, -3),
            (6, 2, 2),
            (-6, 2, -2),
            (-7, 2, -2),
            (7, 0, 7),
        ];
        for (x, e, want) in cases {
            assert_eq!(rounding_divide_by_pot(x, e), want, "{x} / 2^{e}");
        }
        assert_eq!(rounding_divide_by_pot(i32::MIN, 31), -1);
        assert_eq!(rounding_divide_by_pot(i32::MAX, 31), 1);
    }

    extern crate std;

    /// `x` rounded half away from zero, in `f64`.
    fn away(x: f64) -> f64 {
        (x.abs() + 0.5).floor().copysign(x)
    }

    #[test]
    fn the_roundings_follow_their_definitions() {
        for real in [0.375, 0.0123, 0.7, 1e-5, 3.0] {
            let m = Multiplier::from_real(real);
            let exact = m.to_real();
            let right = (-m.shift).max(0);
            for x in [
                -100_000, -4097, -1000, -17, -4, -1, 0, 1, 4, 17, 1000, 4097, 123_456,
            ] {
                let product = x as f64 * exact;
                // Single: once, ties up. Float: once, ties away (with the real factor).
                assert_eq!(
                    m.apply_single_rounding(x) as f64,
                    (product + 0.5).floor(),
                    "{real} {x}"
                );
                assert_eq!(round_product(x, exact) as f64, away(product), "{real} {x}");
                // Double: to an integer at 2^-right of the result (ties up), then the shift
                // (ties away).
                let scale = 2f64.powi(right);
                let first = (product * scale + 0.5).floor();
                let want = away(first / scale);
                assert_eq!(m.apply_double_rounding(x) as f64, want, "{real} {x}");
            }
        }
        // The double rounding differs where the first rounding makes a tie: -17 · 3/8 = -6.375,
        // first -12.75 → -13 (units of 1/2), then -6.5 → -7.
        let m = Multiplier::from_real(0.375);
        assert_eq!(m.apply_double_rounding(-17), -7);
        assert_eq!(m.apply_single_rounding(-17), -6);
        assert_eq!(round_product(-17, 0.375), -6);
        // At a tie the single rounding goes up, the float one away from zero.
        assert_eq!(m.apply_single_rounding(-4), -1);
        assert_eq!(round_product(-4, 0.375), -2);
        // Left shifts: 3 · 5, and saturation.
        let five = Multiplier::from_real(5.0);
        assert_eq!(five.apply_double_rounding(3), 15);
        assert_eq!(five.apply_single_rounding(3), 15);
        assert_eq!(five.apply_double_rounding(i32::MAX), i32::MAX);
        assert_eq!(five.apply_double_rounding(i32::MIN), i32::MIN);
        // x · 8 overflows 32 bits, x · 5 does not.
        let x = -(1 << 28) - (1 << 26);
        assert_eq!(five.apply_double_rounding(x), 5 * x);
        assert_eq!(five.apply_single_rounding(i32::MIN), i32::MIN);
    }

    #[test]
    fn rounding_to_integers_is_c_round() {
        let cases = [
            (0.5, 1),
            (-0.5, -1),
            (1.5, 2),
            (2.5, 3),
            (-2.5, -3),
            (0.49999999999999994, 0),
        ];
        for (x, want) in cases {
            assert_eq!(round_to_i32(x), want, "{x}");
        }
        assert_eq!(round_to_i32(1e12), i32::MAX);
        assert_eq!(round_to_i32(-1e300), i32::MIN);
        assert_eq!(round_to_i32(f64::NAN), 0);
    }
}
