//! A convolution's weight gradient with the vectors along the output channels, as AVX-512
//! runs it: `acc[j][o] += Σ_q x(j, q) · dyt[q][o]`, where `x(j, q)` is tap `j` of a padded
//! panel at position `q` (read where it lies, with no `im2col` copy) and `dyt` the output
//! gradient with a position's channels consecutive.
//!
//! Each sum is one chain of multiply-adds over the positions in order, from the value `acc`
//! holds: the chain `strided.rs` runs for the same product with its vectors along the taps,
//! so the two give the same bits. A register tile holds `R` kernel rows of `KW` taps by `NV`
//! vectors of output channels across all the positions; each position's vectors of `dyt` are
//! loaded once for the tile's `R · KW` taps, each tap's value broadcast once for its `NV`.

use super::lanes::{Avx512, Lanes};
use super::{FUSED, Isa};

/// The operands of [`accumulate`]. Positions `q = row · columns + column` for `row < rows`,
/// `column < columns`; kernel row `t`'s tap `kw` at position `q` is
/// `x[row · row_step + column · stride + taps[t] + kw · dilation]`.
pub(crate) struct Sweep<'a> {
    pub(crate) x: &'a [f32],
    pub(crate) taps: &'a [usize],
    pub(crate) stride: usize,
    pub(crate) dilation: usize,
    pub(crate) row_step: usize,
    pub(crate) rows: usize,
    pub(crate) columns: usize,
    /// `dyt[q · ldo + o]`, `ldo` a multiple of 16.
    pub(crate) dyt: &'a [f32],
    pub(crate) ldo: usize,
}

impl Sweep<'_> {
    /// Whether every index the product reads is inside `x` and `dyt`, and `acc` (of `len`
    /// floats) holds a row of `ldo` for each of the `taps.len() · kw` taps.
    fn fits(&self, kw: usize, len: usize) -> bool {
        let n = self.rows * self.columns;
        let Some(&top) = self.taps.iter().max() else {
            return true;
        };
        let last = (self.rows - 1) * self.row_step
            + (self.columns - 1) * self.stride
            + top
            + (kw - 1) * self.dilation;
        self.ldo % 16 == 0
            && last < self.x.len()
            && n * self.ldo <= self.dyt.len()
            && self.taps.len() * kw * self.ldo <= len
    }
}

/// `acc[t · KW + kw][o] += Σ_q x(t, kw, q) · dyt[q][o]` for every kernel row `t` of `p.taps`,
/// tap `kw < KW` and channel `o < p.ldo`, the positions in order. `isa` must be AVX-512.
///
/// # Panics
/// If an operand is too short for the sizes `p` states, or `isa` is another set.
pub(crate) fn accumulate<const KW: usize>(isa: Isa, p: &Sweep<'_>, acc: &mut [f32]) {
    assert!(isa == Isa::Avx512, "kernels::wgrad: AVX-512 only");
    if p.rows == 0 || p.columns == 0 || p.taps.is_empty() || p.ldo == 0 || KW == 0 {
        return;
    }
    assert!(p.fits(KW, acc.len()), "kernels::wgrad: mismatched sizes");
    // SAFETY: the sizes fit (checked above), and `Isa::Avx512` is chosen only on a CPU that
    // runs it.
    unsafe { avx512::<KW>(p, acc) }
}

/// [`accumulate`] compiled for AVX-512: blocks of up to four vectors of channels, each in tiles
/// of kernel rows ([`rows`]).
///
/// # Safety
/// As [`tile`], for every tile; the CPU runs AVX-512.
#[target_feature(enable = "avx512f,avx2,fma")]
unsafe fn avx512<const KW: usize>(p: &Sweep<'_>, acc: &mut [f32]) {
    let acc = acc.as_mut_ptr();
    let vectors = p.ldo / 16;
    let mut v0 = 0;
    while v0 < vectors {
        let nv = (vectors - v0).min(4);
        // SAFETY: vectors `v0..v0 + nv` of every row are inside `dyt` and `acc`.
        unsafe {
            match (nv, p.dilation == 1) {
                (4, true) => rows::<KW, 4, true>(p, acc, v0),
                (3, true) => rows::<KW, 3, true>(p, acc, v0),
                (2, true) => rows::<KW, 2, true>(p, acc, v0),
                (_, true) => rows::<KW, 1, true>(p, acc, v0),
                (4, false) => rows::<KW, 4, false>(p, acc, v0),
                (3, false) => rows::<KW, 3, false>(p, acc, v0),
                (2, false) => rows::<KW, 2, false>(p, acc, v0),
                (_, false) => rows::<KW, 1, false>(p, acc, v0),
            }
        }
        v0 += nv;
    }
}

/// Kernel rows a tile of `nv` vectors holds at most: about 24 accumulators.
const fn rows_for(kw: usize, nv: usize) -> usize {
    let r = 24 / (kw * nv);
    if r > 8 {
        8
    } else if r == 0 {
        1
    } else {
        r
    }
}

/// Every kernel row for vectors `v0..v0 + NV`: tiles of as even a number of rows as
/// [`rows_for`] allows, so that none is left with too few sums to hide the latency.
///
/// # Safety
/// As [`tile`].
#[inline(always)]
unsafe fn rows<const KW: usize, const NV: usize, const UNIT: bool>(
    p: &Sweep<'_>,
    acc: *mut f32,
    v0: usize,
) {
    let all = p.taps.len();
    let per = all.div_ceil(all.div_ceil(rows_for(KW, NV)));
    let mut t = 0;
    while t < all {
        let r = per.min(all - t);
        // SAFETY: rows `t..t + r` are among the taps'.
        unsafe {
            match r {
                8 => tile::<KW, NV, 8, UNIT>(p, acc, t, v0),
                7 => tile::<KW, NV, 7, UNIT>(p, acc, t, v0),
                6 => tile::<KW, NV, 6, UNIT>(p, acc, t, v0),
                5 => tile::<KW, NV, 5, UNIT>(p, acc, t, v0),
                4 => tile::<KW, NV, 4, UNIT>(p, acc, t, v0),
                3 => tile::<KW, NV, 3, UNIT>(p, acc, t, v0),
                2 => tile::<KW, NV, 2, UNIT>(p, acc, t, v0),
                _ => tile::<KW, NV, 1, UNIT>(p, acc, t, v0),
            }
        }
        t += r;
    }
}

/// Kernel rows `t0..t0 + R` by vectors `v0..v0 + NV`, over every position in order; `UNIT`
/// if the dilation is 1 (a tap's offset then a constant of the instruction, not a register).
///
/// # Safety
/// `p.fits(KW, len)` for the `len` floats from `acc`; `t0 + R <= p.taps.len()`;
/// `(v0 + NV) · 16 <= p.ldo`; the CPU runs AVX-512.
#[inline(always)]
unsafe fn tile<const KW: usize, const NV: usize, const R: usize, const UNIT: bool>(
    p: &Sweep<'_>,
    acc: *mut f32,
    t0: usize,
    v0: usize,
) {
    type V = Avx512<FUSED>;
    let (x, ldo, o0) = (p.x.as_ptr(), p.ldo, v0 * 16);
    let dilation = if UNIT { 1 } else { p.dilation };
    // SAFETY: every index is inside the operands, as `fits` checked for the largest.
    unsafe {
        let mut base = [x; R];
        for (b, &t) in base.iter_mut().zip(&p.taps[t0..t0 + R]) {
            *b = x.add(t);
        }
        let at = |r: usize, kw: usize, v: usize| acc.add(((t0 + r) * KW + kw) * ldo + o0 + v * 16);
        let mut sums = [[[V::zero(); NV]; KW]; R];
        for (r, sums) in sums.iter_mut().enumerate() {
            for (kw, sums) in sums.iter_mut().enumerate() {
                for (v, s) in sums.iter_mut().enumerate() {
                    *s = V::load(at(r, kw, v));
                }
            }
        }
        let mut dyt = p.dyt.as_ptr().add(o0);
        for row in 0..p.rows {
            let mut offset = row * p.row_step;
            for _ in 0..p.columns {
                let mut dy = [V::zero(); NV];
                for (v, d) in dy.iter_mut().enumerate() {
                    *d = V::load(dyt.add(v * 16));
                }
                for (sums, b) in sums.iter_mut().zip(&base) {
                    for (kw, sums) in sums.iter_mut().enumerate() {
                        let xv = V::splat(*b.add(offset + kw * dilation));
                        for (s, &d) in sums.iter_mut().zip(&dy) {
                            *s = s.madd(xv, d);
                        }
                    }
                }
                offset += p.stride;
                dyt = dyt.add(ldo);
            }
        }
        for (r, sums) in sums.iter().enumerate() {
            for (kw, sums) in sums.iter().enumerate() {
                for (v, s) in sums.iter().enumerate() {
                    s.store(at(r, kw, v));
                }
            }
        }
    }
}

/// `dst[c · ld + r] = src[r · ls + c]` for `r < rows`, `c < cols`: blocks of 16 × 16 in
/// registers, the edges one float at a time. `isa` must be AVX-512.
///
/// # Panics
/// If `src` or `dst` is too short, or `isa` is another set.
pub(crate) fn transpose(
    isa: Isa,
    src: &[f32],
    ls: usize,
    dst: &mut [f32],
    ld: usize,
    [rows, cols]: [usize; 2],
) {
    assert!(isa == Isa::Avx512, "kernels::transpose: AVX-512 only");
    if rows == 0 || cols == 0 {
        return;
    }
    assert!(
        (rows - 1) * ls + cols <= src.len() && (cols - 1) * ld + rows <= dst.len(),
        "kernels::transpose: mismatched sizes"
    );
    let (full_r, full_c) = (rows - rows % 16, cols - cols % 16);
    for r in (0..full_r).step_by(16) {
        for c in (0..full_c).step_by(16) {
            // SAFETY: rows `r..r + 16` by columns `c..c + 16` are inside `src` (checked above),
            // and their transpose inside `dst`; the CPU runs AVX-512 (`Isa::Avx512`).
            unsafe {
                block16(
                    src.as_ptr().add(r * ls + c),
                    ls,
                    dst.as_mut_ptr().add(c * ld + r),
                    ld,
                )
            };
        }
    }
    for r in 0..rows {
        let from = if r < full_r { full_c } else { 0 };
        for c in from..cols {
            dst[c * ld + r] = src[r * ls + c];
        }
    }
}

/// One 16 × 16 block of [`transpose`]: rows of 16 floats `ls` apart, written as columns `ld`
/// apart.
///
/// # Safety
/// The 16 rows of 16 floats from `src` are readable, those from `dst` writable; the CPU runs
/// AVX-512.
#[target_feature(enable = "avx512f,avx2,fma")]
unsafe fn block16(src: *const f32, ls: usize, dst: *mut f32, ld: usize) {
    use core::arch::x86_64::*;
    // SAFETY: the caller's.
    unsafe {
        let mut r = [_mm512_setzero_ps(); 16];
        for (i, r) in r.iter_mut().enumerate() {
            *r = _mm512_loadu_ps(src.add(i * ls));
        }
        let mut t = [_mm512_setzero_ps(); 16];
        for i in 0..8 {
            t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
            t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
        }
        let (pd, ps) = (_mm512_castps_pd, _mm512_castpd_ps);
        for i in 0..4 {
            let (a, b, c, d) = (
                pd(t[4 * i]),
                pd(t[4 * i + 1]),
                pd(t[4 * i + 2]),
                pd(t[4 * i + 3]),
            );
            r[4 * i] = ps(_mm512_unpacklo_pd(a, c));
            r[4 * i + 1] = ps(_mm512_unpackhi_pd(a, c));
            r[4 * i + 2] = ps(_mm512_unpacklo_pd(b, d));
            r[4 * i + 3] = ps(_mm512_unpackhi_pd(b, d));
        }
        for h in 0..2 {
            for i in 0..4 {
                let (a, b) = (r[8 * h + i], r[8 * h + i + 4]);
                t[8 * h + i] = _mm512_shuffle_f32x4::<0x88>(a, b);
                t[8 * h + i + 4] = _mm512_shuffle_f32x4::<0xdd>(a, b);
            }
        }
        for i in 0..8 {
            r[i] = _mm512_shuffle_f32x4::<0x88>(t[i], t[i + 8]);
            r[i + 8] = _mm512_shuffle_f32x4::<0xdd>(t[i], t[i + 8]);
        }
        for (i, r) in r.iter().enumerate() {
            _mm512_storeu_ps(dst.add(i * ld), *r);
        }
    }
}

#[cfg(test)]
#[path = "wgrad_tests.rs"]
mod tests;
