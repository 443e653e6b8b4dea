//! A clamp of int8 values in place (ReLU and ReLU6 on their own), 64 values a vector with
//! AVX-512BW.

// Stable from Rust 1.89: the intrinsics build only with `nncore_avx512`.
#![allow(clippy::incompatible_msrv)]

use super::Kernel;
#[cfg(all(target_arch = "x86_64", nncore_avx512))]
use core::arch::x86_64::{
    _mm512_loadu_si512, _mm512_max_epi8, _mm512_min_epi8, _mm512_set1_epi8, _mm512_storeu_si512,
};

impl Kernel {
    /// Each of `values` clamped to `[lo, hi]` in place: 64 at a time with AVX-512BW where this
    /// kernel runs AVX-512 VNNI on this CPU, the rest (and everything elsewhere) one by one;
    /// nothing to do for the whole of int8 (a ReLU after a layer that fused it, its output's
    /// zero point −128).
    #[inline]
    pub(crate) fn clamp_in_place(self, values: &mut [i8], lo: i8, hi: i8) {
        if lo == i8::MIN && hi == i8::MAX {
            return;
        }
        #[cfg(all(target_arch = "x86_64", nncore_avx512))]
        let values = match self == Kernel::Avx512Vnni && super::avx512_vnni_available() {
            // SAFETY: the CPU runs AVX-512BW (with F), checked above.
            true => unsafe { clamp_vectors(values, lo, hi) },
            false => values,
        };
        for v in values {
            *v = (*v).max(lo).min(hi);
        }
    }
}

/// The whole vectors of 64 of `values` clamped to `[lo, hi]`; returns the values past them.
///
/// # Safety
/// The CPU must run AVX-512F and AVX-512BW.
#[cfg(all(target_arch = "x86_64", nncore_avx512))]
#[target_feature(enable = "avx512f,avx512bw")]
unsafe fn clamp_vectors(values: &mut [i8], lo: i8, hi: i8) -> &mut [i8] {
    let (lo, hi) = (_mm512_set1_epi8(lo), _mm512_set1_epi8(hi));
    let mut chunks = values.chunks_exact_mut(64);
    for chunk in &mut chunks {
        // SAFETY: the chunk's 64 bytes are read and written.
        unsafe {
            let at = chunk.as_mut_ptr().cast();
            let v = _mm512_loadu_si512(at);
            _mm512_storeu_si512(at, _mm512_min_epi8(_mm512_max_epi8(v, lo), hi));
        }
    }
    chunks.into_remainder()
}

#[cfg(test)]
mod tests {
    use crate::quant::kernel::KERNELS;

    /// Every kernel clamps as the scalar `max` and `min` do, whole vectors and the rest, at
    /// bounds on and between the ends of int8.
    #[test]
    fn every_kernel_clamps_each_value() {
        let values: [i8; 200] = core::array::from_fn(|i| (i as i32 * 73 % 256 - 128) as i8);
        for [lo, hi] in [[-128, 127], [-3, 127], [5, 90], [-128, -100], [127, 127]] {
            for &kernel in KERNELS.iter() {
                for n in [0, 1, 63, 64, 130, 200] {
                    let mut got = values;
                    kernel.clamp_in_place(&mut got[..n], lo, hi);
                    let want: [i8; 200] = core::array::from_fn(|i| match i < n {
                        true => values[i].max(lo).min(hi),
                        false => values[i],
                    });
                    assert_eq!(got, want, "{kernel:?} [{lo}, {hi}] {n} values");
                }
            }
        }
    }
}
