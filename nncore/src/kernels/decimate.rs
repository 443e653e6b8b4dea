//! Planes read at a stride, for the decimated planes of strided convolutions: `dst[r][i] =
//! src[i0 + si · r][j0 + sj · i]`, `+0.0` where that row or column is outside the plane. On
//! AVX-512, for column steps of 1 and 2, sixteen values a vector: two loads of the row
//! through masks that zero what falls off it, and one permutation.

use core::arch::x86_64::{
    _mm512_mask_storeu_ps, _mm512_maskz_loadu_ps, _mm512_mullo_epi32, _mm512_permutex2var_ps,
    _mm512_set1_epi32, _mm512_setr_epi32,
};
use core::mem::MaybeUninit;

use super::Isa;
use super::taps::bits;

/// A source plane of rows `w` floats wide, and the first row and column read and the steps
/// between them: `(i0, si)`, `(j0, sj)`.
pub(crate) struct Decimate<'a> {
    pub(crate) src: &'a [f32],
    pub(crate) w: usize,
    pub(crate) rows: (isize, usize),
    pub(crate) cols: (isize, usize),
}

/// Writes every value of `dst`, rows of `wo` floats (`wo > 0`, `dst.len()` a multiple):
/// `dst[r][i] = src[i0 + si · r][j0 + sj · i]`, or `+0.0` where that row or column is outside
/// the source plane.
pub(crate) fn decimate(isa: Isa, d: &Decimate<'_>, wo: usize, dst: &mut [MaybeUninit<f32>]) {
    if isa == Isa::Avx512 && (1..=2).contains(&d.cols.1) && d.w > 0 && dst.len() % wo == 0 {
        // SAFETY: AVX-512 is chosen only where the CPU has it.
        return unsafe { planes(d, wo, dst) };
    }
    for (r, row) in dst.chunks_mut(wo).enumerate() {
        let i = d.rows.0 + (d.rows.1 * r) as isize;
        for (c, v) in row.iter_mut().enumerate() {
            let j = d.cols.0 + (d.cols.1 * c) as isize;
            let inside = (0..d.w as isize).contains(&j) && i >= 0;
            let at = inside.then(|| d.src.get(i as usize * d.w + j as usize));
            v.write(at.flatten().copied().unwrap_or(0.0));
        }
    }
}

/// [`decimate`] for a column step of 1 or 2.
///
/// # Safety
/// The CPU has AVX-512F; the column step is 1 or 2, `d.w > 0`, `dst.len()` a multiple of `wo`.
#[target_feature(enable = "avx512f")]
unsafe fn planes(d: &Decimate<'_>, wo: usize, dst: &mut [MaybeUninit<f32>]) {
    let (w, (j0, step)) = (d.w as isize, d.cols);
    let h = (d.src.len() / d.w) as isize;
    let lanes = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    // Lane `l` takes float `step · l` of the 32 from the first column read.
    let index = _mm512_mullo_epi32(lanes, _mm512_set1_epi32(step as i32));
    // Sixteen values of every row at a time: their masks computed once.
    for c0 in (0..wo).step_by(16) {
        let base = j0 + (step * c0) as isize;
        let (lo, hi) = (bits(-base, w - base), bits(-base - 16, w - base - 16));
        let keep = bits(0, (wo - c0) as isize);
        let rows = dst.chunks_exact_mut(wo).enumerate();
        for (i, row) in rows.map(|(r, row)| (d.rows.0 + (d.rows.1 * r) as isize, row)) {
            let at = d.src.as_ptr().wrapping_offset(i * w + base);
            // SAFETY: the loads read only the columns inside row `i` (their masks; none
            // outside the plane's rows), the store only the values of `row` from `c0`; the
            // CPU has the instructions (the caller's).
            unsafe {
                let (lo, hi) = if (0..h).contains(&i) {
                    (lo, hi)
                } else {
                    (0, 0)
                };
                let a = _mm512_maskz_loadu_ps(lo, at);
                let b = _mm512_maskz_loadu_ps(hi, at.wrapping_add(16));
                let v = _mm512_permutex2var_ps(a, index, b);
                _mm512_mask_storeu_ps(row.as_mut_ptr().add(c0).cast(), keep, v);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use crate::kernels::paths;
    use std::vec::Vec;

    /// Every step, start and length against the definition, bit for bit (NaN and infinities
    /// carried, the zeros outside the plane `+0.0`), on every instruction set.
    #[test]
    fn planes_read_at_a_stride_give_the_definition() {
        let src: Vec<f32> = (0..210)
            .map(|i| match i {
                5 => f32::NAN,
                6 => f32::INFINITY,
                7 => -0.0,
                _ => i as f32 * 0.5 - 3.0,
            })
            .collect();
        // A NaN of its own: a value left unwritten shows.
        let unset = f32::from_bits(0x7fc0_1234);
        for isa in paths() {
            for (w, h) in [(1, 3), (9, 2), (16, 3), (17, 3), (33, 2), (70, 3)] {
                for (sj, j0, wo) in (1..=3).flat_map(|s| {
                    (-3..4).flat_map(move |j| [1, 7, 16, 17, 35].map(move |n| (s, j, n)))
                }) {
                    for (i0, si) in [(-1, 1), (0, 2), (1, 2), (-2, 3)] {
                        let d = Decimate {
                            src: &src[..w * h],
                            w,
                            rows: (i0, si),
                            cols: (j0, sj),
                        };
                        let mut dst = std::vec![MaybeUninit::new(unset); 3 * wo];
                        decimate(isa, &d, wo, &mut dst);
                        for (k, v) in dst.iter().enumerate() {
                            let (i, j) =
                                (i0 + (si * (k / wo)) as isize, j0 + (sj * (k % wo)) as isize);
                            let inside =
                                (0..h as isize).contains(&i) && (0..w as isize).contains(&j);
                            let want = if inside {
                                src[i as usize * w + j as usize]
                            } else {
                                0.0
                            };
                            // SAFETY: every value was written (filled before).
                            let got = unsafe { v.assume_init() };
                            let what =
                                std::format!("{isa:?} {w}x{h} {i0},{si} {j0},{sj} {wo}: {k}");
                            assert_eq!(got.to_bits(), want.to_bits(), "{what}");
                        }
                    }
                }
            }
        }
    }
}
