//! A convolution's packed weights ([`super::Kernel::pack`]) against [`BLOCK`] output positions
//! at a time on AVX-512 VNNI (or more for narrow layers, [`positions`]), output channels in
//! the lanes: for each group of four inputs, the weights of up to four blocks of sixteen
//! channels (two with eight positions, one with sixteen) are loaded once for all the positions,
//! and each position's four inputs are broadcast once for all the blocks, so that sixteen
//! `vpdpbusd` chains run side by side in registers (four loads and four broadcasts for sixteen
//! `vpdpbusd`, where one position at a time needs a load for each; a layer of one or two
//! blocks of channels would run only four or eight chains four positions at a time). The sums
//! then go through the output stage a block of channels at a time, its multipliers read once for the
//! positions. No sums across lanes: each lane's sum is the one position at a time gives. A
//! position's inputs are runs of bytes ([`Runs`]): its patch, or its rows of taps where they
//! lie in the padded input.

// Stable from Rust 1.89: the module builds only with `nncore_avx512`.
#![allow(clippy::incompatible_msrv)]

use core::arch::x86_64::{
    __m512i, _mm512_dpbusd_epi32, _mm512_loadu_si512, _mm512_mask_storeu_epi32,
    _mm512_maskz_loadu_epi32, _mm512_set1_epi8, _mm512_set1_epi32, _mm512_setzero_si512,
    _mm512_storeu_si512, _mm512_sub_epi32,
};

use super::prepared::Lanes;
use super::runs::{Apart, Inputs, Runs, broadcasts, word};
use super::wide::Packed;

/// Output positions a block.
pub(crate) const BLOCK: usize = 4;

/// Output positions a block for `out` rows of `k` weights: sixteen sums in registers (16
/// positions for one block of sixteen rows, 8 for two, else [`BLOCK`]), while a block's inputs
/// take at most 16 KiB.
#[must_use]
pub(crate) const fn positions(k: usize, out: usize) -> usize {
    let p = 16
        / match out.div_ceil(16) {
            0 | 1 => 1,
            2 => 2,
            _ => 4,
        };
    match p * k <= 16 * 1024 {
        true => p,
        false => BLOCK,
    }
}

/// `base[o] = bias[o] − (128 − offset) · Σ w` for every packed row `o`, wrapping: what the
/// sums of the unsigned inputs `x + 128` start from to give `bias + Σ w · (x + offset)`. One
/// `vpdpbusd` a packed vector, `128 − offset` (within [0, 255]) as the unsigned bytes.
///
/// # Panics
/// If `bias` or `base` is not one a row, or `offset` is outside [-127, 128].
#[inline]
pub(crate) fn block_base(packed: &Packed<'_>, bias: &[i32], offset: i32, base: &mut [i32]) {
    let n = packed.out;
    assert!(bias.len() == n && base.len() == n, "one a row");
    let k = u8::try_from(128 - offset).expect("an offset within [-127, 128]");
    if let Some(sums) = packed.sums {
        for ((base, &bias), &sum) in base.iter_mut().zip(bias).zip(sums) {
            *base = bias.wrapping_sub(i32::from(k) * sum);
        }
        return;
    }
    // SAFETY: `Packed` exists only where the CPU runs AVX-512 VNNI, made by `vnni::pack` for
    // `n` rows; the lengths were checked above.
    unsafe { packed_base(packed, bias, k, base) };
}

/// [`block_base`], checked.
///
/// # Safety
/// The CPU must run AVX-512F, AVX-512BW and AVX-512 VNNI; `bias` and `base` are one a packed
/// row.
#[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
unsafe fn packed_base(packed: &Packed<'_>, bias: &[i32], k: u8, base: &mut [i32]) {
    let n = packed.out;
    let groups = packed.k.div_ceil(4);
    let k = _mm512_set1_epi8(k as i8);
    for (b, weights) in packed.weights.chunks_exact(64 * groups).enumerate() {
        let mut sum = _mm512_setzero_si512();
        for w in weights.chunks_exact(64) {
            // SAFETY: `w` is 64 bytes.
            let w = unsafe { _mm512_loadu_si512(w.as_ptr().cast()) };
            sum = _mm512_dpbusd_epi32(sum, k, w);
        }
        let mask = (!0u32 >> (32 - (n - 16 * b).min(16))) as u16;
        // SAFETY: the masked int32 from `16 · b` are inside `bias` and `base`.
        unsafe {
            let bias = _mm512_maskz_loadu_epi32(mask, bias.as_ptr().add(16 * b));
            let at = base.as_mut_ptr().add(16 * b);
            _mm512_mask_storeu_epi32(at, mask, _mm512_sub_epi32(bias, sum));
        }
    }
}

/// Adds `Σ w · u_p` of every packed row `o` to `acc[p · n + o]` for each position `p` of the
/// block of `P` ([`BLOCK`], or [`positions`]), `n` the rows and `u_p` position `p`'s inputs in
/// `runs`: the caller takes `(128 + zx) · Σ w` off beforehand.
///
/// # Panics
/// If `runs` are not inputs of the packed rows' length, `acc` not `P` sums of every row, or `P`
/// neither [`BLOCK`] nor [`positions`].
#[inline]
pub(crate) fn block_dots<const P: usize>(packed: &Packed<'_>, runs: Runs<'_, P>, acc: &mut [i32]) {
    let n = packed.out;
    assert!(
        P == BLOCK || P == positions(packed.k, n),
        "a block of positions for the rows"
    );
    assert_eq!(runs.k(), packed.k, "an input a weight");
    assert_eq!(acc.len(), P * n, "a sum a row and position");
    // Rows in the lanes' order leave the sums in that order too (the caller's to undo).
    // SAFETY: `Packed` exists only where the CPU runs AVX-512 VNNI, made by `vnni::pack` for
    // `n` rows of `k`; the lengths were checked above.
    unsafe {
        let mask = |first: usize| (!0u32 >> (32 - (n - first).min(16))) as u16;
        // SAFETY: the masked int32 from `p · n + first` are inside `acc`.
        let acc = acc.as_mut_ptr();
        let at = |first: usize, p: usize| acc.add(p * n + first);
        block_sums::<P>(
            packed,
            runs,
            |first, p| _mm512_maskz_loadu_epi32(mask(first), at(first, p)),
            |first, blocks| {
                for (first, sums) in (first..).step_by(16).zip(blocks) {
                    for (p, sum) in sums.iter().enumerate() {
                        _mm512_mask_storeu_epi32(at(first, p), mask(first), *sum);
                    }
                }
            },
        );
    }
}

/// [`block_dots`] added to `base` (one a row) and finished by the output stage `lanes` into
/// `out[p · n + o]`, the sums kept in registers. Rows packed in the lanes' order
/// ([`Packed::lane_order`]) take `base` and `lanes` in that order too, and each position's
/// four blocks go out as its 64 bytes, in channel order (no bytes moved between lanes).
///
/// # Panics
/// As [`block_dots`]; if `base` or `lanes` is not one a row, or `out` not `P` outputs of every
/// row.
#[inline]
pub(crate) fn block_dots_finished<const P: usize>(
    packed: &Packed<'_>,
    runs: Runs<'_, P>,
    base: &[i32],
    lanes: &Lanes,
    out: &mut [i8],
) {
    let n = packed.out;
    assert!(
        P == BLOCK || P == positions(packed.k, n),
        "a block of positions for the rows"
    );
    assert_eq!(runs.k(), packed.k, "an input a weight");
    assert!(
        base.len() == n && lanes.channels() == n && out.len() == P * n,
        "one a row and position"
    );
    assert!(
        !packed.lane_order || (P == 4 && n % 64 == 0),
        "four positions of whole blocks of 64 rows in the lanes' order"
    );
    // SAFETY: the masked int32 from `first` are inside `base`.
    let start = |first, _| unsafe {
        _mm512_maskz_loadu_epi32(lanes.mask(first / 16), base.as_ptr().add(first))
    };
    let out = out.as_mut_ptr();
    // SAFETY: as in `block_dots`; `Lanes` exists only where the CPU runs AVX-512F; `out` holds
    // `P · n` bytes.
    unsafe {
        match (packed.lane_order, lanes.fast()) {
            (false, _) => block_sums::<P>(packed, runs, start, |first, blocks| {
                for (b, sums) in (first / 16..).zip(blocks) {
                    lanes.store_each(b, sums, out);
                }
            }),
            (true, true) => block_sums::<P>(packed, runs, start, |first, blocks| {
                in_order::<P, true>(lanes, first, blocks, n, out)
            }),
            (true, false) => block_sums::<P>(packed, runs, start, |first, blocks| {
                in_order::<P, false>(lanes, first, blocks, n, out)
            }),
        }
    }
}

/// The outputs of rows `first .. first + 64` (four blocks `sums` of rows in the lanes' order,
/// `first` a multiple of 64) for each position `p`, to `out[p · n + first ..]` in channel
/// order: one 64-byte store a position.
///
/// # Safety
/// The CPU must run AVX-512F and BW; the stage's `FAST` is [`Lanes::fast`]; rows `first ..
/// first + 64` are the stage's; `out` holds `P · n` bytes.
#[inline]
#[target_feature(enable = "avx512f,avx512bw")]
unsafe fn in_order<const P: usize, const FAST: bool>(
    lanes: &Lanes,
    first: usize,
    sums: &[[__m512i; P]],
    n: usize,
    out: *mut i8,
) {
    debug_assert!(
        sums.len() == 4 && first % 64 == 0,
        "whole blocks of 64 rows"
    );
    // Position `p` of each of the four blocks.
    #[allow(clippy::needless_range_loop)]
    for p in 0..P {
        let x = [sums[0][p], sums[1][p], sums[2][p], sums[3][p]];
        // SAFETY: as this function's; the 64 bytes from `p · n + first` are inside `out`.
        unsafe {
            let y = lanes.packed_blocks_with::<FAST>(first / 64, x);
            _mm512_storeu_si512(out.add(p * n + first).cast(), y);
        }
    }
}

/// Hands `sink` the sums `start(first, p) + Σ w · u_p` of each block of sixteen rows from
/// `first` (a multiple of 16 below the rows) and each position `p`, lanes past the rows
/// `start`'s: up to `16 / P` blocks at a time (sixteen sums in registers), all four of a block
/// of 64 rows together where `P` is 4 and the rows a multiple of 64. Where the positions' runs
/// are evenly spaced (`Runs::apart` not 0), their inputs are read from one address and its
/// multiples of the spacing.
///
/// # Safety
/// The CPU must run AVX-512F, AVX-512BW and AVX-512 VNNI; `runs` are inputs of `k`, `packed`
/// as `vnni::pack` made it; `P` is [`BLOCK`] or [`positions`].
#[inline]
#[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
unsafe fn block_sums<const P: usize>(
    packed: &Packed<'_>,
    runs: Runs<'_, P>,
    start: impl Fn(usize, usize) -> __m512i,
    mut sink: impl FnMut(usize, &[[__m512i; P]]),
) {
    let whole = runs.len / 4;
    // Each position's last, partial group of four inputs (runs of one row only), zero past
    // `k`. (Byte by byte: at most three, where a copy would call `memmove`.)
    let tails: [i32; P] = core::array::from_fn(|p| {
        let at = runs.first[p] + 4 * whole;
        let rest = &runs.u[at..at + runs.len % 4];
        let tail = rest.iter().rev().fold(0u32, |t, &b| t << 8 | u32::from(b));
        tail as i32
    });
    let inputs = Inputs { runs, whole, tails };
    let blocks = packed.out.div_ceil(16);
    let mut b = 0;
    while b < blocks {
        let n = (blocks - b).min(16 / P);
        // SAFETY: blocks `b .. b + n` are packed; as this function's.
        unsafe {
            match inputs.runs.apart {
                0 => chunks::<P, false>(n, packed, &inputs, b, &start, &mut sink),
                _ => chunks::<P, true>(n, packed, &inputs, b, &start, &mut sink),
            }
        }
        b += n;
    }
}

/// [`chunk`] of `n` blocks (at most `16 / P`), the runs evenly spaced where `EVEN`.
///
/// # Safety
/// As [`chunk`].
#[inline]
#[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
unsafe fn chunks<const P: usize, const EVEN: bool>(
    n: usize,
    packed: &Packed<'_>,
    inputs: &Inputs<'_, P>,
    b: usize,
    start: &impl Fn(usize, usize) -> __m512i,
    sink: &mut impl FnMut(usize, &[[__m512i; P]]),
) {
    // SAFETY: the caller's.
    unsafe {
        match (n, P) {
            (1, _) => chunk::<1, P, EVEN>(packed, inputs, b, start, sink),
            (_, 8) => chunk::<2, P, EVEN>(packed, inputs, b, start, sink),
            (2, _) => chunk::<2, P, EVEN>(packed, inputs, b, start, sink),
            (3, _) => chunk::<3, P, EVEN>(packed, inputs, b, start, sink),
            _ => chunk::<4, P, EVEN>(packed, inputs, b, start, sink),
        }
    }
}

/// Hands `sink` the sums of blocks `b .. b + N` of sixteen rows for every position (from
/// `start`'s), each block's weights loaded once for the positions and each position's inputs
/// broadcast once for the blocks; the positions' runs evenly spaced where `EVEN`.
///
/// # Safety
/// As [`block_sums`]; blocks `b .. b + N` are inside `packed`; where `EVEN`, the runs are
/// evenly spaced.
#[inline]
#[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
unsafe fn chunk<const N: usize, const P: usize, const EVEN: bool>(
    packed: &Packed<'_>,
    inputs: &Inputs<'_, P>,
    b: usize,
    start: &impl Fn(usize, usize) -> __m512i,
    sink: &mut impl FnMut(usize, &[[__m512i; P]]),
) {
    let groups = packed.k.div_ceil(4);
    // SAFETY: block `b + t`, group `g` is 64 bytes inside `packed`.
    let weights = |t: usize, g: usize| unsafe {
        _mm512_loadu_si512(
            packed
                .weights
                .as_ptr()
                .add(((b + t) * groups + g) * 64)
                .cast(),
        )
    };
    let mut a: [[__m512i; P]; N] =
        core::array::from_fn(|t| core::array::from_fn(|p| start(16 * (b + t), p)));
    // Position `p`'s four inputs `x`, broadcast, against group `g`'s weights `w`.
    let mut dots = |p: usize, x: __m512i, w: &[__m512i; N]| {
        for (a, w) in a.iter_mut().zip(w) {
            a[p] = _mm512_dpbusd_epi32(a[p], x, *w);
        }
    };
    let group = |g: usize| -> [__m512i; N] { core::array::from_fn(|t| weights(t, g)) };
    let whole = inputs.whole;
    let apart = Apart::new(inputs.runs.apart);
    for r in 0..inputs.runs.rows {
        match EVEN {
            true => {
                let first = inputs.first_run(r);
                for g in 0..whole {
                    let w = group(r * whole + g);
                    // SAFETY: `4g + 4` is within each run, `apart` from one another.
                    unsafe { broadcasts::<P>(first.add(4 * g), &apart, |p, x| dots(p, x, &w)) };
                }
            }
            false => {
                let at = inputs.run(r);
                for g in 0..whole {
                    let w = group(r * whole + g);
                    for (p, &at) in at.iter().enumerate() {
                        // SAFETY: `4g + 4` is within each run.
                        dots(p, _mm512_set1_epi32(unsafe { word(at, g) }), &w);
                    }
                }
            }
        }
    }
    if inputs.runs.rows * whole < groups {
        let w = group(inputs.runs.rows * whole);
        for (p, &t) in inputs.tails.iter().enumerate() {
            dots(p, _mm512_set1_epi32(t), &w);
        }
    }
    // A copy handed on, so that the sums themselves never need memory (they would otherwise
    // be stored there before the loops too).
    let sums = a;
    sink(16 * b, &sums);
}
