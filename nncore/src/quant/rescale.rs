//! The `double` rescale of TensorFlow Lite's reference `FULLY_CONNECTED` ([`Rounding::Float`]),
//! bit for bit, in integer arithmetic: on a microcontroller without double-precision hardware
//! an int8 layer then calls no software floating-point routine.
//!
//! The interpreter computes `round(acc · real)` in `f64`, with `real = input_scale ·
//! weight_scale / output_scale` from the `f32` scales: the product `acc · real` is rounded to 53
//! bits, then to an integer, half away from zero. A layer's 31-bit [`Multiplier`] is within
//! 2^-23 of `real`, so `acc · multiplier`, exact in 64 bits, gives the same integer unless it
//! lies within that error of a half; only then (about once in 2^20 outputs) is `real` rebuilt
//! from the scales and the product rounded as the `f64` arithmetic rounds it, in 128 bits.
//!
//! [`Rounding::Float`]: super::Rounding::Float

use super::fixed::Multiplier;

/// `round(x · real)` as [`super::round_product`] computes it in `f64`, for `real = a · b / c` in
/// `f64` from the `f32` scales, and `approx` a multiplier within 2^-23 of `real` (what
/// [`super::OutputStage`]'s constructors store). Integer arithmetic only.
#[inline]
#[must_use]
pub(crate) const fn round_scaled(x: i32, approx: Multiplier, a: f32, b: f32, c: f32) -> i32 {
    let total = 31 - approx.shift;
    // A multiplier built by hand may be anything: a negative or small mantissa, a shift out of
    // range, takes the exact path.
    if approx.mantissa >= 1 << 30 && total >= 1 && total <= 62 {
        // |x| · m < 2^62: the value times 2^total.
        let p = x.unsigned_abs() as u64 * approx.mantissa as u64;
        let half = 1u64 << (total - 1);
        let frac = p & ((1u64 << total) - 1);
        // The multiplier's error (2^-23 of the value) and the f64 rounding, with room to spare.
        let margin = (p >> 22) + 2;
        if frac.abs_diff(half) > margin {
            return signed(x < 0, ((p + half) >> total) as u128);
        }
    }
    exact(x, a, b, c)
}

/// Each channel's factor `input.scale · weight_scale[c] / output.scale` in `f64`, where `stage`
/// rounds [`Rounding::Float`] and the channel's multiplier is within 2^-23 of that factor (as
/// the constructors make it): there [`round_scaled`], so the stage's rescale, is `round(acc ·
/// factor)` in `f64`, half away from zero, bit for bit. Zero for every other channel, which
/// keeps the stage's own arithmetic.
///
/// [`Rounding::Float`]: super::Rounding::Float
#[cfg(all(target_arch = "x86_64", nncore_avx512))]
pub(crate) const fn float_factors<const N: usize>(stage: &super::OutputStage<N>) -> [f64; N] {
    let mut out = [0.0; N];
    if !matches!(stage.rounding, super::Rounding::Float) {
        return out;
    }
    let (a, c) = (stage.input.scale as f64, stage.output.scale as f64);
    let mut o = 0;
    while o < N {
        let real = a * stage.weight_scale[o] as f64 / c;
        let (m, want) = (stage.multiplier[o], Multiplier::from_real(real));
        // `from_real` is zero for a factor that is NaN, not positive or infinite; a per-tensor
        // multiplier, from the scales' product in `f32`, is within 2^-24 of the factor.
        let apart = m.mantissa.abs_diff(want.mantissa) as u64;
        if want.mantissa != 0 && m.shift == want.shift && apart << 23 <= want.mantissa as u64 {
            out[o] = real;
        }
        o += 1;
    }
    out
}

/// `magnitude` with a sign, saturated to `i32`.
#[inline]
const fn signed(negative: bool, magnitude: u128) -> i32 {
    if negative {
        if magnitude >= 1 << 31 {
            i32::MIN
        } else {
            -(magnitude as i64) as i32
        }
    } else if magnitude > i32::MAX as u128 {
        i32::MAX
    } else {
        magnitude as i32
    }
}

/// An `f32` as `(negative, mantissa, exponent)`, `|v| = mantissa · 2^exponent`; `None` for NaN,
/// a mantissa of `u64::MAX` for an infinity.
const fn unpack(v: f32) -> Option<(bool, u64, i32)> {
    // Bit tests, not float comparisons: no software floating point without an FPU.
    let bits = v.to_bits();
    if bits & 0x7fff_ffff > 0x7f80_0000 {
        return None;
    }
    let negative = bits >> 31 == 1;
    let biased = ((bits >> 23) & 0xff) as i32;
    let fraction = (bits & 0x7f_ffff) as u64;
    Some(match biased {
        0xff => (negative, u64::MAX, 0),
        0 => (negative, fraction, -149),
        _ => (negative, fraction | 1 << 23, biased - 150),
    })
}

/// `x` rounded to `bits` significant bits, to nearest with ties to even (`sticky`: nonzero
/// bits below `x`), as `(mantissa, exponent)`.
const fn round_to_bits(x: u128, bits: u32, sticky: bool) -> (u128, i32) {
    let len = 128 - x.leading_zeros();
    if len <= bits {
        return (x, 0);
    }
    let drop = len - bits;
    let mut kept = x >> drop;
    let rest = x & ((1u128 << drop) - 1);
    let half = 1u128 << (drop - 1);
    if rest > half || (rest == half && (sticky || kept & 1 == 1)) {
        kept += 1;
    }
    if kept == 1u128 << bits {
        return (kept >> 1, drop as i32 + 1);
    }
    (kept, drop as i32)
}

/// `round(x · (a · b / c))` with every operation rounded as `f64` rounds it. Out of line: it
/// runs about once in 2^20 outputs, and inlined it would weigh on every one.
#[cold]
#[inline(never)]
const fn exact(x: i32, a: f32, b: f32, c: f32) -> i32 {
    let (Some((na, ma, ea)), Some((nb, mb, eb)), Some((nc, mc, ec))) =
        (unpack(a), unpack(b), unpack(c))
    else {
        return 0; // NaN
    };
    let negative = (x < 0) ^ na ^ nb ^ nc;
    let (num_zero, num_inf) = (ma == 0 || mb == 0, ma == u64::MAX || mb == u64::MAX);
    let (den_zero, den_inf) = (mc == 0, mc == u64::MAX);
    if (num_zero && (num_inf || den_zero)) || (num_inf && den_inf) {
        return 0; // 0 · ∞, 0 / 0, ∞ / ∞: NaN
    }
    if num_inf || den_zero {
        // An infinite factor: NaN for x = 0, else saturation.
        return if x == 0 {
            0
        } else {
            signed(negative, u128::MAX)
        };
    }
    if num_zero || den_inf || x == 0 {
        return 0;
    }
    // a · b is exact in f64 (48 bits); the quotient, normalized to 86 bits or more, rounded to 53.
    let num = (ma * mb) as u128;
    let k = num.leading_zeros() - 17;
    let scaled = num << k;
    let (q, rem) = (scaled / mc as u128, scaled % mc as u128);
    let (real, shift) = round_to_bits(q, 53, rem != 0);
    let real_exp = ea + eb - k as i32 - ec + shift;
    // The product, exact in 85 bits, rounded to 53, then to an integer half away from zero.
    let (p, shift) = round_to_bits(x.unsigned_abs() as u128 * real, 53, false);
    let e = real_exp + shift;
    if e >= 0 {
        return signed(negative, if e > 40 { u128::MAX } else { p << e });
    }
    let s = (-e) as u32;
    if s > 54 {
        return 0;
    }
    signed(negative, (p + (1 << (s - 1))) >> s)
}

#[cfg(test)]
mod tests {
    extern crate std;

    use super::*;
    use crate::quant::fixed::round_product;

    /// The interpreter's arithmetic: `real` and the product in `f64`.
    fn reference(x: i32, a: f32, b: f32, c: f32) -> i32 {
        round_product(x, a as f64 * b as f64 / c as f64)
    }

    /// Deterministic values (a linear congruential generator).
    fn lcg(state: &mut u64) -> u64 {
        *state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        *state >> 33
    }

    #[test]
    fn a_mantissa_below_its_range_gives_the_double_rescale() {
        // A mantissa below 2^30 (built by hand: a negative one, read as unsigned, once
        // overflowed `|x| · m`) takes the exact path, from the scales.
        let (a, b, c) = (0.5f32, 0.25f32, 0.125f32);
        for mantissa in [i32::MIN, -(1 << 30), -1, 0, 12_345] {
            for shift in [-40, -31, -1, 0, 1, 31] {
                let m = Multiplier { mantissa, shift };
                for x in [i32::MIN, -7, 0, 3, i32::MAX] {
                    assert_eq!(
                        round_scaled(x, m, a, b, c),
                        reference(x, a, b, c),
                        "{m:?} {x}"
                    );
                }
            }
        }
    }

    #[test]
    fn the_integer_rescale_is_the_double_one() {
        let mut s = 1;
        for _ in 0..20_000 {
            let scale = |s: &mut u64, lo: i32, hi: i32| {
                let e = lo + (lcg(s) % (hi - lo) as u64) as i32;
                (1.0 + (lcg(s) % (1 << 23)) as f32 / (1 << 23) as f32) * 2f32.powi(e)
            };
            let (a, b, c) = (
                scale(&mut s, -12, 0),
                scale(&mut s, -12, 0),
                scale(&mut s, -8, 2),
            );
            let real = a as f64 * b as f64 / c as f64;
            let m = Multiplier::from_real(real);
            let x = (lcg(&mut s) as i64 - (1 << 30)) as i32 >> (lcg(&mut s) % 24);
            assert_eq!(
                round_scaled(x, m, a, b, c),
                reference(x, a, b, c),
                "{x} {a} {b} {c}"
            );
            // The exact path on its own, as near ties take it.
            assert_eq!(exact(x, a, b, c), reference(x, a, b, c), "{x} {a} {b} {c}");
        }
    }

    #[test]
    fn ties_and_edges_follow_the_double_arithmetic() {
        // 0.375 = 0.5 · 3 / 4: products at ties round away from zero.
        let m = Multiplier::from_real(0.375);
        for x in [-17, -4, -1, 0, 1, 4, 17, 12_345, i32::MIN, i32::MAX] {
            assert_eq!(
                round_scaled(x, m, 0.5, 3.0, 4.0),
                reference(x, 0.5, 3.0, 4.0),
                "{x}"
            );
        }
        // Near-ties: a factor of 1/3 gives products a hair from a half.
        let third = Multiplier::from_real(1.0 / 3.0);
        for x in (-3000..3000).step_by(7) {
            assert_eq!(
                round_scaled(x, third, 1.0, 1.0, 3.0),
                reference(x, 1.0, 1.0, 3.0)
            );
        }
        // Large factors saturate; tiny, zero, NaN and infinite ones as in f64.
        let big = Multiplier::from_real(2e9);
        assert_eq!(round_scaled(3, big, 2e4, 1e5, 1.0), i32::MAX);
        assert_eq!(round_scaled(-3, big, 2e4, 1e5, 1.0), i32::MIN);
        let cases = [
            (1e-30, 1e-30, 1.0),
            (0.0, 1.0, 1.0),
            (f32::NAN, 1.0, 1.0),
            (1.0, 1.0, 0.0),
            (f32::INFINITY, 1.0, 1.0),
            (1.0, 1.0, f32::INFINITY),
            (0.0, 1.0, 0.0),
            (1e-45, 3e-45, 1e-40),
            (-0.5, 0.25, 2.0),
        ];
        for (a, b, c) in cases {
            let m = Multiplier::from_real(a as f64 * b as f64 / c as f64);
            for x in [-100_000, -7, -1, 0, 1, 7, 100_000] {
                let want = reference(x, a, b, c);
                assert_eq!(round_scaled(x, m, a, b, c), want, "{x} {a} {b} {c}");
            }
        }
    }
}
