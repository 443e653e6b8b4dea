//! A depthwise convolution's taps on AVX-512 VNNI: four taps of each channel in a lane, so that
//! one `vpdpbusd` adds four taps of sixteen channels. The inputs of four taps (64 channels of
//! each) are interleaved byte by byte with two rounds of unpacks, which leave the channels of
//! each 128-bit quarter in the order `4p + i` of vector `p`; the weights are packed in that
//! order once per call ([`pack`]), and the four sums' quarters are put back in channel order
//! at the end of each position.

// Stable from Rust 1.89: the module builds only with `nncore_avx512`.
#![allow(clippy::incompatible_msrv)]

use super::prepared::Lanes;
use core::arch::x86_64::{
    __m512i, _mm512_add_epi32, _mm512_dpbusd_epi32, _mm512_loadu_si512, _mm512_mask_storeu_epi32,
    _mm512_maskz_loadu_epi8, _mm512_maskz_loadu_epi32, _mm512_set1_epi8, _mm512_setzero_si512,
    _mm512_shuffle_i32x4, _mm512_storeu_si512, _mm512_unpackhi_epi8, _mm512_unpackhi_epi16,
    _mm512_unpacklo_epi8, _mm512_unpacklo_epi16, _mm512_xor_si512,
};

/// The bytes [`pack`] fills for `taps` taps of `channels` channels: 256 per block of 64
/// channels and group of four taps.
pub(super) const fn packed_len(taps: usize, channels: usize) -> usize {
    channels.div_ceil(64) * taps.div_ceil(4) * 256
}

/// `weight[t · channels + c]` (tap `t` of channel `c`) packed for [`dots`]: block `q` of 64
/// channels, group `g` of four taps, vector `p`, lane `4b + i` holds channel
/// `64q + 16b + 4p + i`, its taps `4g .. 4g + 4` in the lane's four bytes; zero past the taps
/// and the channels. The weights of four taps go through the inputs' unpacks ([`interleave`]).
/// `packed` is [`packed_len`] long.
///
/// # Safety
/// The CPU must run AVX-512F and AVX-512BW; `weight` holds `taps · channels` bytes.
#[target_feature(enable = "avx512f,avx512bw")]
pub(super) unsafe fn pack(weight: &[i8], taps: usize, channels: usize, packed: &mut [i8]) {
    let groups = taps.div_ceil(4);
    for q in 0..channels.div_ceil(64) {
        let first = 64 * q;
        let bytes = !0u64 >> (64 - (channels - first).min(64));
        for g in 0..groups {
            // SAFETY: tap `t < taps` holds the masked bytes from `first`.
            let w: [__m512i; 4] = core::array::from_fn(|s| match 4 * g + s {
                t if t < taps => unsafe {
                    _mm512_maskz_loadu_epi8(bytes, weight.as_ptr().add(t * channels + first))
                },
                _ => _mm512_setzero_si512(),
            });
            for (p, w) in interleave(w).into_iter().enumerate() {
                let at = ((q * groups + g) * 4 + p) * 64;
                // SAFETY: the 64 bytes from `at` are inside `packed`.
                unsafe { _mm512_storeu_si512(packed.as_mut_ptr().add(at).cast(), w) };
            }
        }
    }
}

/// The bytes of four rows interleaved: vector `p`, lane `4b + i` holds byte `16b + 4p + i` of
/// each row in turn (two rounds of unpacks, within 128-bit quarters).
#[inline]
#[target_feature(enable = "avx512f,avx512bw")]
fn interleave(x: [__m512i; 4]) -> [__m512i; 4] {
    let (a, b) = (
        _mm512_unpacklo_epi8(x[0], x[1]),
        _mm512_unpackhi_epi8(x[0], x[1]),
    );
    let (c, d) = (
        _mm512_unpacklo_epi8(x[2], x[3]),
        _mm512_unpackhi_epi8(x[2], x[3]),
    );
    [
        _mm512_unpacklo_epi16(a, c),
        _mm512_unpackhi_epi16(a, c),
        _mm512_unpacklo_epi16(b, d),
        _mm512_unpackhi_epi16(b, d),
    ]
}

/// Adds `Σ_t w_t[c] · (x_t[c] + 128)` to `acc[c]` for every channel, `x_t` the first
/// `acc.len()` bytes of `taps[t]`; taps past `taps.len()` up to a multiple of four read
/// `taps[0]` (their weights are zero).
///
/// # Safety
/// The CPU must run AVX-512F, AVX-512BW and AVX-512 VNNI; `packed` is what [`pack`] made for
/// `taps.len()` taps of `acc.len()` channels; every tap holds at least `acc.len()` bytes.
#[inline]
#[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
pub(super) unsafe fn dots(packed: &[i8], taps: &[&[i8]], acc: &mut [i32]) {
    let channels = acc.len();
    // SAFETY: as this function's.
    unsafe {
        sums(packed, taps, channels, |start, sum| {
            let mask = (!0u32 >> (32 - (channels - start).min(16))) as u16;
            // SAFETY: the masked int32 from `start` are inside `acc`.
            let at = acc.as_mut_ptr().add(start);
            let sum = _mm512_add_epi32(_mm512_maskz_loadu_epi32(mask, at), sum);
            _mm512_mask_storeu_epi32(at, mask, sum);
        });
    }
}

/// [`dots`] added to `base` and finished by the output stage `lanes` into `out`, in registers.
///
/// # Safety
/// As [`dots`], with `base` and `out` the stage's channels long.
#[inline]
#[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
pub(super) unsafe fn dots_finished(
    packed: &[i8],
    taps: &[&[i8]],
    base: &[i32],
    lanes: &Lanes,
    out: &mut [i8],
) {
    // SAFETY: as this function's.
    unsafe {
        sums(packed, taps, base.len(), |start, sum| {
            let b = start / 16;
            let base = _mm512_maskz_loadu_epi32(lanes.mask(b), base.as_ptr().add(start));
            lanes.store(b, _mm512_add_epi32(base, sum), out);
        });
    }
}

/// Hands `sink` the sums `Σ_t w_t[c] · (x_t[c] + 128)` of channels `start .. start + 16` with
/// each `start` (a multiple of 16 below `channels`), lanes past `channels` zero.
///
/// # Safety
/// As [`dots`], for `channels` channels.
#[inline]
#[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
unsafe fn sums(
    packed: &[i8],
    taps: &[&[i8]],
    channels: usize,
    mut sink: impl FnMut(usize, __m512i),
) {
    let groups = taps.len().div_ceil(4);
    let flip = _mm512_set1_epi8(i8::MIN);
    for q in 0..channels.div_ceil(64) {
        let first = 64 * q;
        let here = (channels - first).min(64);
        let bytes = !0u64 >> (64 - here);
        let mut sum = [_mm512_setzero_si512(); 4];
        for g in 0..groups {
            // SAFETY: each tap holds the `here` bytes from `first`; masked bytes are not read.
            let x: [__m512i; 4] = core::array::from_fn(|s| {
                let tap = taps.get(4 * g + s).unwrap_or(&taps[0]);
                unsafe { _mm512_maskz_loadu_epi8(bytes, tap.as_ptr().add(first)) }
            });
            let u = interleave(x);
            for (p, (sum, u)) in sum.iter_mut().zip(u).enumerate() {
                let at = ((q * groups + g) * 4 + p) * 64;
                // SAFETY: the 64 bytes from `at` are inside `packed`.
                let w = unsafe { _mm512_loadu_si512(packed.as_ptr().add(at).cast()) };
                *sum = _mm512_dpbusd_epi32(*sum, _mm512_xor_si512(u, flip), w);
            }
        }
        in_order(sum, first, channels, &mut sink);
    }
}

/// Hands `sink` the sums of the 64 channels from `first` (those below `channels`), sixteen at
/// a time in channel order: quarter `b` of `sum[p]` holds channels `first + 16b + 4p ..`,
/// transposed as 4 × 4 quarters.
#[inline]
#[target_feature(enable = "avx512f")]
fn in_order(
    sum: [__m512i; 4],
    first: usize,
    channels: usize,
    sink: &mut impl FnMut(usize, __m512i),
) {
    let t = [
        _mm512_shuffle_i32x4::<0b01_00_01_00>(sum[0], sum[1]),
        _mm512_shuffle_i32x4::<0b11_10_11_10>(sum[0], sum[1]),
        _mm512_shuffle_i32x4::<0b01_00_01_00>(sum[2], sum[3]),
        _mm512_shuffle_i32x4::<0b11_10_11_10>(sum[2], sum[3]),
    ];
    let out = [
        _mm512_shuffle_i32x4::<0b10_00_10_00>(t[0], t[2]),
        _mm512_shuffle_i32x4::<0b11_01_11_01>(t[0], t[2]),
        _mm512_shuffle_i32x4::<0b10_00_10_00>(t[1], t[3]),
        _mm512_shuffle_i32x4::<0b11_01_11_01>(t[1], t[3]),
    ];
    for (b, out) in out.into_iter().enumerate() {
        let start = first + 16 * b;
        if start >= channels {
            break;
        }
        sink(start, out);
    }
}

/// The bytes [`interleave_group`] writes for `channels` channels: 256 a block of 64.
pub(super) const fn group_len(channels: usize) -> usize {
    channels.div_ceil(64) * 256
}

/// Four taps' inputs (`taps[s]`, the first `channels` bytes; taps past `taps.len()` read
/// `taps[0]`) as unsigned bytes (`x + 128`), interleaved as [`sums`] interleaves them for the
/// group of four taps they are: block `q` of 64 channels, vector `p` at `out[(4q + p) · 64 ..]`.
/// Zero past the channels.
///
/// # Safety
/// The CPU must run AVX-512F and AVX-512BW; `taps` is 1 to 4 inputs of at least `channels`
/// bytes; `out` holds [`group_len`] bytes.
#[inline]
#[target_feature(enable = "avx512f,avx512bw")]
pub(super) unsafe fn interleave_group(taps: &[&[i8]], channels: usize, out: *mut i8) {
    let flip = _mm512_set1_epi8(i8::MIN);
    for q in 0..channels.div_ceil(64) {
        let first = 64 * q;
        let bytes = !0u64 >> (64 - (channels - first).min(64));
        // SAFETY: each tap holds the `bytes` from `first`; masked bytes are not read.
        let x: [__m512i; 4] = core::array::from_fn(|s| {
            let tap = taps.get(s).unwrap_or(&taps[0]);
            unsafe { _mm512_maskz_loadu_epi8(bytes, tap.as_ptr().add(first)) }
        });
        for (p, u) in interleave(x).into_iter().enumerate() {
            // SAFETY: the 64 bytes from `(4q + p) · 64` are inside `out`.
            unsafe {
                let at = out.add((4 * q + p) * 64).cast();
                _mm512_storeu_si512(at, _mm512_xor_si512(u, flip));
            }
        }
    }
}

/// [`sums`] of inputs interleaved beforehand: `groups[g]` is what [`interleave_group`] made of
/// taps `4g .. 4g + 4`.
///
/// # Safety
/// The CPU must run AVX-512F, AVX-512BW and AVX-512 VNNI; `packed` is what [`pack`] made for
/// `4 · groups.len()` taps (or fewer, in as many groups) of `channels` channels; every group
/// holds [`group_len`] bytes.
#[inline]
#[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
pub(super) unsafe fn group_sums(
    packed: &[i8],
    groups: &[&[i8]],
    channels: usize,
    mut sink: impl FnMut(usize, __m512i),
) {
    let n = groups.len();
    for q in 0..channels.div_ceil(64) {
        let mut sum = [_mm512_setzero_si512(); 4];
        for (g, u) in groups.iter().enumerate() {
            for (p, sum) in sum.iter_mut().enumerate() {
                // SAFETY: the 64 bytes of each are inside `packed` and the group.
                unsafe {
                    let w =
                        _mm512_loadu_si512(packed.as_ptr().add(((q * n + g) * 4 + p) * 64).cast());
                    let u = _mm512_loadu_si512(u.as_ptr().add((4 * q + p) * 64).cast());
                    *sum = _mm512_dpbusd_epi32(*sum, u, w);
                }
            }
        }
        in_order(sum, 64 * q, channels, &mut sink);
    }
}

/// [`group_sums`] added to `acc`.
///
/// # Safety
/// As [`group_sums`], `acc` one a channel.
#[inline]
#[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
pub(super) unsafe fn group_dots(packed: &[i8], groups: &[&[i8]], acc: &mut [i32]) {
    let channels = acc.len();
    // SAFETY: as this function's.
    unsafe {
        group_sums(packed, groups, channels, |start, sum| {
            let mask = (!0u32 >> (32 - (channels - start).min(16))) as u16;
            // SAFETY: the masked int32 from `start` are inside `acc`.
            let at = acc.as_mut_ptr().add(start);
            let sum = _mm512_add_epi32(_mm512_maskz_loadu_epi32(mask, at), sum);
            _mm512_mask_storeu_epi32(at, mask, sum);
        });
    }
}

/// The channel whose sum [`group_sums`] leaves in lane `c` before putting them in order:
/// lane `16b + 4p + i` of vector `p` of a block of 64 is channel `16b + 4p + i`, so lane
/// `64q + 16p + 4b + i` (vector `p`, quarter `b`) holds channel `64q + 16b + 4p + i`.
pub(super) const fn lane_channel(c: usize) -> usize {
    // The order of the block kernel's packed rows in whole blocks of 64.
    crate::quant::packing::packed_row(c, 64)
}

/// [`group_sums`] of whole blocks of 64 channels added to `base` and finished by the output
/// stage `lanes` into `out`, both in the lanes' order ([`lane_channel`]): the sums are not put
/// in order, their bytes are (packed by [`Lanes::packed_blocks_with`] straight into that order).
///
/// # Safety
/// As [`group_sums`], with `base` and `out` the stage's channels long, a multiple of 64;
/// `FAST` is the stage's [`Lanes::fast`].
#[inline]
#[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
pub(super) unsafe fn group_dots_finished<const FAST: bool>(
    packed: &[i8],
    groups: &[&[i8]],
    base: &[i32],
    lanes: &Lanes,
    out: &mut [i8],
) {
    let n = groups.len();
    for q in 0..base.len() / 64 {
        // The sums start at the base (wrapping, as adding it after does).
        // SAFETY: block `4q + p` of sixteen is the stage's, its sixteen words inside `base`.
        let mut sum: [__m512i; 4] = core::array::from_fn(|p| unsafe {
            _mm512_loadu_si512(base.as_ptr().add(64 * q + 16 * p).cast())
        });
        for (g, u) in groups.iter().enumerate() {
            for (p, sum) in sum.iter_mut().enumerate() {
                // SAFETY: the 64 bytes of each are inside `packed` and the group.
                unsafe {
                    let w =
                        _mm512_loadu_si512(packed.as_ptr().add(((q * n + g) * 4 + p) * 64).cast());
                    let u = _mm512_loadu_si512(u.as_ptr().add((4 * q + p) * 64).cast());
                    *sum = _mm512_dpbusd_epi32(*sum, u, w);
                }
            }
        }
        // Word `4b + p` of the output is lanes `4b .. 4b + 4` of block `4q + p`, where
        // `packed_blocks_with` leaves it (the order of `lane_channel`).
        // SAFETY: blocks `4q .. 4q + 4` are the stage's; the 64 bytes from `64q` are inside
        // `out`.
        unsafe {
            let y = lanes.packed_blocks_with::<FAST>(q, sum);
            _mm512_storeu_si512(out.as_mut_ptr().add(64 * q).cast(), y);
        }
    }
}
