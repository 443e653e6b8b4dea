//! The output stage ([`crate::quant::OutputStage::finish`]) eight channels at a time with
//! AVX-512 (F and VL), for the fixed-point roundings, bit for bit the scalar one's.
//!
//! Both roundings are one 64-bit product `x · m` rounded down after adding half of `2^t`, then
//! saturated to int32: `t = 31 − min(shift, 30)` for the single rounding; for the double one,
//! gemmlowp's high multiplication (`t = 31`) where `shift ≤ 0`, and where `0 < shift ≤ 30`
//! `⌊(x · 2^shift · m + 2^30) / 2^31⌋ = ⌊(x · m + 2^(30 − shift)) / 2^(31 − shift)⌋`, which is
//! what its 64- or 128-bit branches compute. The double rounding then divides by
//! `2^−shift` rounding half away from zero (`RoundingDivideByPOT`, in 32-bit lanes). The output
//! zero point is added to the result clamped to `±2^16` (which changes nothing once the sum is
//! clamped to int8) and the activation's range applied.

use core::arch::x86_64::{
    _mm_storel_epi64, _mm256_add_epi32, _mm256_and_si256, _mm256_cmpgt_epi32, _mm256_cvtepi32_epi8,
    _mm256_loadu_si256, _mm256_max_epi32, _mm256_min_epi32, _mm256_set1_epi32, _mm256_sllv_epi32,
    _mm256_srai_epi32, _mm256_srav_epi32, _mm256_sub_epi32, _mm512_add_epi64,
    _mm512_cvtepi32_epi64, _mm512_cvtsepi64_epi32, _mm512_mul_epi32, _mm512_set1_epi64,
    _mm512_sllv_epi64, _mm512_srav_epi64,
};

use crate::quant::{Multiplier, Rounding};

/// Whether every multiplier's rounding has the vector form: not the `f64` one, no mantissa of
/// `i32::MIN` (gemmlowp's one saturating case), a double rounding's shift at most 30 and a
/// single rounding's at least −32 (its 64-bit shift under 64).
#[must_use]
pub(crate) fn fits(multiplier: &[Multiplier], rounding: Rounding) -> bool {
    let ok = |m: &Multiplier, shifts: core::ops::RangeInclusive<i32>| {
        m.mantissa != i32::MIN && shifts.contains(&m.shift)
    };
    match rounding {
        Rounding::Float => false,
        Rounding::Double => multiplier.iter().all(|m| ok(m, i32::MIN..=30)),
        Rounding::Single => multiplier.iter().all(|m| ok(m, -32..=i32::MAX)),
    }
}

/// The per-channel constants of [`finish`]: the mantissa, the 64-bit shift `t` and the
/// power of two `e` to divide by after it (0 for the single rounding). The multipliers must
/// pass [`fits`] with `rounding`.
#[must_use]
pub(crate) fn lanes(m: &Multiplier, rounding: Rounding) -> [i32; 3] {
    if rounding == Rounding::Single {
        [m.mantissa, 31 - m.shift.min(30), 0]
    } else {
        let up = m.shift.max(0);
        [m.mantissa, 31 - up, (up - m.shift).min(31)]
    }
}

/// `out[c]` for the first `8 · ⌊len / 8⌋` channels of `acc`, returning how many, from the
/// channels' [`lanes`].
///
/// # Safety
/// The CPU must run AVX-512F and AVX-512VL; `m`, `t`, `e` and `out` at least as long as `acc`.
#[target_feature(enable = "avx512f,avx512vl")]
pub(crate) unsafe fn finish(
    acc: &[i32],
    [m, t, e]: [&[i32]; 3],
    zero_point: i32,
    clamp: [i8; 2],
    out: &mut [i8],
) -> usize {
    let (zero, one) = (_mm256_set1_epi32(0), _mm256_set1_epi32(1));
    let (far, zp) = (_mm256_set1_epi32(1 << 16), _mm256_set1_epi32(zero_point));
    let (lo, hi) = (
        _mm256_set1_epi32(clamp[0] as i32),
        _mm256_set1_epi32(clamp[1] as i32),
    );
    let blocks = acc.len() / 8;
    // SAFETY: `c + 8 <= acc.len()`, and the others are as long.
    let load = |v: &[i32], c: usize| unsafe { _mm256_loadu_si256(v.as_ptr().add(c).cast()) };
    for b in 0..blocks {
        let c = 8 * b;
        let (x, m, t, e) = (load(acc, c), load(m, c), load(t, c), load(e, c));
        let nudge = _mm512_sllv_epi64(
            _mm512_set1_epi64(1),
            _mm512_cvtepi32_epi64(_mm256_sub_epi32(t, one)),
        );
        let product = _mm512_mul_epi32(_mm512_cvtepi32_epi64(x), _mm512_cvtepi32_epi64(m));
        let sum = _mm512_add_epi64(product, nudge);
        let high = _mm512_cvtsepi64_epi32(_mm512_srav_epi64(sum, _mm512_cvtepi32_epi64(t)));
        // RoundingDivideByPOT by 2^e (e = 0 leaves `high` as it is).
        let mask = _mm256_sub_epi32(_mm256_sllv_epi32(one, e), one);
        let remainder = _mm256_and_si256(high, mask);
        let threshold =
            _mm256_sub_epi32(_mm256_srai_epi32::<1>(mask), _mm256_srai_epi32::<31>(high));
        let up = _mm256_cmpgt_epi32(remainder, threshold);
        let scaled = _mm256_sub_epi32(_mm256_srav_epi32(high, e), up);
        let near = _mm256_min_epi32(_mm256_max_epi32(scaled, _mm256_sub_epi32(zero, far)), far);
        let y = _mm256_min_epi32(_mm256_max_epi32(_mm256_add_epi32(near, zp), lo), hi);
        // SAFETY: `c + 8 <= out.len()`; eight bytes stored.
        unsafe { _mm_storel_epi64(out.as_mut_ptr().add(c).cast(), _mm256_cvtepi32_epi8(y)) };
    }
    8 * blocks
}
