//! AVX2's counterpart of `block.rs`: a convolution's weights packed with eight output channels
//! in the lanes of a 256-bit vector, two weights of each a lane widened to int16, against
//! [`BLOCK`] output positions at a time. Each position's inputs come offset into int16
//! (`x − zx`, within ±255, zero in the padding); each pair of them is broadcast and multiplied
//! into eight channels by `vpmaddwd` (two products a lane, exact: at most `2 · 255 · 128`), the
//! weights of two blocks of eight loaded once for the four positions: eight accumulators in
//! the sixteen registers. No sums across lanes, no correction: `Σ w · (x − zx)` directly.
//! `vpmaddubsw`, which multiplies bytes directly, saturates its int16 sums and is not used.

use core::arch::x86_64::{
    __m256i, _mm_loadu_si128, _mm256_add_epi32, _mm256_cvtepi8_epi16, _mm256_loadu_si256,
    _mm256_madd_epi16, _mm256_maskload_epi32, _mm256_maskstore_epi32, _mm256_permute2x128_si256,
    _mm256_set1_epi32, _mm256_setr_epi32, _mm256_setzero_si256, _mm256_storeu_si256,
    _mm256_unpackhi_epi32, _mm256_unpackhi_epi64, _mm256_unpacklo_epi32, _mm256_unpacklo_epi64,
};

use super::Kernel;
use super::stage_avx2::Lanes8;

/// Output positions a block.
pub(crate) const BLOCK: usize = 4;

/// A convolution's weights packed by [`Kernel::pack_pairs`]: eight output channels a vector, two
/// int16 weights of each a lane.
#[derive(Debug)]
pub(crate) struct PackedPairs<'a> {
    /// `weights[(b · ⌈k/2⌉ + g) · 16 + 2j + i] = w[8b + j][2g + i]`, zero past `k` and the rows.
    weights: &'a [i16],
    /// Weights a row.
    k: usize,
    /// Rows.
    out: usize,
}

/// The int16 values [`Kernel::pack_pairs`] fills for `out` rows of `k` weights:
/// `⌈out / 8⌉ · ⌈k / 2⌉ · 16`.
#[must_use]
pub(crate) const fn packed_pairs_len(k: usize, out: usize) -> usize {
    out.div_ceil(8) * k.div_ceil(2) * 16
}

impl Kernel {
    /// `rows` (`out` rows of `k` weights end to end) packed into `buf` for [`pairs_dots`], where
    /// this kernel runs them (AVX2 or AVX-VNNI, on a CPU with AVX2) and `buf` holds
    /// [`packed_pairs_len`] values; else `None`.
    #[must_use]
    pub(crate) fn pack_pairs<'a>(
        self,
        rows: &[i8],
        k: usize,
        out: usize,
        buf: &'a mut [i16],
    ) -> Option<PackedPairs<'a>> {
        let len = packed_pairs_len(k, out);
        let fits = k > 0 && rows.len() == out * k && buf.len() >= len;
        let kernel = matches!(self, Kernel::Avx2 | Kernel::AvxVnni);
        if !kernel || !fits || !super::avx2_available() {
            return None;
        }
        // SAFETY: the CPU runs AVX2, checked above; `rows` is `out` rows of `k > 0`, `buf`
        // `packed_pairs_len` long.
        unsafe { pack(rows, k, &mut buf[..len]) };
        Some(PackedPairs {
            weights: &buf[..len],
            k,
            out,
        })
    }
}

/// `rows` (rows of `k` weights end to end) packed for [`pairs_dots`]: each whole block of eight
/// rows eight pairs of weights at a time (sixteen weights of each row widened to int16, then the
/// 8 × 8 pairs transposed), the rest one weight at a time.
///
/// # Safety
/// The CPU must run AVX2; `rows` holds whole rows of `k > 0`, `packed` is
/// [`packed_pairs_len`] long.
#[target_feature(enable = "avx2")]
unsafe fn pack(rows: &[i8], k: usize, packed: &mut [i16]) {
    let pairs = k.div_ceil(2);
    let out = rows.len() / k;
    packed.fill(0);
    // Whole blocks of rows and groups of eight pairs.
    let (blocks, groups) = (out / 8, k / 16);
    for b in 0..blocks {
        for g in 0..groups {
            // SAFETY: weights `16g .. 16g + 16 <= k` of rows `8b .. 8b + 8`.
            let w: [__m256i; 8] = core::array::from_fn(|j| unsafe {
                let at = rows.as_ptr().add((8 * b + j) * k + 16 * g);
                _mm256_cvtepi8_epi16(_mm_loadu_si128(at.cast()))
            });
            for (i, v) in transpose(w).into_iter().enumerate() {
                let at = (b * pairs + 8 * g + i) * 16;
                // SAFETY: the 16 values from `at` are inside `packed`.
                unsafe { _mm256_storeu_si256(packed.as_mut_ptr().add(at).cast(), v) };
            }
        }
    }
    for (o, row) in rows.chunks_exact(k).enumerate() {
        let first = (o / 8) * pairs * 16 + (o % 8) * 2;
        let done = if o < 8 * blocks { 16 * groups } else { 0 };
        for (i, &w) in row.iter().enumerate().skip(done) {
            packed[first + (i / 2) * 16 + i % 2] = w.into();
        }
    }
}

/// The 8 × 8 int32 lanes of `r` transposed: lane `j` of result `i` is lane `i` of `r[j]`.
#[inline]
#[target_feature(enable = "avx2")]
fn transpose(r: [__m256i; 8]) -> [__m256i; 8] {
    // Rows 2q, 2q + 1 interleaved: lanes 0, 1 (and 4, 5) of each, then 2, 3 (6, 7).
    let t = [
        _mm256_unpacklo_epi32(r[0], r[1]),
        _mm256_unpackhi_epi32(r[0], r[1]),
        _mm256_unpacklo_epi32(r[2], r[3]),
        _mm256_unpackhi_epi32(r[2], r[3]),
        _mm256_unpacklo_epi32(r[4], r[5]),
        _mm256_unpackhi_epi32(r[4], r[5]),
        _mm256_unpacklo_epi32(r[6], r[7]),
        _mm256_unpackhi_epi32(r[6], r[7]),
    ];
    // Lane `l` (and `l + 4`) of rows 0 to 3, then of rows 4 to 7.
    let u = [
        _mm256_unpacklo_epi64(t[0], t[2]),
        _mm256_unpackhi_epi64(t[0], t[2]),
        _mm256_unpacklo_epi64(t[1], t[3]),
        _mm256_unpackhi_epi64(t[1], t[3]),
        _mm256_unpacklo_epi64(t[4], t[6]),
        _mm256_unpackhi_epi64(t[4], t[6]),
        _mm256_unpacklo_epi64(t[5], t[7]),
        _mm256_unpackhi_epi64(t[5], t[7]),
    ];
    core::array::from_fn(|i| match i / 4 {
        0 => _mm256_permute2x128_si256::<0x20>(u[i], u[i + 4]),
        _ => _mm256_permute2x128_si256::<0x31>(u[i - 4], u[i]),
    })
}

/// Adds `Σ w · x_p` of every packed row `o` to `acc[p · n + o]` for each position `p` of the
/// block, `n` the rows and `x_p = x[p · k ..][..k]` position `p`'s inputs, offset into int16.
///
/// # Panics
/// If `x` is not [`BLOCK`] inputs of the packed rows' length, or `acc` not [`BLOCK`] sums of
/// every row.
#[inline]
pub(crate) fn pairs_dots(packed: &PackedPairs<'_>, x: &[i16], acc: &mut [i32]) {
    let n = packed.out;
    assert_eq!(x.len(), BLOCK * packed.k, "an input a weight and position");
    assert_eq!(acc.len(), BLOCK * n, "a sum a row and position");
    // SAFETY: `PackedPairs` exists only where the CPU runs AVX2, made by `pack_pairs` for `n`
    // rows of `k`; the lengths were checked above.
    unsafe {
        let acc = acc.as_mut_ptr();
        pairs_sums(packed, x, |first, sums| {
            let mask = first_lanes((n - first).min(8));
            for (p, sum) in sums.iter().enumerate() {
                // SAFETY: the masked int32 from `p · n + first` are inside `acc`.
                let at = acc.add(p * n + first);
                let sum = _mm256_add_epi32(_mm256_maskload_epi32(at, mask), *sum);
                _mm256_maskstore_epi32(at, mask, sum);
            }
        });
    }
}

/// `bias + Σ w · x_p` of every packed row, finished by the output stage `lanes` into
/// `out[p · n + o]` for each position `p`, the sums kept in registers.
///
/// # Panics
/// As [`pairs_dots`]; if `bias` or `lanes` is not one a row, or `out` not [`BLOCK`] outputs of
/// every row.
#[inline]
pub(crate) fn pairs_dots_finished(
    packed: &PackedPairs<'_>,
    x: &[i16],
    bias: &[i32],
    lanes: &Lanes8,
    out: &mut [i8],
) {
    let n = packed.out;
    assert_eq!(x.len(), BLOCK * packed.k, "an input a weight and position");
    assert!(
        bias.len() == n && lanes.channels() == n && out.len() == BLOCK * n,
        "one a row and position"
    );
    // SAFETY: as in `pairs_dots`; `Lanes8` exists only where the CPU runs AVX2.
    unsafe {
        let out = out.as_mut_ptr();
        pairs_sums(packed, x, |first, sums| {
            // SAFETY: the masked int32 from `first` are inside `bias`.
            let mask = first_lanes((n - first).min(8));
            let bias = _mm256_maskload_epi32(bias.as_ptr().add(first), mask);
            let sums = sums.map(|s| _mm256_add_epi32(s, bias));
            // SAFETY: `out` holds `BLOCK · n` bytes.
            lanes.store_each(first / 8, &sums, out);
        });
    }
}

/// The mask of the first `n` (at most 8) int32 lanes.
#[inline]
#[target_feature(enable = "avx2")]
pub(super) fn first_lanes(n: usize) -> __m256i {
    let n = n as i32;
    _mm256_setr_epi32(
        -i32::from(n > 0),
        -i32::from(n > 1),
        -i32::from(n > 2),
        -i32::from(n > 3),
        -i32::from(n > 4),
        -i32::from(n > 5),
        -i32::from(n > 6),
        -i32::from(n > 7),
    )
}

/// Hands `sink` the sums `Σ w · x_p` of rows `first .. first + 8` of each position `p` with each
/// `first` (a multiple of 8 below the rows), lanes past the rows zero: up to two blocks of
/// eight rows at a time.
///
/// # Safety
/// The CPU must run AVX2; `x` is [`BLOCK`] inputs of `k`, `packed` as `pack_pairs` made it.
#[inline]
#[target_feature(enable = "avx2")]
pub(super) unsafe fn pairs_sums(
    packed: &PackedPairs<'_>,
    x: &[i16],
    mut sink: impl FnMut(usize, &[__m256i; BLOCK]),
) {
    let k = packed.k;
    let (pairs, whole) = (k.div_ceil(2), k / 2);
    // Each position's inputs in pairs, the last one of an odd `k` with a zero.
    let word = |p: usize, g: usize| -> i32 {
        let lo = x[p * k + 2 * g] as u16 as u32;
        let hi = if 2 * g + 1 < k {
            x[p * k + 2 * g + 1] as u16 as u32
        } else {
            0
        };
        (lo | hi << 16) as i32
    };
    let tails: [i32; BLOCK] = core::array::from_fn(|p| match whole < pairs {
        true => word(p, whole),
        false => 0,
    });
    let blocks = packed.out.div_ceil(8);
    let mut b = 0;
    while b < blocks {
        let n = (blocks - b).min(2);
        // SAFETY: blocks `b .. b + n` are packed; as this function's.
        unsafe {
            match n {
                1 => chunk::<1>(packed, x, tails, b, &mut sink),
                _ => chunk::<2>(packed, x, tails, b, &mut sink),
            }
        }
        b += n;
    }
}

/// Hands `sink` the sums of blocks `b .. b + N` of eight rows for every position, each block's
/// weights loaded once for the positions and each position's inputs broadcast once for the
/// blocks; `tails` each position's last, odd input and a zero.
///
/// # Safety
/// As [`pairs_sums`]; blocks `b .. b + N` are inside `packed`.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn chunk<const N: usize>(
    packed: &PackedPairs<'_>,
    x: &[i16],
    tails: [i32; BLOCK],
    b: usize,
    sink: &mut impl FnMut(usize, &[__m256i; BLOCK]),
) {
    let k = packed.k;
    let (pairs, whole) = (k.div_ceil(2), k / 2);
    // SAFETY: block `b + t`, pair `g` is 16 values inside `packed`.
    let weights = |t: usize, g: usize| unsafe {
        let at = ((b + t) * pairs + g) * 16;
        _mm256_loadu_si256(packed.weights.as_ptr().add(at).cast())
    };
    let mut a = [[_mm256_setzero_si256(); BLOCK]; N];
    let mut step = |g: usize, words: [i32; BLOCK]| {
        let w: [__m256i; N] = core::array::from_fn(|t| weights(t, g));
        for (p, word) in words.into_iter().enumerate() {
            let x = _mm256_set1_epi32(word);
            for (a, w) in a.iter_mut().zip(&w) {
                a[p] = _mm256_add_epi32(a[p], _mm256_madd_epi16(x, *w));
            }
        }
    };
    for g in 0..whole {
        // SAFETY: inputs `2g`, `2g + 1` of each position are inside `x`.
        step(
            g,
            core::array::from_fn(|p| unsafe {
                x.as_ptr().add(p * k + 2 * g).cast::<i32>().read_unaligned()
            }),
        );
    }
    if whole < pairs {
        step(whole, tails);
    }
    for (t, a) in a.iter().enumerate() {
        sink(8 * (b + t), a);
    }
}
