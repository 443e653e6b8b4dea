//! The kernels' AVX-512 companions: the output stage and `ADD` sixteen or eight values at a
//! time, and the weights of a convolution packed with its output channels in the lanes; each
//! `None` or `0` (the scalar path) where the CPU or the compiler lacks AVX-512.

use super::Kernel;
#[cfg(not(any(nn_arm_dsp, all(target_arch = "arm", target_os = "none"))))]
use crate::quant::fixed::Multiplier;
use crate::quant::fixed::Rounding;
#[cfg(all(target_arch = "x86_64", nncore_avx512))]
use core::mem::MaybeUninit;

/// Proof that [`rescale`] runs on this CPU: from [`Kernel::vector_stage`].
#[derive(Clone, Copy, Debug)]
pub(crate) struct VectorStage(());

impl Kernel {
    /// Whether the output stage runs in vectors with this kernel: with AVX-512 VNNI (whose
    /// CPUs have AVX-512F and VL), on this CPU; sixteen channels at a time for the fixed-point
    /// roundings, eight for the `double` one.
    #[must_use]
    pub(crate) fn vector_stage(self, rounding: Rounding) -> Option<VectorStage> {
        let _ = rounding;
        #[cfg(all(target_arch = "x86_64", nncore_avx512))]
        if self == Kernel::Avx512Vnni && super::avx512_vnni_available() {
            return Some(VectorStage(()));
        }
        None
    }
}

/// The output stage, as [`crate::quant::OutputStage::finish`] computes it, of the first
/// channels of `acc`, sixteen at a time, up to the first sixteen whose multipliers it leaves to
/// the scalar stage (none in practice); returns how many.
///
/// # Panics
/// If `multiplier` or `out` is shorter than `acc`.
#[cfg(not(any(nn_arm_dsp, all(target_arch = "arm", target_os = "none"))))]
#[cfg_attr(
    not(all(target_arch = "x86_64", nncore_avx512)),
    allow(unused_variables)
)]
#[inline(always)]
pub(crate) fn rescale(
    _proof: VectorStage,
    acc: &[i32],
    multiplier: &[Multiplier],
    rounding: Rounding,
    zero_point: i32,
    clamp: [i8; 2],
    out: &mut [i8],
) -> usize {
    assert!(multiplier.len() >= acc.len() && out.len() >= acc.len());
    assert!(
        rounding != Rounding::Float,
        "the double rounding is `rescale_float`'s"
    );
    // SAFETY: a `VectorStage` exists only where the CPU runs AVX-512F and VL, and the rounding
    // is not `Float`; the lengths were checked above.
    #[cfg(all(target_arch = "x86_64", nncore_avx512))]
    return unsafe { super::stage::finish(acc, multiplier, rounding, zero_point, clamp, out) };
    #[cfg(not(all(target_arch = "x86_64", nncore_avx512)))]
    0
}

/// The output stage with the interpreter's `double` rounding of every channel of `acc`, eight
/// at a time; returns how many (all of them).
///
/// # Panics
/// If `multiplier`, `weight_scale` or `out` is shorter than `acc`.
#[cfg(not(any(nn_arm_dsp, all(target_arch = "arm", target_os = "none"))))]
#[cfg_attr(
    not(all(target_arch = "x86_64", nncore_avx512)),
    allow(unused_variables)
)]
#[inline(always)]
pub(crate) fn rescale_float(
    _proof: VectorStage,
    acc: &[i32],
    stage: (&[Multiplier], &[f32], [f32; 2]),
    zero_point: i32,
    clamp: [i8; 2],
    out: &mut [i8],
) -> usize {
    let (multiplier, weight_scale, scales) = stage;
    assert!(
        multiplier.len() >= acc.len() && weight_scale.len() >= acc.len() && out.len() >= acc.len()
    );
    // SAFETY: a `VectorStage` exists only where the CPU runs AVX-512F and VL; the lengths were
    // checked above.
    #[cfg(all(target_arch = "x86_64", nncore_avx512))]
    return unsafe {
        super::stage::finish_float(
            acc,
            multiplier,
            weight_scale,
            scales,
            zero_point,
            clamp,
            out,
        )
    };
    #[cfg(not(all(target_arch = "x86_64", nncore_avx512)))]
    0
}

/// [`crate::quant::Add::add`] of the first values of `a` and `b` into `out`, sixteen at a time,
/// returning how many (the rest, and everything with a mantissa of `i32::MIN`, is the scalar
/// `add`'s).
///
/// # Panics
/// If `b` or `out` is shorter than `a`.
#[cfg_attr(
    not(all(target_arch = "x86_64", nncore_avx512)),
    allow(unused_variables)
)]
pub(crate) fn add(
    _proof: VectorStage,
    add: &crate::quant::Add,
    a: &[i8],
    b: &[i8],
    out: &mut [i8],
) -> usize {
    assert!(b.len() >= a.len() && out.len() >= a.len());
    // SAFETY: a `VectorStage` exists only where the CPU runs AVX-512F and VL; the lengths were
    // checked above.
    #[cfg(all(target_arch = "x86_64", nncore_avx512))]
    return unsafe { super::stage::add(add, a, b, out) };
    #[cfg(not(all(target_arch = "x86_64", nncore_avx512)))]
    0
}

#[cfg(all(target_arch = "x86_64", nncore_avx512))]
/// Weights packed by [`Kernel::pack`]: output channels in the lanes of AVX-512 VNNI.
#[derive(Debug)]
pub(crate) struct Packed<'a> {
    /// The packed weights.
    pub(super) weights: &'a [i8],
    /// Each row's sum, where the packing came with them ([`Kernel::prepacked`]).
    pub(super) sums: Option<&'a [i32]>,
    /// Weights a row.
    pub(super) k: usize,
    /// Rows.
    pub(super) out: usize,
}

#[cfg(all(target_arch = "x86_64", nncore_avx512))]
impl Packed<'_> {
    /// The packed bytes.
    #[cfg(test)]
    pub(crate) fn weights(&self) -> &[i8] {
        self.weights
    }
}

#[cfg(all(target_arch = "x86_64", nncore_avx512))]
/// The bytes of `out` rows of `k` weights packed by [`Kernel::pack`]: `⌈out / 16⌉ · ⌈k/4⌉ · 64`.
#[must_use]
pub(crate) const fn packed_len(k: usize, out: usize) -> usize {
    crate::quant::packing::packed_len(k, out)
}

#[cfg(all(target_arch = "x86_64", nncore_avx512))]
impl Kernel {
    /// `rows` (`out` rows of `k` weights end to end) packed into `buf` for the block kernel
    /// (`block.rs`), where this kernel runs them (AVX-512 VNNI on this CPU) and `buf` holds
    /// [`packed_len`] bytes; else `None`. Every byte of the packed weights is written: `buf`
    /// need not be.
    #[must_use]
    pub(crate) fn pack<'a>(
        self,
        rows: &[i8],
        k: usize,
        out: usize,
        buf: &'a mut [MaybeUninit<i8>],
    ) -> Option<Packed<'a>> {
        let len = packed_len(k, out);
        let fits = k > 0 && rows.len() == out * k && buf.len() >= len;
        if self != Kernel::Avx512Vnni || !fits || !super::avx512_vnni_available() {
            return None;
        }
        let buf = buf[..len].as_mut_ptr().cast::<i8>();
        // SAFETY: the CPU runs AVX-512 VNNI (with F and BW), checked above; `rows` is `out`
        // rows of `k > 0`, `buf` the `len` bytes they pack into, every one of which `pack`
        // writes.
        let weights = unsafe {
            super::vnni::pack(rows, k, buf, len);
            core::slice::from_raw_parts(buf.cast_const(), len)
        };
        Some(Packed {
            weights,
            sums: None,
            k,
            out,
        })
    }

    /// `out` rows of `k` weights packed when the model compiled (`quant/packing.rs`, the layout
    /// [`Kernel::pack`] writes) with their sums, where this kernel runs them (AVX-512 VNNI on
    /// this CPU) and the bytes are as many as the rows pack into; else `None`.
    #[must_use]
    pub(crate) fn prepacked(
        self,
        weights: &'static [i8],
        sums: &'static [i32],
        k: usize,
        out: usize,
    ) -> Option<Packed<'static>> {
        let fits = k > 0 && weights.len() == packed_len(k, out) && sums.len() == out;
        if self != Kernel::Avx512Vnni || !fits || !super::avx512_vnni_available() {
            return None;
        }
        Some(Packed {
            weights,
            sums: Some(sums),
            k,
            out,
        })
    }
}

#[cfg(all(target_arch = "x86_64", nncore_avx512))]
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

#[cfg(all(target_arch = "x86_64", nncore_avx512))]
/// The bytes of `taps` taps of `channels` channels packed by [`Kernel::pack_taps`]: 256 a
/// block of 64 channels and group of four taps.
#[must_use]
pub(crate) const fn packed_taps_len(taps: usize, channels: usize) -> usize {
    super::taps::packed_len(taps, channels)
}

#[cfg(all(target_arch = "x86_64", nncore_avx512))]
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
#[cfg(all(target_arch = "x86_64", nncore_avx512))]
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
#[cfg(all(target_arch = "x86_64", nncore_avx512))]
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
#[cfg(all(target_arch = "x86_64", nncore_avx512))]
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
#[cfg(all(target_arch = "x86_64", nncore_avx512))]
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

/// [`tap_dots`] of inputs interleaved beforehand: `groups[g]` is what [`interleave_taps`] made
/// of the inputs of taps `4g .. 4g + 4`.
///
/// # Panics
/// If `groups` is not one a group of four packed taps, a group is shorter than
/// [`interleaved_len`], or `acc` is not one a channel.
#[cfg(all(target_arch = "x86_64", nncore_avx512))]
#[inline]
pub(crate) fn group_dots(packed: &PackedTaps<'_>, groups: &[&[i8]], acc: &mut [i32]) {
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
    assert_eq!(acc.len(), n, "a sum a channel");
    // SAFETY: `PackedTaps` exists only where the CPU runs AVX-512 VNNI, made by `taps::pack`
    // for these taps and channels; the lengths were checked above.
    unsafe { super::taps::group_dots(packed.weights, groups, acc) };
}

/// The channel of lane `c` of [`group_dots_finished`]'s `base` and stage: its sums in the
/// order the lanes leave them.
#[cfg(all(target_arch = "x86_64", nncore_avx512))]
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
#[cfg(all(target_arch = "x86_64", nncore_avx512))]
#[inline]
pub(crate) fn group_dots_finished(
    packed: &PackedTaps<'_>,
    groups: &[&[i8]],
    base: &[i32],
    lanes: &super::prepared::Lanes,
    out: &mut [i8],
) {
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
    assert!(n % 64 == 0, "whole blocks of 64 channels");
    assert!(
        base.len() == n && out.len() == n && lanes.channels() == n,
        "one a channel"
    );
    // SAFETY: as `group_dots`.
    unsafe {
        match lanes.signed() {
            true => {
                super::taps::group_dots_finished::<true>(packed.weights, groups, base, lanes, out)
            }
            false => {
                super::taps::group_dots_finished::<false>(packed.weights, groups, base, lanes, out)
            }
        }
    };
}
