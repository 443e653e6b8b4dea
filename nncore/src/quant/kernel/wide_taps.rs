//! A depthwise convolution's taps on AVX-512 VNNI, the safe side of `taps.rs`: its weights
//! packed four taps of a channel a lane, the inputs of a row of taps interleaved to match, and
//! their dot products, with or without the output stage.

use super::Kernel;
use core::mem::MaybeUninit;

/// A depthwise convolution's weights packed by [`Kernel::pack_taps`]: four taps of each channel
/// a lane of AVX-512 VNNI.
#[derive(Debug)]
pub(crate) struct PackedTaps<'a> {
    /// The packed weights.
    weights: &'a [i8],
    /// Taps a channel.
    taps: usize,
    /// Channels.
    channels: usize,
}

/// The bytes of `taps` taps of `channels` channels packed by [`Kernel::pack_taps`]: 256 a
/// block of 64 channels and group of four taps.
#[must_use]
pub(crate) const fn packed_taps_len(taps: usize, channels: usize) -> usize {
    super::taps::packed_len(taps, channels)
}

impl Kernel {
    /// A depthwise convolution's weights (`taps` rows of `channels`, tap-major) packed into
    /// `buf` for [`tap_dots`], where this kernel runs them (AVX-512 VNNI on this CPU) and `buf`
    /// holds [`packed_taps_len`] bytes; else `None`.
    #[must_use]
    pub(crate) fn pack_taps<'a>(
        self,
        weight: &[i8],
        taps: usize,
        channels: usize,
        buf: &'a mut [i8],
    ) -> Option<PackedTaps<'a>> {
        let len = packed_taps_len(taps, channels);
        let fits = taps > 0 && weight.len() == taps * channels && buf.len() >= len;
        if self != Kernel::Avx512Vnni || !fits || !super::avx512_vnni_available() {
            return None;
        }
        // SAFETY: the CPU runs AVX-512 VNNI (with F and BW), checked above; `weight` is
        // `taps · channels` long.
        unsafe { super::taps::pack(weight, taps, channels, &mut buf[..len]) };
        Some(PackedTaps {
            weights: &buf[..len],
            taps,
            channels,
        })
    }
}

/// Adds `Σ_t w_t[c] · (x_t[c] + 128)` of the packed taps to `acc[c]`, `x_t` the first channels
/// of `inputs[t]`: the caller takes `(128 + zx) · Σ_t w_t[c]` off beforehand, and points a tap
/// in the padding at the zero point.
///
/// # Panics
/// If `inputs` is not one a tap, an input is shorter than the channels, or `acc` is not one a
/// channel.
#[inline]
pub(crate) fn tap_dots(packed: &PackedTaps<'_>, inputs: &[&[i8]], acc: &mut [i32]) {
    assert_eq!(inputs.len(), packed.taps, "an input a tap");
    assert_eq!(acc.len(), packed.channels, "a sum a channel");
    assert!(
        inputs.iter().all(|x| x.len() >= packed.channels),
        "a byte a channel"
    );
    // SAFETY: `PackedTaps` exists only where the CPU runs AVX-512 VNNI, made by `taps::pack`
    // for these taps and channels, checked above.
    unsafe { super::taps::dots(packed.weights, inputs, acc) };
}

/// [`tap_dots`] added to `base` and finished by the output stage `lanes` into `out`, the sums
/// kept in registers.
///
/// # Panics
/// As [`tap_dots`]; if `base`, `out` or `lanes` is not one a channel.
#[inline]
pub(crate) fn tap_dots_finished(
    packed: &PackedTaps<'_>,
    inputs: &[&[i8]],
    base: &[i32],
    lanes: &super::prepared::Lanes,
    out: &mut [i8],
) {
    assert_eq!(inputs.len(), packed.taps, "an input a tap");
    let n = packed.channels;
    assert!(
        base.len() == n && out.len() == n && lanes.channels() == n,
        "one a channel"
    );
    assert!(inputs.iter().all(|x| x.len() >= n), "a byte a channel");
    // SAFETY: `PackedTaps` exists only where the CPU runs AVX-512 VNNI, made by `taps::pack`
    // for these taps and channels, checked above.
    unsafe { super::taps::dots_finished(packed.weights, inputs, base, lanes, out) };
}

/// The bytes of one group of four taps' inputs interleaved by [`interleave_taps`]: 256 a block
/// of 64 channels.
#[must_use]
pub(crate) const fn interleaved_len(channels: usize) -> usize {
    super::taps::group_len(channels)
}

/// One to four taps' inputs (the packed channels of each; taps past the last read the first,
/// as their weights are zero) as unsigned bytes, interleaved into the first
/// [`interleaved_len`] bytes of `out` (written, every one of them) for [`group_dots`]: one
/// interleaving of inputs that several positions share.
///
/// # Panics
/// If `taps` is not 1 to 4 inputs at least the packed channels long, or `out` is shorter.
#[inline]
pub(crate) fn interleave_taps(
    packed: &PackedTaps<'_>,
    taps: &[&[i8]],
    out: &mut [MaybeUninit<i8>],
) {
    let n = packed.channels;
    assert!((1..=4).contains(&taps.len()), "one to four taps");
    assert!(taps.iter().all(|x| x.len() >= n), "a byte a channel");
    assert!(out.len() >= interleaved_len(n), "room for the group");
    // SAFETY: `PackedTaps` exists only where the CPU runs AVX-512 VNNI (with F and BW); the
    // lengths were checked above.
    unsafe { super::taps::interleave_group(taps, n, out.as_mut_ptr().cast()) };
}

/// The packed channels, once `groups` are checked: one a group of four packed taps, each at
/// least [`interleaved_len`] long.
///
/// # Panics
/// If they are not.
#[inline]
fn whole_groups(packed: &PackedTaps<'_>, groups: &[&[i8]]) -> usize {
    let n = packed.channels;
    assert_eq!(
        groups.len(),
        packed.taps.div_ceil(4),
        "a group of four taps"
    );
    assert!(
        groups.iter().all(|u| u.len() >= interleaved_len(n)),
        "whole groups"
    );
    n
}

/// [`tap_dots`] of inputs interleaved beforehand: `groups[g]` is what [`interleave_taps`] made
/// of the inputs of taps `4g .. 4g + 4`.
///
/// # Panics
/// If `groups` is not one a group of four packed taps, a group is shorter than
/// [`interleaved_len`], or `acc` is not one a channel.
#[inline]
pub(crate) fn group_dots(packed: &PackedTaps<'_>, groups: &[&[i8]], acc: &mut [i32]) {
    let n = whole_groups(packed, groups);
    assert_eq!(acc.len(), n, "a sum a channel");
    // SAFETY: `PackedTaps` exists only where the CPU runs AVX-512 VNNI, made by `taps::pack`
    // for these taps and channels; the lengths were checked above.
    unsafe { super::taps::group_dots(packed.weights, groups, acc) };
}

/// The channel of lane `c` of [`group_dots_finished`]'s `base` and stage: its sums in the
/// order the lanes leave them.
#[must_use]
pub(crate) const fn lane_channel(c: usize) -> usize {
    super::taps::lane_channel(c)
}

/// [`group_dots`] of whole blocks of 64 channels added to `base` and finished by the output
/// stage `lanes` into `out`, the sums kept in registers: `base[c]` and the stage's channel `c`
/// are channel [`lane_channel`]`(c)`'s (the bytes come out in channel order).
///
/// # Panics
/// As [`group_dots`]; if the channels are not a multiple of 64, or `base`, `out` or `lanes` is
/// not one a channel.
#[inline]
pub(crate) fn group_dots_finished(
    packed: &PackedTaps<'_>,
    groups: &[&[i8]],
    base: &[i32],
    lanes: &super::prepared::Lanes,
    out: &mut [i8],
) {
    let n = whole_groups(packed, groups);
    assert!(n % 64 == 0, "whole blocks of 64 channels");
    assert!(
        base.len() == n && out.len() == n && lanes.channels() == n,
        "one a channel"
    );
    // SAFETY: as `group_dots`.
    unsafe {
        match lanes.fast() {
            true => {
                super::taps::group_dots_finished::<true>(packed.weights, groups, base, lanes, out)
            }
            false => {
                super::taps::group_dots_finished::<false>(packed.weights, groups, base, lanes, out)
            }
        }
    };
}
