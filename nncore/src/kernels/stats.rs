//! BatchNorm's per-channel sums on AVX-512 ([`super::plane_sums`], [`super::plane_grads`]):
//! the channels in the lanes, eight a vector, each lane taking its plane's values one position
//! after another: eight positions of eight planes loaded and transposed at a time, the last
//! positions gathered. Every channel's sum is the same chain of additions it is in plain
//! code, in the same precision (each `f32` widened exactly to `f64` before an `f64` sum, the
//! gradients' products rounded before they are added), so the bits are those of every other
//! instruction set; the lanes only run sixteen chains side by side.

use core::arch::x86_64::{
    __m256, __m256i, __m512d, _CMP_GT_OQ, _mm256_add_ps, _mm256_and_ps, _mm256_cmp_ps,
    _mm256_i32gather_ps, _mm256_loadu_ps, _mm256_mul_ps, _mm256_mullo_epi32, _mm256_set1_epi32,
    _mm256_setr_epi32, _mm256_setzero_ps, _mm256_storeu_ps, _mm256_sub_ps, _mm512_add_pd,
    _mm512_cvtps_pd, _mm512_loadu_pd, _mm512_storeu_pd,
};

use super::rows8::block;

/// The offsets of eight planes of `p` floats, in floats.
#[inline(always)]
unsafe fn planes(p: usize) -> __m256i {
    // SAFETY: AVX2 is present (the callers').
    unsafe {
        let lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
        _mm256_mullo_epi32(lanes, _mm256_set1_epi32(p as i32))
    }
}

/// Value `i` of the eight planes from `base`.
#[inline(always)]
unsafe fn gather(base: *const f32, offsets: __m256i, i: usize) -> __m256 {
    // SAFETY: the caller's: eight planes of more than `i` floats from `base`.
    unsafe { _mm256_i32gather_ps::<4>(base.add(i), offsets) }
}

/// `acc[c] += v` in `f64` for the values `v` of plane `c` in order (`(v − mean[c])²`, rounded
/// in `f32`, if `SQUARES`), for the channels of whole vectors of eight: how many.
///
/// # Safety
/// The CPU has AVX-512F and AVX2; `values` holds `acc.len()` planes of `p` floats, `p` below
/// 2^28, and `mean` as many floats if `SQUARES`.
#[target_feature(enable = "avx512f,avx2,fma")]
pub(super) unsafe fn sums<const SQUARES: bool>(
    values: &[f32],
    p: usize,
    mean: &[f32],
    acc: &mut [f64],
) -> usize {
    let (done, whole) = (acc.len() / 8 * 8, p / 8 * 8);
    // SAFETY: every gather and block reads eight planes of `p` floats inside `values`.
    unsafe {
        let offsets = planes(p);
        let term = |v: __m256, m: __m256| -> __m512d {
            if SQUARES {
                let d = _mm256_sub_ps(v, m);
                _mm512_cvtps_pd(_mm256_mul_ps(d, d))
            } else {
                _mm512_cvtps_pd(v)
            }
        };
        let mean_of = |c: usize| {
            if SQUARES {
                _mm256_loadu_ps(mean.as_ptr().add(c))
            } else {
                _mm256_setzero_ps()
            }
        };
        let mut c = 0;
        // Two vectors of channels at a time: two chains in flight.
        while c + 16 <= done {
            let (b0, b1) = (values.as_ptr().add(c * p), values.as_ptr().add((c + 8) * p));
            let (m0, m1) = (mean_of(c), mean_of(c + 8));
            let mut a0 = _mm512_loadu_pd(acc.as_ptr().add(c));
            let mut a1 = _mm512_loadu_pd(acc.as_ptr().add(c + 8));
            for i in (0..whole).step_by(8) {
                let (v0, v1) = (block(b0, p, i), block(b1, p, i));
                for j in 0..8 {
                    a0 = _mm512_add_pd(a0, term(v0[j], m0));
                    a1 = _mm512_add_pd(a1, term(v1[j], m1));
                }
            }
            for i in whole..p {
                a0 = _mm512_add_pd(a0, term(gather(b0, offsets, i), m0));
                a1 = _mm512_add_pd(a1, term(gather(b1, offsets, i), m1));
            }
            _mm512_storeu_pd(acc.as_mut_ptr().add(c), a0);
            _mm512_storeu_pd(acc.as_mut_ptr().add(c + 8), a1);
            c += 16;
        }
        if c < done {
            let (b, m) = (values.as_ptr().add(c * p), mean_of(c));
            let mut a = _mm512_loadu_pd(acc.as_ptr().add(c));
            for i in (0..whole).step_by(8) {
                for v in block(b, p, i) {
                    a = _mm512_add_pd(a, term(v, m));
                }
            }
            for i in whole..p {
                a = _mm512_add_pd(a, term(gather(b, offsets, i), m));
            }
            _mm512_storeu_pd(acc.as_mut_ptr().add(c), a);
        }
    }
    done
}

/// `s[c] = Σ dy` and `d[c] = Σ (x − mean[c])·dy` over plane `c` in order, from zero, in `f32`
/// (each product rounded, then added), for the channels of whole vectors of eight: how many.
/// If `MASK`, each `dy` is 0 where `x·alpha[c] + beta[c]` (rounded after each operation, as in
/// plain code) is not above 0: the ReLU folded into BatchNorm's forward.
///
/// # Safety
/// The CPU has AVX-512F and AVX2; `x` and `dy` hold `s.len()` planes of `p` floats, `p`
/// below 2^28, and `mean`, `s` and `d` as many floats, and `alpha` and `beta` if `MASK`.
#[target_feature(enable = "avx512f,avx2,fma")]
pub(super) unsafe fn grads<const MASK: bool>(
    (x, dy): (&[f32], &[f32]),
    p: usize,
    mean: &[f32],
    (alpha, beta): (&[f32], &[f32]),
    (s, d): (&mut [f32], &mut [f32]),
) -> usize {
    let (done, whole) = (s.len() / 8 * 8, p / 8 * 8);
    // SAFETY: every gather and block reads eight planes of `p` floats inside `x` and `dy`,
    // every load eight floats inside `mean`, `alpha` and `beta`.
    unsafe {
        let offsets = planes(p);
        for c in (0..done).step_by(8) {
            let (bx, bg) = (x.as_ptr().add(c * p), dy.as_ptr().add(c * p));
            let m = _mm256_loadu_ps(mean.as_ptr().add(c));
            let (a, b) = if MASK {
                (
                    _mm256_loadu_ps(alpha.as_ptr().add(c)),
                    _mm256_loadu_ps(beta.as_ptr().add(c)),
                )
            } else {
                (_mm256_setzero_ps(), _mm256_setzero_ps())
            };
            let (mut sv, mut dv) = (_mm256_setzero_ps(), _mm256_setzero_ps());
            let mut add = |xv: __m256, mut g: __m256| {
                if MASK {
                    let z = _mm256_add_ps(_mm256_mul_ps(xv, a), b);
                    let keep = _mm256_cmp_ps::<_CMP_GT_OQ>(z, _mm256_setzero_ps());
                    g = _mm256_and_ps(g, keep);
                }
                sv = _mm256_add_ps(sv, g);
                let t = _mm256_mul_ps(_mm256_sub_ps(xv, m), g);
                dv = _mm256_add_ps(dv, t);
            };
            for i in (0..whole).step_by(8) {
                let (xs, gs) = (block(bx, p, i), block(bg, p, i));
                for j in 0..8 {
                    add(xs[j], gs[j]);
                }
            }
            for i in whole..p {
                add(gather(bx, offsets, i), gather(bg, offsets, i));
            }
            _mm256_storeu_ps(s.as_mut_ptr().add(c), sv);
            _mm256_storeu_ps(d.as_mut_ptr().add(c), dv);
        }
    }
    done
}
