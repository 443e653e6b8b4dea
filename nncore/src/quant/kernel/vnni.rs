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
    _mm256_setzero_si256, _mm256_sub_epi32, _mm256_xor_si256, _mm512_add_epi32,
    _mm512_dpbusd_epi32, _mm512_loadu_si512, _mm512_mask_i32gather_epi32, _mm512_mask_storeu_epi32,
    _mm512_maskz_loadu_epi32, _mm512_mullo_epi32, _mm512_set1_epi32, _mm512_setr_epi32,
    _mm512_setzero_si512, _mm512_storeu_si512,
};

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

/// `rows` (rows of `k` weights end to end) packed for [`dots_in_lanes`]: sixteen output
/// channels a block, four weights of each a lane,
/// `packed[(b · ⌈k/4⌉ + g) · 64 + 4j + i] = w[16b + j][4g + i]`, zero past `k` and past the
/// last row: each whole group of four gathered from sixteen rows at once, a last partial group
/// one row at a time. `packed` holds `⌈out / 16⌉ · ⌈k/4⌉ · 64` bytes.
///
/// # Safety
/// The CPU must run AVX-512F; `rows` holds whole rows of `k > 0`.
#[target_feature(enable = "avx512f")]
pub(super) unsafe fn pack(rows: &[i8], k: usize, packed: &mut [i8]) {
    let (groups, whole) = (k.div_ceil(4), k / 4);
    let out = rows.len() / k;
    // Row `j` of a block starts `j · k` bytes after the block's first (`16 · k` fits an i32
    // where the rows fit memory: checked).
    let step = i32::try_from(k)
        .ok()
        .filter(|k| k.checked_mul(16).is_some());
    let Some(step) = step else {
        return pack_rows(rows, k, packed);
    };
    let offsets = _mm512_mullo_epi32(
        _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
        _mm512_set1_epi32(step),
    );
    for b in 0..out.div_ceil(16) {
        let n = (out - 16 * b).min(16);
        let mask = (!0u32 >> (32 - n)) as u16;
        // SAFETY: rows `16b .. 16b + n` are inside `rows`.
        let first = unsafe { rows.as_ptr().add(16 * b * k) };
        for g in 0..whole {
            let at = (b * groups + g) * 64;
            // SAFETY: bytes `4g .. 4g + 4 <= k` of each of the `n` rows; the 64 bytes from
            // `at` are inside `packed`.
            unsafe {
                let w = _mm512_mask_i32gather_epi32::<1>(
                    _mm512_setzero_si512(),
                    mask,
                    offsets,
                    first.add(4 * g).cast(),
                );
                _mm512_storeu_si512(packed.as_mut_ptr().add(at).cast(), w);
            }
        }
        if whole < groups {
            let at = (b * groups + whole) * 64;
            let lanes = &mut packed[at..at + 64];
            lanes.fill(0);
            for j in 0..n {
                let row = &rows[(16 * b + j) * k..(16 * b + j + 1) * k];
                lanes[4 * j..4 * j + k - 4 * whole].copy_from_slice(&row[4 * whole..]);
            }
        }
    }
}

/// [`pack`] one row at a time.
fn pack_rows(rows: &[i8], k: usize, packed: &mut [i8]) {
    let groups = k.div_ceil(4);
    packed.fill(0);
    for (o, row) in rows.chunks_exact(k).enumerate() {
        let first = (o / 16) * groups * 64 + (o % 16) * 4;
        let (fours, rest) = row.as_chunks::<4>();
        for (g, w) in fours.iter().enumerate() {
            let at = first + 64 * g;
            packed[at..at + 4].copy_from_slice(w);
        }
        if !rest.is_empty() {
            let at = first + 64 * fours.len();
            packed[at..at + rest.len()].copy_from_slice(rest);
        }
    }
}

/// Adds `Σ w · u` of every row [`pack`] packed into `acc`, output channels in the lanes: each
/// four inputs broadcast to all lanes, `vpdpbusd` against the weights of sixteen channels, four
/// blocks of sixteen at a time ([`chains`]). No sums across lanes.
///
/// # Safety
/// The CPU must run AVX-512F, AVX-512BW and AVX-512 VNNI; `u` is `k` long, `packed` as [`pack`]
/// made it for `acc.len()` rows of `k`.
#[inline]
#[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
pub(super) unsafe fn dots_in_lanes(packed: &[i8], u: &[u8], acc: &mut [i32]) {
    let rows = acc.len();
    // SAFETY: as this function's.
    unsafe {
        sums_in_lanes(packed, u, rows, |first, sum| {
            // The last block's lanes past `acc` are masked off.
            let mask = (!0u32 >> (32 - (rows - first).min(16))) as u16;
            // SAFETY: the masked int32 from `first` are inside `acc`.
            let at = acc.as_mut_ptr().add(first);
            let sum = _mm512_add_epi32(_mm512_maskz_loadu_epi32(mask, at), sum);
            _mm512_mask_storeu_epi32(at, mask, sum);
        });
    }
}

/// [`dots_in_lanes`] added to `base` and finished by the output stage `lanes` into `out`, in
/// registers.
///
/// # Safety
/// As [`dots_in_lanes`], with `base` and `out` the stage's channels long, one a row.
#[inline]
#[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
pub(super) unsafe fn dots_in_lanes_finished(
    packed: &[i8],
    u: &[u8],
    base: &[i32],
    lanes: &super::prepared::Lanes,
    out: &mut [i8],
) {
    // SAFETY: as this function's.
    unsafe {
        sums_in_lanes(packed, u, base.len(), |first, sum| {
            let b = first / 16;
            let base = _mm512_maskz_loadu_epi32(lanes.mask(b), base.as_ptr().add(first));
            lanes.store(b, _mm512_add_epi32(base, sum), out);
        });
    }
}

/// Hands `sink` the sums `Σ w · u` of rows `first .. first + 16` with each `first` (a multiple
/// of 16 below `rows`), lanes past the rows zero.
///
/// # Safety
/// As [`dots_in_lanes`], for `rows` rows.
#[inline]
#[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
unsafe fn sums_in_lanes(
    packed: &[i8],
    u: &[u8],
    rows: usize,
    mut sink: impl FnMut(usize, __m512i),
) {
    let k = u.len();
    let groups = k.div_ceil(4);
    let mut tail = [0u8; 4];
    tail[..k - 4 * (k / 4)].copy_from_slice(&u[4 * (k / 4)..]);
    let tail = i32::from_le_bytes(tail);
    // The four inputs of group `g`; past `k` the weights are zero.
    let word = |g: usize| -> i32 {
        if 4 * g + 4 <= k {
            // SAFETY: bytes `4g .. 4g + 4` are inside `u`.
            unsafe { u.as_ptr().add(4 * g).cast::<i32>().read_unaligned() }
        } else {
            tail
        }
    };
    // SAFETY: block `b`, group `g` is 64 bytes inside `packed`.
    let weights = |b: usize, g: usize| unsafe {
        _mm512_loadu_si512(packed.as_ptr().add((b * groups + g) * 64).cast())
    };
    let blocks = rows.div_ceil(16);
    let mut b = 0;
    while b < blocks {
        // Up to four blocks at a time, each input broadcast once for all; eight chains of
        // `vpdpbusd` in flight or as near as the blocks allow.
        let n = (blocks - b).min(4);
        let a = match n {
            1 => chains::<1, 4>(b, groups, word, weights),
            2 => chains::<2, 4>(b, groups, word, weights),
            3 => chains::<3, 2>(b, groups, word, weights),
            _ => chains::<4, 2>(b, groups, word, weights),
        };
        for (t, a) in a.iter().enumerate().take(n) {
            sink(16 * (b + t), *a);
        }
        b += n;
    }
}

/// The sums of blocks `b .. b + N` (the rest of the four zero) over `groups` groups, group `g`
/// on chain `g % CH` of each block, the chains added at the end (wrapping, in any order): each
/// `vpdpbusd` need not wait for the one before.
#[inline]
#[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
fn chains<const N: usize, const CH: usize>(
    b: usize,
    groups: usize,
    word: impl Fn(usize) -> i32,
    weights: impl Fn(usize, usize) -> __m512i,
) -> [__m512i; 4] {
    let mut a = [[_mm512_setzero_si512(); N]; CH];
    let mut g = 0;
    while g + CH <= groups {
        for (c, a) in a.iter_mut().enumerate() {
            let u = _mm512_set1_epi32(word(g + c));
            for (t, a) in a.iter_mut().enumerate() {
                *a = _mm512_dpbusd_epi32(*a, u, weights(b + t, g + c));
            }
        }
        g += CH;
    }
    for g in g..groups {
        let u = _mm512_set1_epi32(word(g));
        for (t, a) in a[0].iter_mut().enumerate() {
            *a = _mm512_dpbusd_epi32(*a, u, weights(b + t, g));
        }
    }
    let mut out = [_mm512_setzero_si512(); 4];
    for (t, out) in out.iter_mut().enumerate().take(N) {
        for chain in &a {
            *out = _mm512_add_epi32(*out, chain[t]);
        }
    }
    out
}
