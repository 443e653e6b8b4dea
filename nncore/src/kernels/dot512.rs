//! The forward on AVX-512: a register holds the eight partial sums of two samples, one in each
//! half, so that each weight row, loaded once into both halves, serves two samples a step. The
//! lanes compute what `Avx2`'s do, in the same order: the same bits.

use core::arch::x86_64::{
    __m256, __m512, _mm256_castpd_ps, _mm256_castps_pd, _mm256_loadu_ps, _mm256_loadu_si256,
    _mm256_maskload_ps, _mm256_setzero_ps, _mm512_add_ps, _mm512_broadcast_f64x4, _mm512_castpd_ps,
    _mm512_castps_pd, _mm512_castps256_ps512, _mm512_castps512_ps256, _mm512_extractf64x4_pd,
    _mm512_fmadd_ps, _mm512_insertf64x4, _mm512_mul_ps, _mm512_setzero_ps,
};

use super::dot::{self, FORWARD_BLOCK_BYTES, forward_rows};
use super::lanes::{Avx2, Avx512, LANES, sum4};
use super::panels;
use super::{FUSED, Product};

/// Weight rows per tile.
const MR: usize = 4;
/// Sample pairs per tile.
const NP: usize = 4;

/// Masks for the partial loads: `MASKS[8 - n..]` selects the first `n` lanes.
static MASKS: [i32; 16] = [-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0];

/// `a` in the low half and `b` in the high half.
#[inline(always)]
unsafe fn halves(a: __m256, b: __m256) -> __m512 {
    // SAFETY: AVX-512F is present (see `forward`).
    unsafe {
        _mm512_castpd_ps(_mm512_insertf64x4::<1>(
            _mm512_castps_pd(_mm512_castps256_ps512(a)),
            _mm256_castps_pd(b),
        ))
    }
}

/// Eight floats from `p` (`n` of them, the rest zero, if `n < 8`).
#[inline(always)]
unsafe fn load8(p: *const f32, n: usize) -> __m256 {
    // SAFETY: the caller guarantees `n.min(8)` readable floats at `p`; AVX2 is present.
    unsafe {
        if n >= LANES {
            _mm256_loadu_ps(p)
        } else {
            let mask = _mm256_loadu_si256(MASKS.as_ptr().add(LANES - n).cast());
            _mm256_maskload_ps(p, mask)
        }
    }
}

/// `MR` rows of `w` dotted with `2 · NP` samples of `x`, in the lane order of `Sum8`.
///
/// # Safety
/// `w` has `MR` rows and `x` `2 · NP` rows of `k` readable floats, each `k` apart.
#[inline(always)]
unsafe fn pair_tile(w: *const f32, x: *const f32, k: usize) -> [[[f32; MR]; 2]; NP] {
    // SAFETY: AVX-512F, AVX2 and FMA are present; the reads stay in the rows vouched for.
    unsafe {
        let mut acc = [[_mm512_setzero_ps(); NP]; MR];
        let mut c = 0;
        while c < k {
            let n = k - c;
            let mut xs = [_mm512_setzero_ps(); NP];
            let mut wv = [_mm512_setzero_ps(); MR];
            if n >= LANES {
                for (s, xv) in xs.iter_mut().enumerate() {
                    let row = x.add(2 * s * k + c);
                    *xv = halves(_mm256_loadu_ps(row), _mm256_loadu_ps(row.add(k)));
                }
                for (r, wv) in wv.iter_mut().enumerate() {
                    let row = _mm256_castps_pd(_mm256_loadu_ps(w.add(r * k + c)));
                    *wv = _mm512_castpd_ps(_mm512_broadcast_f64x4(row));
                }
            } else {
                for (s, xv) in xs.iter_mut().enumerate() {
                    let row = x.add(2 * s * k + c);
                    *xv = halves(load8(row, n), load8(row.add(k), n));
                }
                for (r, wv) in wv.iter_mut().enumerate() {
                    let row = _mm256_castps_pd(load8(w.add(r * k + c), n));
                    *wv = _mm512_castpd_ps(_mm512_broadcast_f64x4(row));
                }
            }
            for (acc, &wv) in acc.iter_mut().zip(&wv) {
                for (a, &xv) in acc.iter_mut().zip(&xs) {
                    *a = if FUSED {
                        _mm512_fmadd_ps(wv, xv, *a)
                    } else {
                        _mm512_add_ps(*a, _mm512_mul_ps(wv, xv))
                    };
                }
            }
            c += LANES;
        }
        let mut sums = [[[0.0; MR]; 2]; NP];
        for (s, sums) in sums.iter_mut().enumerate() {
            for quad in 0..MR / 4 {
                let (mut lo, mut hi) = ([_mm256_setzero_ps(); 4], [_mm256_setzero_ps(); 4]);
                for j in 0..4 {
                    let a = acc[4 * quad + j][s];
                    lo[j] = _mm512_castps512_ps256(a);
                    hi[j] = _mm256_castpd_ps(_mm512_extractf64x4_pd::<1>(_mm512_castps_pd(a)));
                }
                sums[0][4 * quad..][..4].copy_from_slice(&sum4(lo));
                sums[1][4 * quad..][..4].copy_from_slice(&sum4(hi));
            }
        }
        sums
    }
}

/// `y[b][o] = bias[o] + Σᵢ w[o][i] x[b][i]`: tiles of `MR` rows by `2 · NP` samples, weight
/// rows in blocks that stay in the L2 cache; the samples left over go through the AVX2 forward.
///
/// # Safety
/// The slices hold the sizes `p` states; `y` is `batch × out`; the CPU has AVX-512F, AVX2 and
/// FMA.
#[target_feature(enable = "avx512f,avx2,fma")]
pub(super) unsafe fn forward(p: &Product<'_>, bias: Option<&[f32]>, y: &mut [f32]) {
    let (k, out) = (p.k, p.out);
    if p.batch >= 2 && k <= panels::MAX_K {
        // SAFETY: as this function's; `Avx512` has 16 lanes.
        return unsafe { panels::forward::<Avx512<FUSED>>(p, bias, y) };
    }
    let group = 2 * NP;
    let full = p.batch / group * group;
    let rows_per_block = (FORWARD_BLOCK_BYTES / 4 / k.max(1)).max(8);
    let (w, x) = (p.w.as_ptr(), p.x.as_ptr());
    let mut start = 0;
    while start < out {
        let end = out.min(start + rows_per_block);
        let mut b = 0;
        while b < full {
            let mut o = start;
            while o + MR <= end {
                // SAFETY: rows `o..o + MR` and samples `b..b + group` exist.
                let tile = unsafe { pair_tile(w.add(o * k), x.add(b * k), k) };
                for (pair, tile) in tile.iter().enumerate() {
                    for (half, sums) in tile.iter().enumerate() {
                        let row = &mut y[(b + 2 * pair + half) * out + o..][..MR];
                        for (r, (y, &v)) in row.iter_mut().zip(sums).enumerate() {
                            *y = bias.map_or(v, |bias| v + bias[o + r]);
                        }
                    }
                }
                o += MR;
            }
            if o < end {
                // SAFETY: samples `b..b + group` exist.
                unsafe { forward_rows::<Avx2<FUSED>, 1, 8>(p, bias, y, b, o..end) };
            }
            b += group;
        }
        start = end;
    }
    if full < p.batch {
        let rest = Product {
            w: p.w,
            x: &p.x[full * k..],
            k,
            out,
            batch: p.batch - full,
        };
        // SAFETY: `rest` is the tail of `p`, `y`'s tail matches it.
        unsafe { dot::forward::<Avx2<FUSED>, 4, 3>(&rest, bias, &mut y[full * out..]) };
    }
}
