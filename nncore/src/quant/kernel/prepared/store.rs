//! The stage in lanes' stores: one block of channels at a position, and a block's positions,
//! whole blocks four positions a vector and eight channels two positions a vector.

// Stable from Rust 1.89: the module builds only with `nncore_avx512`.
#![allow(clippy::incompatible_msrv)]

use core::arch::x86_64::*;

use super::{Block, Lanes};

impl Lanes {
    /// Block `b` of the stage's channels: their int8 outputs for the sums `x` written to
    /// `out[16b ..]`, the lanes of [`Lanes::mask`].
    ///
    /// # Safety
    /// The CPU must run AVX-512F; `b` is a block of the stage's channels, `out` as long as they.
    #[inline]
    #[target_feature(enable = "avx512f")]
    pub(in crate::quant::kernel) unsafe fn store(&self, b: usize, x: __m512i, out: &mut [i8]) {
        // SAFETY: `b` is a block of the stage's channels.
        let y = self.scale(unsafe { self.block(b) }, x);
        // SAFETY: the masked bytes from `16 · b` are inside `out`.
        unsafe {
            _mm512_mask_cvtepi32_storeu_epi8(out.as_mut_ptr().add(16 * b).cast(), self.mask(b), y)
        };
    }

    /// [`Lanes::store`] of `x[p]` into `out[p · n + 16b ..]` for each `p`, `n` the stage's
    /// channels: block `b`'s multipliers read once for all, a whole block's four positions at a
    /// time through [`Lanes::packed`], and eight channels' eight positions at a time (two a
    /// vector).
    ///
    /// # Safety
    /// The CPU must run AVX-512F and BW; `b` is a block of the stage's channels, `out` holds
    /// `x.len() · n` bytes.
    #[inline]
    #[target_feature(enable = "avx512f,avx512bw")]
    pub(in crate::quant::kernel) unsafe fn store_each(
        &self,
        b: usize,
        x: &[__m512i],
        out: *mut i8,
    ) {
        // SAFETY: `b` is a block of the stage's channels.
        let block = unsafe { self.block(b) };
        let k = self.mask(b);
        // Whole blocks four positions at a time, the rest one at a time.
        let mut done = 0;
        // Word `4p + j` from word `4j + p`: each vector's sixteen bytes together.
        let order = _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
        if self.n == 8 {
            // SAFETY: a stage of eight channels has its block 1 (`Lanes::blocks`).
            let both = unsafe { &*self.blocks.as_ptr().cast::<Block>().add(1) };
            for x in x.chunks_exact(8) {
                // Positions `2j` and `2j + 1` in lanes 0 .. 8 and 8 .. 16.
                let v = core::array::from_fn(|j| {
                    _mm512_shuffle_i64x2::<0b01_00_01_00>(x[2 * j], x[2 * j + 1])
                });
                let y = _mm512_permutexvar_epi32(order, self.packed([both; 4], v));
                // SAFETY: the 64 bytes from `done · 8` are inside `out`.
                unsafe { _mm512_storeu_si512(out.add(done * 8).cast(), y) };
                done += 8;
            }
        }
        if k == 0xFFFF {
            for x in x.chunks_exact(4) {
                let y = self.packed([block; 4], [x[0], x[1], x[2], x[3]]);
                let y = _mm512_permutexvar_epi32(order, y);
                // With sixteen channels, the four positions' bytes are one run.
                if self.n == 16 {
                    // SAFETY: the 64 bytes from `done · 16` are inside `out`.
                    unsafe { _mm512_storeu_si512(out.add(done * 16).cast(), y) };
                    done += 4;
                    continue;
                }
                // SAFETY: the sixteen bytes from `(done + p) · n + 16 · b` are inside `out`.
                unsafe {
                    let at = |p: usize| out.add((done + p) * self.n + 16 * b).cast::<__m128i>();
                    _mm_storeu_si128(at(0), _mm512_castsi512_si128(y));
                    _mm_storeu_si128(at(1), _mm512_extracti32x4_epi32::<1>(y));
                    _mm_storeu_si128(at(2), _mm512_extracti32x4_epi32::<2>(y));
                    _mm_storeu_si128(at(3), _mm512_extracti32x4_epi32::<3>(y));
                }
                done += 4;
            }
        }
        for (p, &x) in x.iter().enumerate().skip(done) {
            let y = self.scale(block, x);
            // SAFETY: the masked bytes from `p · n + 16 · b` are inside `out`.
            unsafe { _mm512_mask_cvtepi32_storeu_epi8(out.add(p * self.n + 16 * b).cast(), k, y) };
        }
    }
}
