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
/// has no vector form here ([`finish_lanes`]). `rounding` is not `Float`.
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
    let mut c = 0;
    while c < acc.len() {
        let n = (acc.len() - c).min(16);
        let k: __mmask16 = (!0u32 >> (32 - n)) as u16;
        // SAFETY: the `n` channels from `c` are inside `acc`, `multiplier` and `out`; masked
        // lanes are neither read nor written.
        unsafe {
            let x = _mm512_maskz_loadu_epi32(k, acc.as_ptr().add(c));
            let m = multiplier.as_ptr().add(c);
            let Some(y) = finish_lanes(x, k, m, rounding, zero_point, clamp) else {
                return c;
            };
            _mm512_mask_cvtepi32_storeu_epi8(out.as_mut_ptr().add(c).cast(), k, y);
        }
        c += n;
    }
    acc.len()
}

/// The output stage of the sums `x` of up to sixteen channels (the lanes of `k`), channel `j`'s
/// multiplier `multiplier[j]`: the int8 outputs in int32 lanes, or `None` where a multiplier's
/// rounding has no vector form here (a mantissa of `i32::MIN`, gemmlowp's one saturating case;
/// a double rounding's shift above 30; a single rounding's below −32, whose 64-bit shift would
/// reach 64). `rounding` is not `Float`. The 64-bit products run on the even channels and the
/// odd ones apart (`vpmuldq`), and are joined back after the first rounding.
///
/// # Safety
/// The CPU must run AVX-512F; the lanes of `k` are channels of `multiplier`.
#[inline]
#[target_feature(enable = "avx512f")]
pub(super) unsafe fn finish_lanes(
    x: __m512i,
    k: __mmask16,
    multiplier: *const Multiplier,
    rounding: Rounding,
    zero_point: i32,
    clamp: [i8; 2],
) -> Option<__m512i> {
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
    // SAFETY: the channels of `k` are inside `multiplier` (`repr(C)` pairs of int32); masked
    // lanes are not read.
    let (m, shift) = unsafe {
        let pairs = multiplier.cast::<i64>();
        let p0 = _mm512_maskz_loadu_epi64(k as u8, pairs);
        let p1 = _mm512_maskz_loadu_epi64((k >> 8) as u8, pairs.add(8));
        (
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
        return None;
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
    let threshold = _mm512_sub_epi32(_mm512_srai_epi32::<1>(mask), _mm512_srai_epi32::<31>(high));
    let up = _mm512_cmpgt_epi32_mask(remainder, threshold);
    let down = _mm512_srav_epi32(high, e);
    let scaled = _mm512_mask_add_epi32(down, up, down, one);
    let near = _mm512_min_epi32(_mm512_max_epi32(scaled, _mm512_sub_epi32(zero, far)), far);
    let y = _mm512_min_epi32(_mm512_max_epi32(_mm512_add_epi32(near, zp), lo), hi);
    Some(y)
}

/// gemmlowp's `MultiplyByQuantizedMultiplierSmallerThanOneExp` by one multiplier, on sixteen
/// lanes: the high multiplication by the mantissa, then `RoundingDivideByPOT` by `2^e`, folded
/// into one rounding of the 64-bit product `p` (as in `kernel/prepared.rs`):
/// `⌊(p + 2^30 + 2^(30+e) − [p < 0] · 2^31) / 2^(31+e)⌋` for `e > 0`, `⌊(p + 2^30) / 2^31⌋` for
/// `e = 0`. Exact for `|x| < 2^30` and a mantissa other than `i32::MIN`, whose results fit
/// int32.
#[derive(Clone, Copy)]
pub(super) struct BelowOne {
    /// The mantissa in each 64-bit lane.
    mantissa: __m512i,
    /// `2^30 + 2^(30+e)` (`2^30` for `e = 0`).
    nudge: __m512i,
    /// `2^31` where `e > 0`, else 0: taken off negative products.
    negative: __m512i,
    /// `31 + e`.
    shift: __m128i,
}

impl BelowOne {
    #[inline]
    #[target_feature(enable = "avx512f")]
    pub(super) fn new(m: crate::quant::Multiplier) -> Self {
        // `scale_below_one` divides by `2^−shift` for a negative shift only.
        let e = (-m.shift).clamp(0, 31) as i64;
        BelowOne {
            mantissa: _mm512_set1_epi64(m.mantissa as i64),
            nudge: _mm512_set1_epi64((1 << 30) + if e > 0 { 1 << (30 + e) } else { 0 }),
            negative: _mm512_set1_epi64(if e > 0 { 1 << 31 } else { 0 }),
            shift: _mm_set_epi64x(0, 31 + e),
        }
    }

    /// The sixteen lanes of `x` scaled; without `SIGNED`, a negative product's result is left
    /// uncorrected: at most 0 either way (the nudge is below `2^(31+e)`), for a caller that
    /// clamps every result at most 0 alike.
    #[inline]
    #[target_feature(enable = "avx512f")]
    pub(super) fn scale<const SIGNED: bool>(&self, x: __m512i) -> __m512i {
        // The even lanes' products, then the odd ones' (`vpmuldq` reads the low half of each
        // 64-bit lane), each rounded in 64 bits.
        let half = |x: __m512i| {
            let p = _mm512_mul_epi32(x, self.mantissa);
            let sum = _mm512_add_epi64(p, self.nudge);
            if !SIGNED {
                return _mm512_sra_epi64(sum, self.shift);
            }
            let below = _mm512_cmplt_epi64_mask(p, _mm512_setzero_si512());
            _mm512_sra_epi64(
                _mm512_mask_sub_epi64(sum, below, sum, self.negative),
                self.shift,
            )
        };
        let (even, odd) = (half(x), half(_mm512_srli_epi64::<32>(x)));
        _mm512_mask_blend_epi32(0xAAAA, even, _mm512_slli_epi64::<32>(odd))
    }
}

/// [`crate::quant::Add::add`] of the first `16 · ⌊len / 16⌋` values of `a` and `b` into `out`,
/// returning how many; none if a mantissa is `i32::MIN` (gemmlowp's one saturating case).
/// The offset inputs shifted by 20 are within `±2^28`, the scaled ones and their sum within
/// `±2^30`. Where the lower clamp is at or above the output zero point (a fused ReLU), the
/// sum's rounding leaves out the correction of negative products, whose results clamp alike.
///
/// # Safety
/// The CPU must run AVX-512F and AVX-512VL; `b` and `out` at least as long as `a`.
#[target_feature(enable = "avx512f,avx512vl")]
pub(crate) unsafe fn add(add: &crate::quant::Add, a: &[i8], b: &[i8], out: &mut [i8]) -> usize {
    let ms = [add.a_multiplier, add.b_multiplier, add.output_multiplier];
    if ms.iter().any(|m| m.mantissa == i32::MIN) {
        return 0;
    }
    // SAFETY: the caller's.
    unsafe {
        match i32::from(add.clamp[0]) < i32::from(add.output.zero_point) {
            true => add_with::<true>(add, a, b, out),
            false => add_with::<false>(add, a, b, out),
        }
    }
}

/// [`add`], the sum's rounding corrected for negative products where `SIGNED`.
///
/// # Safety
/// As [`add`]; no mantissa is `i32::MIN`.
#[inline]
#[target_feature(enable = "avx512f,avx512vl")]
unsafe fn add_with<const SIGNED: bool>(
    add: &crate::quant::Add,
    a: &[i8],
    b: &[i8],
    out: &mut [i8],
) -> usize {
    let ms = [add.a_multiplier, add.b_multiplier, add.output_multiplier];
    let [ma, mb, mo] = ms.map(|m| BelowOne::new(m));
    let za = _mm512_set1_epi32(add.a.zero_point as i32);
    let zb = _mm512_set1_epi32(add.b.zero_point as i32);
    let zp = _mm512_set1_epi32(add.output.zero_point as i32);
    let (lo, hi) = (
        _mm512_set1_epi32(add.clamp[0] as i32),
        _mm512_set1_epi32(add.clamp[1] as i32),
    );
    let far = _mm512_set1_epi32(1 << 16);
    // Sixty-four at a time by tables where the CPU has VBMI, the rest sixteen at a time.
    let done = match super::avx512_vbmi_available() {
        // SAFETY: the CPU runs AVX-512F, BW and VBMI; the lengths are the caller's.
        true => unsafe {
            super::add_table::add_by_tables::<SIGNED>(add, [&ma, &mb, &mo], a, b, out)
        },
        false => 0,
    };
    let blocks = a.len() / 16;
    // SAFETY: `c + 16 <= a.len()`, and `b` is as long.
    let load = |v: &[i8], c: usize| unsafe {
        _mm512_cvtepi8_epi32(_mm_loadu_si128(v.as_ptr().add(c).cast()))
    };
    for k in done / 16..blocks {
        let c = 16 * k;
        let xa = _mm512_slli_epi32::<20>(_mm512_sub_epi32(load(a, c), za));
        let xb = _mm512_slli_epi32::<20>(_mm512_sub_epi32(load(b, c), zb));
        let sum = _mm512_add_epi32(ma.scale::<true>(xa), mb.scale::<true>(xb));
        let y = mo.scale::<SIGNED>(sum);
        let near = _mm512_min_epi32(
            _mm512_max_epi32(y, _mm512_sub_epi32(_mm512_setzero_si512(), far)),
            far,
        );
        let y = _mm512_min_epi32(_mm512_max_epi32(_mm512_add_epi32(near, zp), lo), hi);
        // SAFETY: `c + 16 <= out.len()`; sixteen bytes stored.
        unsafe { _mm_storeu_si128(out.as_mut_ptr().add(c).cast(), _mm512_cvtepi32_epi8(y)) };
    }
    16 * blocks
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
    let mut c = 0;
    while c < acc.len() {
        let n = (acc.len() - c).min(8);
        let k = (0xFFu32 >> (8 - n)) as __mmask8;
        // SAFETY: the `n` channels from `c` are inside `acc`, `multiplier` and `out`; masked
        // lanes are not read, and only the fast lanes written.
        let fast = unsafe {
            let x = _mm512_cvtepi32_epi64(_mm256_maskz_loadu_epi32(k, acc.as_ptr().add(c)));
            let m = multiplier.as_ptr().add(c);
            let (y, fast) = finish_float_lanes(x, k, m, zero_point, clamp);
            _mm512_mask_cvtepi64_storeu_epi8(out.as_mut_ptr().add(c).cast(), fast, y);
            fast
        };
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

/// The interpreter's `double` rounding ([`Rounding::Float`]) of the sums `x` of up to eight
/// channels (the lanes of `k`, one a 64-bit lane), channel `j`'s multiplier `multiplier[j]`:
/// the int8 outputs in 64-bit lanes and the lanes they are right in, the fast path of
/// [`crate::quant::rescale::round_scaled`]; the others are left to its exact path.
///
/// # Safety
/// The CPU must run AVX-512F and VL; the lanes of `k` are channels of `multiplier`.
#[inline]
#[target_feature(enable = "avx512f,avx512vl")]
pub(super) unsafe fn finish_float_lanes(
    x: __m512i,
    k: __mmask8,
    multiplier: *const Multiplier,
    zero_point: i32,
    clamp: [i8; 2],
) -> (__m512i, __mmask8) {
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
    // SAFETY: the channels of `k` are inside `multiplier` (`repr(C)` pairs of int32); masked
    // lanes are not read.
    let pairs = unsafe { _mm512_maskz_loadu_epi64(k, multiplier.cast::<i64>()) };
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
    (y, fast)
}
