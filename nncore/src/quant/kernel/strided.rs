//! The pixels of a depthwise convolution's strided positions side by side in a vector, from
//! two masked loads and one permutation of 32-bit words, where copying each pixel into place
//! left the vector's load waiting on a store it could not take its bytes from.

// Stable from Rust 1.89: the module builds only with `nncore_avx512`.
#![allow(clippy::incompatible_msrv)]

use super::PackedTaps;
use core::arch::x86_64::{
    _mm512_loadu_si512, _mm512_maskz_loadu_epi8, _mm512_permutex2var_epi32, _mm512_storeu_si512,
};

/// Whether [`gather_strided`] takes pixels of `channels` bytes `step` bytes apart: `channels`
/// a multiple of 4 dividing 64, `step` a multiple of 4, and the 64 bytes within 128 of the
/// first.
#[must_use]
pub(crate) const fn gathers(channels: usize, step: usize) -> bool {
    channels >= 4
        && channels % 4 == 0
        && 64 % channels == 0
        && step % 4 == 0
        && (64 / channels - 1) * step + channels <= 128
}

/// `out[q] = row[first + (q / c) · step + q % c]` for the 64 bytes of `out`, `c` the
/// `channels`: `64 / c` pixels `step` bytes apart, end to end. The weights packed for AVX-512
/// VNNI (`_taps`) show that the CPU runs it.
///
/// # Panics
/// Unless [`gathers`]`(channels, step)` and the pixels are inside `row`.
#[inline]
pub(crate) fn gather_strided(
    _taps: &PackedTaps<'_>,
    row: &[i8],
    [first, step, channels]: [usize; 3],
    out: &mut [i8; 64],
) {
    assert!(gathers(channels, step), "whole words of pixels");
    let span = (64 / channels - 1) * step + channels;
    assert!(first + span <= row.len(), "the pixels inside the row");
    // SAFETY: `PackedTaps` exists only where the CPU runs AVX-512 VNNI (with F and BW); the
    // `span` bytes from `first` are inside `row`, checked above.
    unsafe { gather(&row[first..first + span], step, channels, out) };
}

/// [`gather_strided`] of `span`, the bytes from the first pixel to the end of the last.
///
/// # Safety
/// The CPU must run AVX-512F and AVX-512BW; as [`gather_strided`].
#[inline]
#[target_feature(enable = "avx512f,avx512bw")]
unsafe fn gather(span: &[i8], step: usize, channels: usize, out: &mut [i8; 64]) {
    let bytes = |n: usize| match n {
        64.. => !0u64,
        n => (1u64 << n) - 1,
    };
    let (low, high) = (span.len().min(64), span.len().saturating_sub(64));
    // Word `d` of `out` is word `((4d / c) · step + 4d % c) / 4` of the span.
    let words: [i32; 16] = core::array::from_fn(|d| {
        let q = 4 * d;
        (((q / channels) * step + q % channels) / 4) as i32
    });
    // SAFETY: the masked bytes are inside `span`; a load of no bytes reads nothing.
    unsafe {
        let a = _mm512_maskz_loadu_epi8(bytes(low), span.as_ptr());
        let b = _mm512_maskz_loadu_epi8(bytes(high), span.as_ptr().wrapping_add(64));
        let words = _mm512_loadu_si512(words.as_ptr().cast());
        let v = _mm512_permutex2var_epi32(a, words, b);
        _mm512_storeu_si512(out.as_mut_ptr().cast(), v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quant::kernel::Kernel;

    /// Every channel count and step it takes, against the bytes picked one by one, from the
    /// start of a row and against its end.
    #[test]
    fn the_gathered_pixels_are_the_rows_bytes() {
        let row: [i8; 300] = core::array::from_fn(|i| (i as i32 * 37 % 251 - 125) as i8);
        let mut room = [0i8; 4096];
        let weight = [1i8; 64];
        let Some(taps) = Kernel::Avx512Vnni.pack_taps(&weight, 1, 64, &mut room) else {
            return;
        };
        let mut cases = 0;
        for channels in [4, 8, 16, 32] {
            for step in (4..=96).step_by(4) {
                if !gathers(channels, step) {
                    continue;
                }
                let span = (64 / channels - 1) * step + channels;
                for first in [0, 4, 300 - span] {
                    let mut out = [0x55i8; 64];
                    gather_strided(&taps, &row, [first, step, channels], &mut out);
                    let want: [i8; 64] =
                        core::array::from_fn(|q| row[first + (q / channels) * step + q % channels]);
                    assert_eq!(out, want, "{channels} channels, step {step}, from {first}");
                    cases += 1;
                }
            }
        }
        assert!(cases > 30, "the cases ran");
        assert!(
            !gathers(2, 4) && !gathers(8, 6) && !gathers(4, 12),
            "outside the words"
        );
    }
}
