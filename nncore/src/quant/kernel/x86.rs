//! The AVX2 kernel of [`super::Kernel::rows_flat`], on inputs widened to int16 (the VNNI ones
//! are in `vnni.rs`).
//!
//! It takes `acc.len()` rows of `n = x.len() > 0` weights laid end to end (checked by the
//! caller), four rows at a time so that each block of `x` is loaded once for all four.

use core::arch::x86_64::{
    __m256i, _mm_add_epi32, _mm_hadd_epi32, _mm_loadu_si128, _mm_storeu_si128, _mm256_add_epi16,
    _mm256_add_epi32, _mm256_castsi256_si128, _mm256_cvtepi8_epi16, _mm256_extracti128_si256,
    _mm256_madd_epi16, _mm256_set1_epi16, _mm256_setzero_si256,
};

/// Rows taken together.
const ROWS: usize = 4;

/// AVX2: `x + offset` widened to int16 sixteen at a time, multiplied by the weights widened
/// likewise (`_mm256_madd_epi16`); the last `n % 16` in plain Rust.
///
/// # Safety
/// The CPU must run AVX2; `weight.len() == acc.len() · x.len()`.
#[target_feature(enable = "avx2")]
pub(super) unsafe fn rows_avx2(weight: &[i8], x: &[i8], offset: i32, acc: &mut [i32]) {
    let n = x.len();
    let blocks = n / 16;
    let off = _mm256_set1_epi16(offset as i16);
    // SAFETY: `16 · b + 16 <= n`: the 16 bytes are inside `x` and `row`.
    let load = |row: &[i8], b: usize| unsafe {
        _mm256_cvtepi8_epi16(_mm_loadu_si128(row.as_ptr().add(16 * b).cast()))
    };
    let dots = |rows: &[i8], acc: &mut [i32]| {
        let mut sums = [_mm256_setzero_si256(); ROWS];
        for b in 0..blocks {
            let xv = _mm256_add_epi16(load(x, b), off);
            for (sum, row) in sums.iter_mut().zip(rows.chunks_exact(n)) {
                *sum = _mm256_add_epi32(*sum, _mm256_madd_epi16(load(row, b), xv));
            }
        }
        let tail = 16 * blocks;
        for ((acc, sum), row) in acc.iter_mut().zip(sums).zip(rows.chunks_exact(n)) {
            let rest = super::dot(&row[tail..], &x[tail..], offset);
            *acc = acc.wrapping_add(horizontal_sum(sum)).wrapping_add(rest);
        }
    };
    let mut groups = weight.chunks_exact(ROWS * n);
    let mut accs = acc.chunks_exact_mut(ROWS);
    for (rows, acc) in (&mut groups).zip(&mut accs) {
        dots(rows, acc);
    }
    dots(groups.remainder(), accs.into_remainder());
}

/// The eight int32 lanes of `v` added, wrapping.
#[inline]
#[target_feature(enable = "avx2")]
fn horizontal_sum(v: __m256i) -> i32 {
    let q = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256::<1>(v));
    let q = _mm_hadd_epi32(q, q);
    let mut lanes = [0i32; 4];
    // SAFETY: `lanes` holds four int32.
    unsafe { _mm_storeu_si128(lanes.as_mut_ptr().cast(), _mm_hadd_epi32(q, q)) };
    lanes[0]
}

/// [`super::Kernel::tap`] compiled for AVX2.
///
/// # Safety
/// The CPU must run AVX2.
#[target_feature(enable = "avx2")]
pub(super) unsafe fn tap_avx2(acc: &mut [i32], w: &[i8], x: &[i8], offset: i32) {
    super::tap(acc, w, x, offset);
}
