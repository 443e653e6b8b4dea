//! The output stage ([`crate::quant::OutputStage::finish`]) sixteen channels at a time
//! with AVX-512, for the fixed-point roundings, bit for bit the scalar one's.
//!
//! Both roundings are one 64-bit product `x · m` rounded down after adding half of `2^t`, then
//! saturated to int32: `t = 31 − min(shift, 30)` for the single rounding; for the double one,
//! gemmlowp's high multiplication (`t = 31`) where `shift ≤ 0`, and where `0 < shift ≤ 30`
//! `⌊(x · 2^shift · m + 2^30) / 2^31⌋ = ⌊(x · m + 2^(30 − shift)) / 2^(31 − shift)⌋`, which is
//! what its 64- or 128-bit branches compute. The double rounding then divides by
//! `2^−shift` rounding half away from zero (`RoundingDivideByPOT`, in 32-bit lanes). The output
//! zero point is added to the result clamped to `±2^16` (which changes nothing once the sum is
//! clamped to int8) and the activation's range applied.

// Stable from Rust 1.89: the module builds only with `nncore_avx512`.
#![allow(clippy::incompatible_msrv)]

use core::arch::x86_64::*;

use crate::quant::{Multiplier, Rounding};

/// `out[c]` for the channels of `acc`, sixteen at a time (the last block masked), returning
/// how many: all of them, or up to the first block of sixteen with a multiplier whose rounding
/// has no vector form here (a mantissa of `i32::MIN`, gemmlowp's one saturating case; a double
/// rounding's shift above 30; a single rounding's below −32, whose 64-bit shift would reach
/// 64). `rounding` is not `Float`. The 64-bit products run on the even channels and the odd
/// ones apart (`vpmuldq`), and are joined back after the first rounding.
///
/// # Safety
/// The CPU must run AVX-512F; `multiplier` and `out` at least as long as `acc`.
#[inline]
#[target_feature(enable = "avx512f")]
pub(crate) unsafe fn finish(
    acc: &[i32],
    multiplier: &[Multiplier],
    rounding: Rounding,
    zero_point: i32,
    clamp: [i8; 2],
    out: &mut [i8],
) -> usize {
    let single = rounding == Rounding::Single;
    let (zero, one) = (_mm512_set1_epi32(0), _mm512_set1_epi32(1));
    let (thirty, thirty_one) = (_mm512_set1_epi32(30), _mm512_set1_epi32(31));
    let far = _mm512_set1_epi32(1 << 16);
    let zp = _mm512_set1_epi32(zero_point);
    let (lo, hi) = (
        _mm512_set1_epi32(clamp[0] as i32),
        _mm512_set1_epi32(clamp[1] as i32),
    );
    let (low, one64) = (_mm512_set1_epi64(0xFFFF_FFFF), _mm512_set1_epi64(1));
    let half = _mm512_set1_epi64(1 << 30);
    let (min64, max64) = (
        _mm512_set1_epi64(i32::MIN as i64),
        _mm512_set1_epi64(i32::MAX as i64),
    );
    // Channel `2j` of a pair of loads is lane `j` of the first, `2j + 1` of the second.
    let (mantissas, shifts) = (
        _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30),
        _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31),
    );
    let mut c = 0;
    while c < acc.len() {
        let n = (acc.len() - c).min(16);
        let k: __mmask16 = (!0u32 >> (32 - n)) as u16;
        // SAFETY: the `n` channels from `c` are inside `acc`, `multiplier` (`repr(C)` pairs of
        // int32) and `out`; masked lanes are neither read nor written.
        let (x, m, shift) = unsafe {
            let pairs = multiplier.as_ptr().add(c).cast::<i64>();
            let p0 = _mm512_maskz_loadu_epi64(k as u8, pairs);
            let p1 = _mm512_maskz_loadu_epi64((k >> 8) as u8, pairs.add(8));
            (
                _mm512_maskz_loadu_epi32(k, acc.as_ptr().add(c)),
                _mm512_permutex2var_epi32(p0, mantissas, p1),
                _mm512_permutex2var_epi32(p0, shifts, p1),
            )
        };
        let far_shift = if single {
            _mm512_cmplt_epi32_mask(shift, _mm512_set1_epi32(-32))
        } else {
            _mm512_cmpgt_epi32_mask(shift, thirty)
        };
        let saturating = _mm512_cmpeq_epi32_mask(m, _mm512_set1_epi32(i32::MIN));
        if (far_shift | saturating) & k != 0 {
            return c;
        }
        let (t, e) = if single {
            (
                _mm512_sub_epi32(thirty_one, _mm512_min_epi32(shift, thirty)),
                zero,
            )
        } else {
            let up = _mm512_max_epi32(shift, zero);
            let down = _mm512_min_epi32(_mm512_sub_epi32(up, shift), thirty_one);
            (_mm512_sub_epi32(thirty_one, up), down)
        };
        // ⌊(x · m + 2^(t − 1)) / 2^t⌋ saturated to int32, on even and odd channels apart.
        let round = |x: __m512i, m: __m512i, t: __m512i| {
            let nudge = _mm512_sllv_epi64(one64, _mm512_sub_epi64(t, one64));
            let sum = _mm512_add_epi64(_mm512_mul_epi32(x, m), nudge);
            _mm512_min_epi64(_mm512_max_epi64(_mm512_srav_epi64(sum, t), min64), max64)
        };
        // Where every shift is at most 0 (as usual), the double rounding's high multiplication
        // is that with `t = 31` and needs no saturation.
        let high_mul = |x: __m512i, m: __m512i| {
            _mm512_srai_epi64::<31>(_mm512_add_epi64(_mm512_mul_epi32(x, m), half))
        };
        let (x_odd, m_odd) = (_mm512_srli_epi64::<32>(x), _mm512_srli_epi64::<32>(m));
        let (even, odd) = if !single && _mm512_mask_cmpgt_epi32_mask(k, shift, zero) == 0 {
            (high_mul(x, m), high_mul(x_odd, m_odd))
        } else {
            let t_odd = _mm512_srli_epi64::<32>(t);
            (
                round(x, m, _mm512_and_si512(t, low)),
                round(x_odd, m_odd, t_odd),
            )
        };
        let high = _mm512_mask_blend_epi32(0xAAAA, even, _mm512_slli_epi64::<32>(odd));
        // RoundingDivideByPOT by 2^e (e = 0 leaves `high` as it is).
        let mask = _mm512_sub_epi32(_mm512_sllv_epi32(one, e), one);
        let remainder = _mm512_and_si512(high, mask);
        let threshold =
            _mm512_sub_epi32(_mm512_srai_epi32::<1>(mask), _mm512_srai_epi32::<31>(high));
        let up = _mm512_cmpgt_epi32_mask(remainder, threshold);
        let down = _mm512_srav_epi32(high, e);
        let scaled = _mm512_mask_add_epi32(down, up, down, one);
        let near = _mm512_min_epi32(_mm512_max_epi32(scaled, _mm512_sub_epi32(zero, far)), far);
        let y = _mm512_min_epi32(_mm512_max_epi32(_mm512_add_epi32(near, zp), lo), hi);
        // SAFETY: the `n` bytes from `c` are inside `out`.
        unsafe { _mm512_mask_cvtepi32_storeu_epi8(out.as_mut_ptr().add(c).cast(), k, y) };
        c += n;
    }
    acc.len()
}

/// gemmlowp's `MultiplyByQuantizedMultiplierSmallerThanOneExp` on eight lanes: the high
/// multiplication by `m`, then `RoundingDivideByPOT` by `2^e`, `e` in `[0, 31]`. `m` is not
/// `i32::MIN`.
#[inline]
#[target_feature(enable = "avx512f,avx512vl")]
fn below_one(x: __m256i, m: __m256i, e: __m256i) -> __m256i {
    let one = _mm256_set1_epi32(1);
    let product = _mm512_mul_epi32(_mm512_cvtepi32_epi64(x), _mm512_cvtepi32_epi64(m));
    let high = _mm512_cvtsepi64_epi32(_mm512_srai_epi64::<31>(_mm512_add_epi64(
        product,
        _mm512_set1_epi64(1 << 30),
    )));
    let mask = _mm256_sub_epi32(_mm256_sllv_epi32(one, e), one);
    let remainder = _mm256_and_si256(high, mask);
    let threshold = _mm256_sub_epi32(_mm256_srai_epi32::<1>(mask), _mm256_srai_epi32::<31>(high));
    let up = _mm256_cmpgt_epi32(remainder, threshold);
    _mm256_sub_epi32(_mm256_srav_epi32(high, e), up)
}

/// [`crate::quant::Add::add`] of the first `8 · ⌊len / 8⌋` values of `a` and `b` into `out`,
/// returning how many; none if a mantissa is `i32::MIN` (gemmlowp's one saturating case).
///
/// # Safety
/// The CPU must run AVX-512F and AVX-512VL; `b` and `out` at least as long as `a`.
#[target_feature(enable = "avx512f,avx512vl")]
pub(crate) unsafe fn add(add: &crate::quant::Add, a: &[i8], b: &[i8], out: &mut [i8]) -> usize {
    let ms = [add.a_multiplier, add.b_multiplier, add.output_multiplier];
    if ms.iter().any(|m| m.mantissa == i32::MIN) {
        return 0;
    }
    // `scale_below_one` divides by `2^−shift` for a negative shift only.
    let [ma, mb, mo] = ms.map(|m| {
        let e = (-m.shift).clamp(0, 31);
        (_mm256_set1_epi32(m.mantissa), _mm256_set1_epi32(e))
    });
    let za = _mm256_set1_epi32(add.a.zero_point as i32);
    let zb = _mm256_set1_epi32(add.b.zero_point as i32);
    let zp = _mm256_set1_epi32(add.output.zero_point as i32);
    let (lo, hi) = (
        _mm256_set1_epi32(add.clamp[0] as i32),
        _mm256_set1_epi32(add.clamp[1] as i32),
    );
    let far = _mm256_set1_epi32(1 << 16);
    let blocks = a.len() / 8;
    // SAFETY: `c + 8 <= a.len()`, and `b` is as long.
    let load = |v: &[i8], c: usize| unsafe {
        _mm256_cvtepi8_epi32(_mm_loadl_epi64(v.as_ptr().add(c).cast()))
    };
    for k in 0..blocks {
        let c = 8 * k;
        let xa = _mm256_slli_epi32::<20>(_mm256_sub_epi32(load(a, c), za));
        let xb = _mm256_slli_epi32::<20>(_mm256_sub_epi32(load(b, c), zb));
        let sum = _mm256_add_epi32(below_one(xa, ma.0, ma.1), below_one(xb, mb.0, mb.1));
        let y = below_one(sum, mo.0, mo.1);
        let near = _mm256_min_epi32(
            _mm256_max_epi32(y, _mm256_sub_epi32(_mm256_set1_epi32(0), far)),
            far,
        );
        let y = _mm256_min_epi32(_mm256_max_epi32(_mm256_add_epi32(near, zp), lo), hi);
        // SAFETY: `c + 8 <= out.len()`; eight bytes stored.
        unsafe { _mm_storel_epi64(out.as_mut_ptr().add(c).cast(), _mm256_cvtepi32_epi8(y)) };
    }
    8 * blocks
}

/// `out[c]` for every channel of `acc` with the interpreter's `double` rounding
/// ([`Rounding::Float`]), eight channels at a time: the 64-bit fast path of
/// [`crate::quant::rescale::round_scaled`] in the lanes, and its exact path, one channel at a
/// time, for the lanes it leaves (a product within the multiplier's error of a tie, about once
/// in 2^20; a mantissa or shift outside the fast path's range). Bit for bit the scalar stage.
///
/// # Safety
/// The CPU must run AVX-512F and VL; `multiplier`, `weight_scale` and `out` at least as long as
/// `acc`.
#[allow(clippy::too_many_arguments)]
#[inline]
#[target_feature(enable = "avx512f,avx512vl")]
pub(crate) unsafe fn finish_float(
    acc: &[i32],
    multiplier: &[Multiplier],
    weight_scale: &[f32],
    scales: [f32; 2],
    zero_point: i32,
    clamp: [i8; 2],
    out: &mut [i8],
) -> usize {
    use crate::quant::params::clamp_i8;
    use crate::quant::rescale::round_scaled;
    let (one, two) = (_mm512_set1_epi64(1), _mm512_set1_epi64(2));
    let (low, top) = (_mm512_set1_epi64(0xFFFF_FFFF), _mm512_set1_epi64(1 << 31));
    let (least, most) = (_mm512_set1_epi64(1 << 30), _mm512_set1_epi64(62));
    let (min64, max64) = (
        _mm512_set1_epi64(i32::MIN as i64),
        _mm512_set1_epi64(i32::MAX as i64),
    );
    let zp = _mm512_set1_epi64(zero_point as i64);
    let (lo, hi) = (
        _mm512_set1_epi64(clamp[0] as i64),
        _mm512_set1_epi64(clamp[1] as i64),
    );
    let mut c = 0;
    while c < acc.len() {
        let n = (acc.len() - c).min(8);
        let k = (0xFFu32 >> (8 - n)) as __mmask8;
        // SAFETY: the `n` channels from `c` are inside `acc` and `multiplier` (`repr(C)` pairs
        // of int32); masked lanes are not read.
        let (x, pairs) = unsafe {
            (
                _mm512_cvtepi32_epi64(_mm256_maskz_loadu_epi32(k, acc.as_ptr().add(c))),
                _mm512_maskz_loadu_epi64(k, multiplier.as_ptr().add(c).cast::<i64>()),
            )
        };
        // The mantissa as unsigned (a negative one is at least 2^31: left to the scalar path),
        // `total = 31 − shift`.
        let m = _mm512_and_si512(pairs, low);
        let total = _mm512_sub_epi64(_mm512_set1_epi64(31), _mm512_srai_epi64::<32>(pairs));
        let valid = k
            & _mm512_cmpge_epu64_mask(m, least)
            & _mm512_cmplt_epu64_mask(m, top)
            & _mm512_cmpge_epi64_mask(total, one)
            & _mm512_cmple_epi64_mask(total, most);
        // |x| · m < 2^62; the fraction below 2^total against its half, with the margin.
        let p = _mm512_mul_epu32(_mm512_abs_epi64(x), m);
        let half = _mm512_sllv_epi64(one, _mm512_sub_epi64(total, one));
        let frac = _mm512_and_si512(p, _mm512_sub_epi64(_mm512_sllv_epi64(one, total), one));
        let distance = _mm512_abs_epi64(_mm512_sub_epi64(frac, half));
        let margin = _mm512_add_epi64(_mm512_srli_epi64::<22>(p), two);
        let fast = valid & _mm512_cmpgt_epu64_mask(distance, margin);
        let magnitude = _mm512_srlv_epi64(_mm512_add_epi64(p, half), total);
        let negative = _mm512_cmplt_epi64_mask(x, _mm512_setzero_si512());
        let signed = _mm512_mask_sub_epi64(magnitude, negative, _mm512_setzero_si512(), magnitude);
        let scaled = _mm512_min_epi64(_mm512_max_epi64(signed, min64), max64);
        let y = _mm512_min_epi64(_mm512_max_epi64(_mm512_add_epi64(scaled, zp), lo), hi);
        // SAFETY: the `n` bytes from `c` are inside `out`; only the fast lanes are written.
        unsafe { _mm512_mask_cvtepi64_storeu_epi8(out.as_mut_ptr().add(c).cast(), fast, y) };
        let mut slow = k & !fast;
        while slow != 0 {
            let o = c + slow.trailing_zeros() as usize;
            let [a, b] = scales;
            let v = round_scaled(acc[o], multiplier[o], a, weight_scale[o], b);
            out[o] = clamp_i8(v.saturating_add(zero_point), clamp);
            slow &= slow - 1;
        }
        c += n;
    }
    acc.len()
}
