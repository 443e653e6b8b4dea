//! A fully connected layer's sums on AVX-512 VNNI where its rows are 32 bytes: two rows a
//! vector, each a half of one 64-byte load, the input broadcast to both halves (and likewise
//! eight rows of 8 bytes). Sixteen rows
//! take eight loads and eight `vpdpbusd` where a vector a row takes sixteen, and their
//! reduction to sixteen sums half the shuffles: two [`quarters`], the halves of each row
//! added, then one permutation into row order.

// Stable from Rust 1.89: the module builds only with `nncore_avx512`.
#![allow(clippy::incompatible_msrv)]

use core::arch::x86_64::{
    __m512i, _mm256_loadu_si256, _mm512_add_epi32, _mm512_broadcast_i64x4, _mm512_dpbusd_epi32,
    _mm512_loadu_si512, _mm512_maskz_loadu_epi8, _mm512_maskz_loadu_epi32,
    _mm512_permutex2var_epi32, _mm512_permutexvar_epi32, _mm512_set1_epi8, _mm512_set1_epi64,
    _mm512_setr_epi32, _mm512_setzero_si512, _mm512_shuffle_i32x4, _mm512_srli_epi64,
    _mm512_xor_si512,
};

use super::sixteen::quarters;

/// [`super::sixteen::rows_unsigned_each`] on rows of 32 bytes, laid end to end in `weight`:
/// `each(o, mask, sums)` with `init[o + j] + Σ_i weight[o + j][i] · (x[i] + 128)` in lane `j`
/// for the rows of `mask`, sixteen rows at a time, the last one to fifteen as sixteen (the
/// last pair of rows repeated, a last row alone read with its pair's half masked off).
///
/// # Safety
/// The CPU must run AVX-512F, BW, VL and VNNI (VL for the stage `each` may inline); `weight`
/// is `32 · init.len()` bytes, `x` 32.
#[inline]
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni")]
pub(super) unsafe fn rows_each(
    weight: &[i8],
    x: &[i8],
    init: &[i32],
    mut each: impl FnMut(usize, u16, __m512i),
) {
    let rows = init.len();
    // SAFETY: `x` holds 32 bytes.
    let x = unsafe { _mm256_loadu_si256(x.as_ptr().cast()) };
    let u = _mm512_xor_si512(_mm512_broadcast_i64x4(x), _mm512_set1_epi8(i8::MIN));
    let dot = |w: __m512i| _mm512_dpbusd_epi32(_mm512_setzero_si512(), u, w);
    let mut o = 0;
    while o < rows {
        let take = (rows - o).min(16);
        // Vector `j`: rows `o + 2j` and `o + 2j + 1`, 64 bytes from row `o + 2j`.
        let base = weight[32 * o..].as_ptr();
        // SAFETY: each load is of rows `o .. o + take` (a row past them masked off).
        let d: [__m512i; 8] = unsafe {
            if take == 16 {
                core::array::from_fn(|j| dot(_mm512_loadu_si512(base.add(64 * j).cast())))
            } else {
                let last = (take - 1) / 2;
                let tail = if take % 2 == 0 { !0 } else { !0u64 >> 32 };
                core::array::from_fn(|j| {
                    let j = j.min(last);
                    let mask = if j == last { tail } else { !0 };
                    dot(_mm512_maskz_loadu_epi8(mask, base.add(64 * j)))
                })
            }
        };
        let mask = (!0u32 >> (32 - take)) as u16;
        // SAFETY: the masked lanes are the `take` int32 from `o` of `init`.
        let start = unsafe { _mm512_maskz_loadu_epi32(mask, init.as_ptr().add(o)) };
        each(o, mask, _mm512_add_epi32(start, halves(d)));
        o += take;
    }
}

/// [`rows_each`] on rows of 8 bytes: eight rows a vector, the input broadcast to each eighth;
/// sixteen rows take two loads and two `vpdpbusd`, each row's two lanes added, then one
/// permutation of the two vectors' sums into row order.
///
/// # Safety
/// The CPU must run AVX-512F, BW, VL and VNNI (VL for the stage `each` may inline); `weight`
/// is `8 · init.len()` bytes, `x` 8.
#[inline]
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512vnni")]
pub(super) unsafe fn rows_each_of_eight(
    weight: &[i8],
    x: &[i8],
    init: &[i32],
    mut each: impl FnMut(usize, u16, __m512i),
) {
    let rows = init.len();
    // SAFETY: `x` holds 8 bytes.
    let x = unsafe { x.as_ptr().cast::<i64>().read_unaligned() };
    let u = _mm512_xor_si512(_mm512_set1_epi64(x), _mm512_set1_epi8(i8::MIN));
    // Row `r`'s sum into lane `2r` of the vector of eight rows `w`.
    let dot = |w: __m512i| {
        let d = _mm512_dpbusd_epi32(_mm512_setzero_si512(), u, w);
        _mm512_add_epi32(d, _mm512_srli_epi64::<32>(d))
    };
    let even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    let mut o = 0;
    while o < rows {
        let take = (rows - o).min(16);
        let base = weight[8 * o..].as_ptr();
        // Vector `j`: rows `o + 8j ..`, those past `take` masked off.
        let bytes = |j: usize| match take.saturating_sub(8 * j).min(8) {
            8 => !0,
            n => (1u64 << (8 * n)) - 1,
        };
        // SAFETY: each load's bytes are rows `o .. o + take`.
        let [a, b] = core::array::from_fn(|j| unsafe {
            dot(_mm512_maskz_loadu_epi8(bytes(j), base.wrapping_add(64 * j)))
        });
        let mask = (!0u32 >> (32 - take)) as u16;
        // SAFETY: the masked lanes are the `take` int32 from `o` of `init`.
        let start = unsafe { _mm512_maskz_loadu_epi32(mask, init.as_ptr().add(o)) };
        each(
            o,
            mask,
            _mm512_add_epi32(start, _mm512_permutex2var_epi32(a, even, b)),
        );
        o += take;
    }
}

/// Lane `r` of the result is the sum of the half `r % 2` of `v[r / 2]`'s lanes (row `r` of the
/// pairs of rows in `v`).
#[inline]
#[target_feature(enable = "avx512f")]
fn halves(v: [__m512i; 8]) -> __m512i {
    let (a, b) = (
        quarters([v[0], v[1], v[2], v[3]]),
        quarters([v[4], v[5], v[6], v[7]]),
    );
    // Quarters 0 and 1 of `a` are the first halves of `v[0..4]`, 2 and 3 the second halves:
    // lane `r` of quarter `h` of the sum is row `2r + h` (`h` 0 or 1), `8 + 2r + h − 2` (2, 3).
    let sum = _mm512_add_epi32(
        _mm512_shuffle_i32x4::<0b10_00_10_00>(a, b),
        _mm512_shuffle_i32x4::<0b11_01_11_01>(a, b),
    );
    let rows = _mm512_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7, 8, 12, 9, 13, 10, 14, 11, 15);
    _mm512_permutexvar_epi32(rows, sum)
}

#[cfg(all(test, feature = "alloc"))]
mod tests {
    use alloc::vec;
    use alloc::vec::Vec;
    use core::arch::x86_64::{__m512i, _mm512_storeu_si512};

    /// Every row count from 1 to 40 (whole groups of sixteen, odd and even rests), random
    /// weights and the extremes: each masked lane the exact wrapping sum from its start, and
    /// no lane past the rows handed over.
    #[test]
    fn pairs_of_rows_sum_as_the_reference() {
        check::<32>();
    }

    #[test]
    fn eights_of_rows_sum_as_the_reference() {
        check::<8>();
    }

    fn check<const N: usize>() {
        if !super::super::avx512_vnni_available() {
            return;
        }
        let mut seed = 3u32;
        let mut next = || {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (seed >> 24) as u8 as i8
        };
        for rows in 1..=40usize {
            let random: Vec<i8> = (0..N * rows + N).map(|_| next()).collect();
            let (w, x) = random.split_at(N * rows);
            for (w, x) in [
                (w.to_vec(), x.to_vec()),
                (vec![i8::MIN; N * rows], vec![i8::MAX; N]),
                (vec![i8::MIN; N * rows], vec![i8::MIN; N]),
            ] {
                let init: Vec<i32> = (0..rows as i32).map(|o| o * 1009 - 7000).collect();
                let want: Vec<i32> = (w.chunks_exact(N).zip(&init))
                    .map(|(row, &b)| {
                        let dot = row
                            .iter()
                            .zip(&x)
                            .map(|(&w, &x)| w as i32 * (x as i32 + 128));
                        dot.fold(b, i32::wrapping_add)
                    })
                    .collect();
                let mut got = vec![0x5555_5555; rows];
                let mut seen = 0;
                let each = |o: usize, mask: u16, sums: __m512i| {
                    let mut lanes = [0i32; 16];
                    // SAFETY: `lanes` holds sixteen int32.
                    unsafe { _mm512_storeu_si512(lanes.as_mut_ptr().cast(), sums) };
                    assert_eq!(mask, (!0u32 >> (32 - (rows - o).min(16))) as u16);
                    for j in (0..16).filter(|j| mask >> j & 1 == 1) {
                        got[o + j] = lanes[j];
                        seen += 1;
                    }
                };
                // SAFETY: the CPU runs AVX-512 VNNI (above); the lengths are as it needs.
                unsafe {
                    match N {
                        32 => super::rows_each(&w, &x, &init, each),
                        _ => super::rows_each_of_eight(&w, &x, &init, each),
                    }
                };
                assert_eq!(seen, rows, "every row handed over once");
                assert_eq!(got, want, "{rows} rows");
            }
        }
    }
}
