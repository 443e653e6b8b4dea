//! Planes turned into rows, `rows[i·ld + c] = planes[c·stride + i]`: on x86-64 with AVX, eight
//! values of eight planes loaded and transposed in registers at a time ([`block`]), the edges
//! one value at a time. A copy, so the same values on every instruction set.

#[cfg(target_arch = "x86_64")]
use core::arch::x86_64::{
    __m256, _mm256_loadu_ps, _mm256_permute2f128_ps, _mm256_setzero_ps, _mm256_shuffle_ps,
    _mm256_storeu_ps, _mm256_unpackhi_ps, _mm256_unpacklo_ps,
};

use super::Isa;

/// Values `i` to `i + 7` of the eight planes `stride` floats apart from `base`: vector `j`
/// holds value `i + j` of each plane.
///
/// # Safety
/// The CPU has AVX; eight planes of at least `i + 8` floats lie `stride` apart from `base`.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
pub(super) unsafe fn block(base: *const f32, stride: usize, i: usize) -> [__m256; 8] {
    // Plain loops, no closures: those might not inline into the `target_feature` callers.
    // SAFETY: the caller's.
    unsafe {
        let mut r = [_mm256_setzero_ps(); 8];
        for (c, r) in r.iter_mut().enumerate() {
            *r = _mm256_loadu_ps(base.add(c * stride + i));
        }
        // `t[k]`, `t[k + 1]`: planes `k` and `k + 1` interleaved (`k` even).
        let mut t = r;
        for k in (0..8).step_by(2) {
            t[k] = _mm256_unpacklo_ps(r[k], r[k + 1]);
            t[k + 1] = _mm256_unpackhi_ps(r[k], r[k + 1]);
        }
        // `u[h + j]`: value `j` (low half) and `j + 4` (high half) of planes `h..h + 4`.
        let mut u = t;
        for h in [0, 4] {
            u[h] = _mm256_shuffle_ps::<0x44>(t[h], t[h + 2]);
            u[h + 1] = _mm256_shuffle_ps::<0xEE>(t[h], t[h + 2]);
            u[h + 2] = _mm256_shuffle_ps::<0x44>(t[h + 1], t[h + 3]);
            u[h + 3] = _mm256_shuffle_ps::<0xEE>(t[h + 1], t[h + 3]);
        }
        let mut v = u;
        for j in 0..4 {
            v[j] = _mm256_permute2f128_ps::<0x20>(u[j], u[4 + j]);
            v[4 + j] = _mm256_permute2f128_ps::<0x31>(u[j], u[4 + j]);
        }
        v
    }
}

/// `rows[i·ld + c] = planes[c·stride + i]` for the first `n` values of the `ch` planes: `n`
/// rows of `ch` values, `ld` apart. `false`, with nothing written, if the sizes do not fit.
pub(crate) fn planes_to_rows(
    isa: Isa,
    (planes, stride): (&[f32], usize),
    (ch, n): (usize, usize),
    (rows, ld): (&mut [f32], usize),
) -> bool {
    if ch == 0 || n == 0 {
        return true;
    }
    let read = (ch - 1).checked_mul(stride).and_then(|s| s.checked_add(n));
    let written = (n - 1).checked_mul(ld).and_then(|s| s.checked_add(ch));
    let fits = read.is_some_and(|r| r <= planes.len()) && written.is_some_and(|w| w <= rows.len());
    if !fits || ch > ld {
        return false;
    }
    match isa {
        // SAFETY: the sizes were checked above, and AVX2 (with AVX) is chosen only where the
        // CPU has it.
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 => unsafe { avx::run(planes, stride, (ch, n), rows, ld) },
        // SAFETY: as above.
        #[cfg(all(target_arch = "x86_64", nncore_avx512))]
        Isa::Avx512 => unsafe { avx::run(planes, stride, (ch, n), rows, ld) },
        _ => edges(planes, stride, (0, ch), (0, n), rows, ld),
    }
    true
}

/// [`planes_to_rows`] for the planes `c0..c1` and values `i0..i1`, one value at a time.
#[inline(always)]
fn edges(
    planes: &[f32],
    stride: usize,
    (c0, c1): (usize, usize),
    (i0, i1): (usize, usize),
    rows: &mut [f32],
    ld: usize,
) {
    for c in c0..c1 {
        for i in i0..i1 {
            rows[i * ld + c] = planes[c * stride + i];
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod avx {
    use super::{_mm256_storeu_ps, block, edges};

    /// [`super::planes_to_rows`] in blocks of eight planes by eight values.
    ///
    /// # Safety
    /// The CPU has AVX; the sizes are as `planes_to_rows` checks them.
    #[target_feature(enable = "avx")]
    pub(super) unsafe fn run(
        planes: &[f32],
        stride: usize,
        (ch, n): (usize, usize),
        rows: &mut [f32],
        ld: usize,
    ) {
        let (whole_c, whole_n) = (ch / 8 * 8, n / 8 * 8);
        for c0 in (0..whole_c).step_by(8) {
            for i0 in (0..whole_n).step_by(8) {
                // SAFETY: planes `c0..c0 + 8` hold values `i0..i0 + 8` (`(ch − 1)·stride + n`
                // floats are there), and rows `i0..i0 + 8` columns `c0..c0 + 8`.
                unsafe {
                    let v = block(planes.as_ptr().add(c0 * stride), stride, i0);
                    for (j, v) in v.into_iter().enumerate() {
                        _mm256_storeu_ps(rows.as_mut_ptr().add((i0 + j) * ld + c0), v);
                    }
                }
            }
        }
        edges(planes, stride, (0, whole_c), (whole_n, n), rows, ld);
        edges(planes, stride, (whole_c, ch), (0, n), rows, ld);
    }
}

#[cfg(test)]
mod tests {
    use super::planes_to_rows;
    use crate::kernels::{isa, paths};

    #[test]
    fn planes_become_rows_on_every_instruction_set() {
        // (planes, values, stride, ld): whole blocks, parts of blocks on either side, one
        // plane, one value, rows wider than the planes are many.
        let shapes = [
            (8, 8, 8, 8),
            (16, 24, 30, 16),
            (13, 9, 11, 16),
            (128, 8, 36, 128),
            (3, 17, 20, 3),
            (1, 5, 5, 4),
            (9, 1, 1, 9),
        ];
        let (mut planes, mut rows) = ([0.0; 5000], [0.0; 1100]);
        for (ch, n, stride, ld) in shapes {
            let planes = &mut planes[..(ch - 1) * stride + n];
            for (i, v) in planes.iter_mut().enumerate() {
                *v = i as f32;
            }
            for isa in paths() {
                let rows = &mut rows[..(n - 1) * ld + ch];
                rows.fill(-1.0);
                assert!(planes_to_rows(isa, (planes, stride), (ch, n), (rows, ld)));
                for (k, &v) in rows.iter().enumerate() {
                    let (i, c) = (k / ld, k % ld);
                    let want = if c < ch { planes[c * stride + i] } else { -1.0 };
                    assert_eq!(v, want, "{isa:?}, {ch} planes of {n}, row {i} column {c}");
                }
            }
        }
    }

    #[test]
    fn sizes_that_do_not_fit_write_nothing() {
        let planes = [1.0; 20];
        let mut rows = [0.0; 20];
        // Three planes of four, ten apart, need 24 floats; four planes do not fit rows of 3.
        assert!(!planes_to_rows(
            isa(),
            (&planes, 10),
            (3, 4),
            (&mut rows, 4)
        ));
        assert!(!planes_to_rows(isa(), (&planes, 5), (4, 4), (&mut rows, 3)));
        assert!(rows.iter().all(|&v| v == 0.0));
    }
}
