//! AVX-VNNI's [`super::Kernel::rows_flat`] (`vpdpbusd` on 256-bit vectors, the inputs as
//! unsigned bytes `u = x + 128`; AVX-512's is in `sixteen.rs`), and the convolution's weights
//! packed with the output channels in AVX-512's lanes. Their intrinsics are stable from Rust
//! 1.89 (`nncore_avx512`, set by the build script).
//!
//! The rows kernel takes `acc.len()` rows of `n = x.len() > 0` weights laid end to end (checked
//! by the caller), four rows at a time so that each block of `x` is loaded once for all four.

// Stable from Rust 1.89: the module builds only with `nncore_avx512`.
#![allow(clippy::incompatible_msrv)]

use core::arch::x86_64::{
    __m128i, __m512i, _mm_add_epi32, _mm_hadd_epi32, _mm_loadu_si128, _mm_mullo_epi32,
    _mm_set1_epi32, _mm_storeu_si128, _mm_sub_epi32, _mm256_castsi256_si128,
    _mm256_dpbusd_avx_epi32, _mm256_extracti128_si256, _mm256_loadu_si256, _mm256_set1_epi8,
    _mm256_setzero_si256, _mm256_sub_epi32, _mm256_xor_si256, _mm512_maskz_loadu_epi8,
    _mm512_setzero_si512, _mm512_shuffle_i32x4, _mm512_storeu_si512, _mm512_unpackhi_epi32,
    _mm512_unpackhi_epi64, _mm512_unpacklo_epi32, _mm512_unpacklo_epi64,
};

use super::taps::lane_channel;

/// Rows taken together.
const ROWS: usize = 4;

/// `(128 − offset) · Σ w`: what `Σ w·u` exceeds `Σ w·(x + offset)` by, wrapping.
#[inline]
fn correction(offset: i32, sum: i32) -> i32 {
    (128 - offset).wrapping_mul(sum)
}

/// AVX-VNNI: 32 bytes a block, as AVX-512's (`sixteen.rs`); the last `n % 32` in plain Rust
/// (`Σ w·u` with `sums`, `Σ w·(x + offset)` without).
///
/// # Safety
/// The CPU must run AVX2 and AVX-VNNI; `weight.len() == acc.len() · x.len()`, `sums` (if any)
/// `acc.len()` long.
#[target_feature(enable = "avx2,avxvnni")]
pub(super) unsafe fn rows_avx_vnni(
    weight: &[i8],
    x: &[i8],
    offset: i32,
    sums: Option<&[i32]>,
    acc: &mut [i32],
) {
    let n = x.len();
    let blocks = n / 32;
    let tail = 32 * blocks;
    let flip = _mm256_set1_epi8(i8::MIN);
    let k = _mm256_set1_epi8((128 - offset) as u8 as i8);
    // SAFETY: `32 · b + 32 <= n`: the 32 bytes are inside `x` and `row`.
    let load =
        |row: &[i8], b: usize| unsafe { _mm256_loadu_si256(row.as_ptr().add(32 * b).cast()) };
    // With `sums` the tail adds `Σ w·u` as the blocks do, else `Σ w·(x + offset)`.
    let rest_offset = if sums.is_some() { 128 } else { offset };
    // No correction where `128 − offset` is 0 (an input zero point of −128).
    let fix = sums.is_none() && offset != 128;
    let dots = |rows: &[i8], sums: Option<&[i32]>, acc: &mut [i32]| {
        let mut d = [_mm256_setzero_si256(); ROWS];
        let mut c = [_mm256_setzero_si256(); ROWS];
        for b in 0..blocks {
            let u = _mm256_xor_si256(load(x, b), flip);
            for ((d, c), row) in d.iter_mut().zip(&mut c).zip(rows.chunks_exact(n)) {
                let w = load(row, b);
                *d = _mm256_dpbusd_avx_epi32(*d, u, w);
                if fix {
                    *c = _mm256_dpbusd_avx_epi32(*c, k, w);
                }
            }
        }
        for (acc, row) in acc.iter_mut().zip(rows.chunks_exact(n)) {
            *acc = acc.wrapping_add(super::dot(&row[tail..], &x[tail..], rest_offset));
        }
        let q: [__m128i; ROWS] = core::array::from_fn(|r| {
            let v = _mm256_sub_epi32(d[r], c[r]);
            _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256::<1>(v))
        });
        // Lane r of the result is the sum of the four lanes of q[r].
        let all = _mm_hadd_epi32(_mm_hadd_epi32(q[0], q[1]), _mm_hadd_epi32(q[2], q[3]));
        finish(all, sums, offset, acc);
    };
    let mut groups = weight.chunks_exact(ROWS * n);
    let mut accs = acc.chunks_exact_mut(ROWS);
    for (o, (rows, acc)) in (&mut groups).zip(&mut accs).enumerate() {
        dots(rows, sums.map(|s| &s[ROWS * o..ROWS * o + ROWS]), acc);
    }
    let (rest, done) = (accs.into_remainder(), weight.len() / n / ROWS * ROWS);
    if !rest.is_empty() {
        dots(groups.remainder(), sums.map(|s| &s[done..]), rest);
    }
}

/// Adds lane `r` of `all` to `acc[r]` (for the rows there are, up to four), less the
/// correction of `sums[r]` if given.
#[inline]
#[target_feature(enable = "avx2")]
fn finish(all: __m128i, sums: Option<&[i32]>, offset: i32, acc: &mut [i32]) {
    if acc.len() == ROWS {
        // SAFETY: `acc` and `sums` (if any) hold four int32.
        unsafe {
            let mut sum = _mm_add_epi32(_mm_loadu_si128(acc.as_ptr().cast()), all);
            if let Some(s) = sums {
                let s = _mm_loadu_si128(s.as_ptr().cast());
                sum = _mm_sub_epi32(sum, _mm_mullo_epi32(s, _mm_set1_epi32(128 - offset)));
            }
            _mm_storeu_si128(acc.as_mut_ptr().cast(), sum);
        }
        return;
    }
    let mut lanes = [0i32; ROWS];
    // SAFETY: `lanes` holds four int32.
    unsafe { _mm_storeu_si128(lanes.as_mut_ptr().cast(), all) };
    for (r, acc) in acc.iter_mut().enumerate() {
        let fix = sums.map_or(0, |s| correction(offset, s[r]));
        *acc = acc.wrapping_add(lanes[r]).wrapping_sub(fix);
    }
}

/// [`super::Kernel::tap`] compiled for AVX-512.
///
/// # Safety
/// The CPU must run AVX-512F and AVX-512BW.
#[target_feature(enable = "avx512f,avx512bw")]
pub(super) unsafe fn tap_avx512(acc: &mut [i32], w: &[i8], x: &[i8], offset: i32) {
    super::tap(acc, w, x, offset);
}

/// `rows` (rows of `k` weights end to end) packed for `block.rs`'s products: sixteen output
/// channels a block, four weights of each a lane,
/// `packed[(b · ⌈k/4⌉ + g) · 64 + 4j + i] = w[16b + j][4g + i]`, zero past `k` and past the
/// last row: sixteen groups of four (64 bytes) of each of sixteen rows loaded at a time and
/// transposed as 16 × 16 int32. Writes every one of the `⌈out / 16⌉ · ⌈k/4⌉ · 64` bytes from
/// `packed`. In the lanes' order (`lane_order`, whole blocks of 64 rows), packed row `r` is row
/// [`lane_channel`]`(r)`.
///
/// # Safety
/// The CPU must run AVX-512F and AVX-512BW; `rows` holds whole rows of `k > 0`, a multiple of
/// 64 of them in the lanes' order; `packed` points to `len`, that many writable bytes.
#[target_feature(enable = "avx512f,avx512bw")]
pub(super) unsafe fn pack(rows: &[i8], k: usize, lane_order: bool, packed: *mut i8, len: usize) {
    let groups = k.div_ceil(4);
    let out = rows.len() / k;
    debug_assert_eq!(len, out.div_ceil(16) * groups * 64, "the packed bytes");
    debug_assert!(!lane_order || out % 64 == 0, "whole blocks of 64 rows");
    let row = |r: usize| match lane_order {
        true => lane_channel(r),
        false => r,
    };
    for b in 0..out.div_ceil(16) {
        let n = (out - 16 * b).min(16);
        for c in 0..groups.div_ceil(16) {
            // The bytes `64c ..` of each row inside it, zero past it and past the rows.
            let mask = !0u64 >> (64 - (k - 64 * c).min(64));
            let r: [__m512i; 16] = core::array::from_fn(|j| match j < n {
                // SAFETY: the masked bytes from `64c` of row `16b + j < out` are inside it.
                true => unsafe {
                    _mm512_maskz_loadu_epi8(mask, rows.as_ptr().add(row(16 * b + j) * k + 64 * c))
                },
                false => _mm512_setzero_si512(),
            });
            // Each vector stored from its register, the loop unrolled (a loop of
            // `groups − 16c` would copy them through the stack with `memcpy`).
            let m = groups - 16 * c;
            for (l, v) in transpose(r).into_iter().enumerate() {
                if l < m {
                    let at = (b * groups + 16 * c + l) * 64;
                    // SAFETY: the 64 bytes from `at` are inside the `len` from `packed`.
                    unsafe { _mm512_storeu_si512(packed.add(at).cast(), v) };
                }
            }
        }
    }
}

/// The 16 × 16 int32 lanes of `r` transposed: lane `j` of result `l` is lane `l` of `r[j]`.
#[inline]
#[target_feature(enable = "avx512f")]
fn transpose(r: [__m512i; 16]) -> [__m512i; 16] {
    // Rows 2a, 2a + 1 interleaved: in each quarter `q`, lanes 4q, 4q + 1 of both, then
    // 4q + 2, 4q + 3.
    let t: [__m512i; 16] = core::array::from_fn(|i| {
        let (x, y) = (r[i & !1], r[i | 1]);
        match i % 2 {
            0 => _mm512_unpacklo_epi32(x, y),
            _ => _mm512_unpackhi_epi32(x, y),
        }
    });
    // u[4b + j]: in each quarter `q`, lane 4q + j of rows 4b .. 4b + 4.
    let u: [__m512i; 16] = core::array::from_fn(|i| {
        let (b, j) = (i / 4, i % 4);
        let (x, y) = (t[4 * b + j / 2], t[4 * b + 2 + j / 2]);
        match j % 2 {
            0 => _mm512_unpacklo_epi64(x, y),
            _ => _mm512_unpackhi_epi64(x, y),
        }
    });
    // Result 4q + j: quarter `q` of u[j], u[4 + j], u[8 + j], u[12 + j].
    core::array::from_fn(|l| {
        let (q, j) = (l / 4, l % 4);
        let (a, b) = match q / 2 {
            0 => (
                _mm512_shuffle_i32x4::<0b01_00_01_00>(u[j], u[4 + j]),
                _mm512_shuffle_i32x4::<0b01_00_01_00>(u[8 + j], u[12 + j]),
            ),
            _ => (
                _mm512_shuffle_i32x4::<0b11_10_11_10>(u[j], u[4 + j]),
                _mm512_shuffle_i32x4::<0b11_10_11_10>(u[8 + j], u[12 + j]),
            ),
        };
        match q % 2 {
            0 => _mm512_shuffle_i32x4::<0b10_00_10_00>(a, b),
            _ => _mm512_shuffle_i32x4::<0b11_01_11_01>(a, b),
        }
    })
}
