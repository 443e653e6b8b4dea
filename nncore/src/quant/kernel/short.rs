//! TensorFlow Lite Micro's output stage (`Rounding::Double`) in six instructions on the DSP
//! extension, for the channels most models have: a right shift of 1 to 20 and a mantissa of at
//! least `2^30` (what [`crate::quant::Multiplier::from_real`] gives every factor in `[2^-21,
//! 1/2)`).
//!
//! - `QADD` doubles the accumulator, saturating, and `SMMULR` rounds the high half of its product
//!   with the mantissa: `⌊(2 · acc · m + 2^31) / 2^32⌋`, gemmlowp's high multiplication (whose one
//!   saturating case needs a negative mantissa). Where the doubling saturates (`|acc| ≥ 2^30`),
//!   the exact product and this one are both at least `2^29` in magnitude, of the accumulator's
//!   sign; divided by at most `2^20` and with the zero point added, both are beyond int8's range
//!   and narrow to the same end.
//! - The division by `2^e`, ties away from zero: `x − 1` for a negative `x` (`x > i32::MIN`
//!   here), then `ASRS` by `e`, whose carry is the last bit shifted out (bit `e − 1`), added with
//!   the zero point by `ADC` (`|x| < 2^30` after the shift: no overflow).
//! - `SSAT` narrows to int8; the activation's clamp follows where it is narrower.
//!
//! On the host, a model of the same instructions, which the tests hold against
//! [`crate::quant::OutputStage::finish`].

use crate::quant::Multiplier;

/// One channel's short output stage.
#[derive(Clone, Copy)]
pub(crate) struct ShortStage {
    mantissa: i32,
    exponent: u32,
    zero_point: i32,
}

impl ShortStage {
    /// The stage of a channel whose multiplier is `m`, if it is short; `None` otherwise.
    #[inline(always)]
    pub(crate) fn new(m: Multiplier, zero_point: i32) -> Option<Self> {
        let fits = (-20..=-1).contains(&m.shift) && m.mantissa >= 1 << 30;
        fits.then_some(ShortStage {
            mantissa: m.mantissa,
            exponent: m.shift.unsigned_abs(),
            zero_point,
        })
    }

    /// The stage of a channel whose multiplier `m` [`ShortStage::new`] takes.
    #[inline(always)]
    pub(crate) fn unchecked(m: Multiplier, zero_point: i32) -> Self {
        ShortStage {
            mantissa: m.mantissa,
            exponent: m.shift.wrapping_neg() as u32,
            zero_point,
        }
    }

    /// The outputs for four accumulators (the activation's clamp the full int8 range) into
    /// `out[0]`, `out[STRIDE]`, `out[2 · STRIDE]` and `out[3 · STRIDE]`.
    ///
    /// # Panics
    /// If `out` is not longer than `3 · STRIDE`.
    #[inline(always)]
    pub(crate) fn store_four<const STRIDE: usize>(&self, acc: [i32; 4], out: &mut [i8]) {
        #[cfg(nn_arm_dsp)]
        {
            assert!(out.len() > 3 * STRIDE);
            let [mut a0, mut a1, mut a2, mut a3] = acc;
            macro_rules! one {
                ($a:literal, $at:literal) => {
                    concat!(
                        "qadd {",
                        $a,
                        "}, {",
                        $a,
                        "}, {",
                        $a,
                        "}\n",
                        "smmulr {",
                        $a,
                        "}, {",
                        $a,
                        "}, {m}\n",
                        "add {",
                        $a,
                        "}, {",
                        $a,
                        "}, {",
                        $a,
                        "}, asr #31\n",
                        "asrs {",
                        $a,
                        "}, {",
                        $a,
                        "}, {e}\n",
                        "adc {",
                        $a,
                        "}, {",
                        $a,
                        "}, {z}\n",
                        "ssat {",
                        $a,
                        "}, #8, {",
                        $a,
                        "}\n",
                        "strb {",
                        $a,
                        "}, [{out}, #",
                        $at,
                        "]\n",
                    )
                };
            }
            // SAFETY: the four stores are in `out`, checked above.
            unsafe {
                core::arch::asm!(
                    one!("a0", "0"),
                    one!("a1", "{s1}"),
                    one!("a2", "{s2}"),
                    one!("a3", "{s3}"),
                    a0 = inout(reg) a0,
                    a1 = inout(reg) a1,
                    a2 = inout(reg) a2,
                    a3 = inout(reg) a3,
                    m = in(reg) self.mantissa,
                    e = in(reg) self.exponent,
                    z = in(reg) self.zero_point,
                    out = in(reg) out.as_mut_ptr(),
                    s1 = const STRIDE,
                    s2 = const 2 * STRIDE,
                    s3 = const 3 * STRIDE,
                    options(nostack),
                );
            }
            let _ = (a0, a1, a2, a3);
        }
        #[cfg(not(nn_arm_dsp))]
        for (p, &a) in acc.iter().enumerate() {
            out[p * STRIDE] = self.finish(a) as i8;
        }
    }

    /// The output for the accumulator `acc` narrowed to int8, before the activation's clamp.
    #[inline(always)]
    pub(crate) fn finish(&self, acc: i32) -> i32 {
        #[cfg(nn_arm_dsp)]
        {
            let q: i32;
            // SAFETY: register arithmetic only.
            unsafe {
                core::arch::asm!(
                    "qadd {x}, {x}, {x}",
                    "smmulr {x}, {x}, {m}",
                    "add {x}, {x}, {x}, asr #31",
                    "asrs {x}, {x}, {e}",
                    "adc {x}, {x}, {z}",
                    "ssat {x}, #8, {x}",
                    x = inout(reg) acc => q,
                    m = in(reg) self.mantissa,
                    e = in(reg) self.exponent,
                    z = in(reg) self.zero_point,
                    options(pure, nomem, nostack),
                );
            }
            q
        }
        #[cfg(not(nn_arm_dsp))]
        {
            let x = acc.saturating_mul(2);
            let x = ((x as i64 * self.mantissa as i64 + (1 << 31)) >> 32) as i32;
            let x = x + (x >> 31);
            let carry = (x >> (self.exponent - 1)) & 1;
            ((x >> self.exponent) + self.zero_point + carry).clamp(-128, 127)
        }
    }
}

#[cfg(all(test, feature = "alloc"))]
mod tests {
    use super::*;
    use crate::quant::{OutputStage, QuantParams, Rounding};
    use alloc::vec;

    /// Every short multiplier's stage gives `OutputStage::finish`'s bits, on the extremes, on
    /// ties and around them, and on random accumulators; other multipliers are not short.
    #[test]
    fn short_stage_is_the_double_rounding() {
        let mut bits = 0x2545_f491u32;
        let mut next = move || {
            bits ^= bits << 13;
            bits ^= bits >> 17;
            bits ^= bits << 5;
            bits
        };
        let mantissas = [
            1 << 30,
            (1 << 30) + 1,
            1_518_500_250,
            i32::MAX - 1,
            i32::MAX,
        ];
        for shift in -20..=-1 {
            for &mantissa in &mantissas {
                for (zero_point, clamp) in [(-128, [-128, 127]), (5, [5, 127]), (127, [-20, 100])] {
                    let m = Multiplier { mantissa, shift };
                    let stage = OutputStage {
                        input: QuantParams::new(1.0, 0),
                        output: QuantParams::new(1.0, zero_point as i8),
                        weight_scale: [1.0],
                        multiplier: [m],
                        clamp,
                        rounding: Rounding::Double,
                    };
                    let short = ShortStage::new(m, zero_point).expect("a short multiplier");
                    let e = -shift;
                    let mut accs = vec![i32::MIN, i32::MIN + 1, i32::MAX, 0, 1, -1];
                    for k in [-(1 << 30), 1 << 30, (1 << 30) - 1, -(1 << 30) - 1] {
                        accs.push(k);
                    }
                    for _ in 0..300 {
                        let r = next() as i32;
                        accs.push(r);
                        accs.push(r >> (next() % 31));
                        // Near a tie of the division: the high product near k · 2^e + 2^(e−1).
                        let k = (next() as i32 >> 20) as i64;
                        let target = (k << e) + (1 << (e - 1));
                        let acc = ((target << 31) / mantissa as i64) as i32;
                        for d in -2..=2 {
                            accs.push(acc.wrapping_add(d));
                        }
                    }
                    for &acc in &accs {
                        let want = stage.finish(0, acc);
                        let got = short.finish(acc).clamp(clamp[0] as i32, clamp[1] as i32);
                        assert_eq!(got, want as i32, "{m:?} {zero_point} {acc}");
                    }
                    let four = [accs[0], accs[3], accs[7], accs[9]];
                    let mut out = [0i8; 10];
                    ShortStage::unchecked(m, zero_point).store_four::<3>(four, &mut out);
                    for (k, &acc) in four.iter().enumerate() {
                        assert_eq!(out[3 * k], short.finish(acc) as i8);
                    }
                }
            }
        }
        let not_short = [
            (1 << 30, 0),
            (1 << 30, -21),
            ((1 << 30) - 1, -5),
            (1 << 30, 1),
        ];
        for (mantissa, shift) in not_short {
            assert!(ShortStage::new(Multiplier { mantissa, shift }, 0).is_none());
        }
    }
}
