//! The double-rounding output stage of a convolution with its multipliers in AVX-512 lanes once
//! per call, then applied at every output position: bit for bit `stage::finish` (and so the
//! scalar stage), for the usual multipliers (a shift at most 0, a mantissa other than
//! `i32::MIN`, so that gemmlowp's high multiplication needs no saturation).
//!
//! Both roundings are one, in 64-bit lanes (even channels, then odd): with `p = x · m` and
//! `e = −shift`, the high multiplication is `f = ⌊(p + 2^30) / 2^31⌋`, and its division by `2^e`
//! rounding half away from zero (for `e > 0`) is `⌊(f + 2^(e−1) − d) / 2^e⌋` with `d` 1 where
//! `f + 2^(e−1) ≤ 0` (only ties need it, and there that is `f < 0`). Folding the floors,
//! `⌊(p + 2^30 + 2^(30+e) − d · 2^31) / 2^(31+e)⌋`, and `d` may be `p < 0`: where the two differ,
//! `p + 2^30 + 2^(30+e)` is in `[2^31, 2^(31+e))` and the subtraction leaves the quotient 0.
//! With `|p| < 2^62` nothing overflows. One multiplication, comparison, addition, subtraction
//! and shift a half, where the two roundings apart took twice as many operations. The output
//! zero point is added after clamping to the activation's range less the zero point, which gives
//! what clamping the sum does without the sum overflowing.

// Stable from Rust 1.89: the module builds only with `nncore_avx512`.
#![allow(clippy::incompatible_msrv)]

use core::arch::x86_64::*;
use core::mem::MaybeUninit;

use super::Kernel;
use crate::quant::{Multiplier, Rounding};

impl Kernel {
    /// The output stage of these channels in AVX-512 lanes, built in `room`, where this kernel
    /// runs it (AVX-512 VNNI on this CPU), the rounding is the double one, and [`Lanes`] takes
    /// the multipliers; else `None`. (In the caller's room: the stage is kilobytes, which a
    /// return by value would copy.)
    #[must_use]
    pub(crate) fn stage_lanes<'a>(
        self,
        multiplier: &[Multiplier],
        rounding: Rounding,
        zero_point: i32,
        clamp: [i8; 2],
        room: &'a mut MaybeUninit<Lanes>,
    ) -> Option<&'a Lanes> {
        if self != Kernel::Avx512Vnni || rounding != Rounding::Double {
            return None;
        }
        if !super::avx512_vnni_available() {
            return None;
        }
        // SAFETY: the CPU runs AVX-512F, checked above.
        unsafe { Lanes::new_in(multiplier, zero_point, clamp, room) }
    }
}

/// Channels at most: sixteen blocks of sixteen.
const BLOCKS: usize = 16;

/// One block of sixteen channels' multipliers, split for `vpmuldq`: the even channels, then the
/// odd ones, one a 64-bit lane.
#[derive(Clone, Copy)]
struct Block {
    even: Half,
    odd: Half,
}

/// Eight channels' rounding, one a 64-bit lane: `(x · m + k − (x · m < 0 ? c : 0)) >> s`.
#[derive(Clone, Copy)]
struct Half {
    /// The mantissa in the low half.
    m: __m512i,
    /// `2^30 + 2^(30+e)`, or `2^30` where `e = −shift` is 0.
    k: __m512i,
    /// `2^31`, or 0 where `e` is 0.
    c: __m512i,
    /// `31 + e`, `e` within [0, 31].
    s: __m512i,
}

impl Half {
    /// The rounding of mantissas `m` (in the low halves of the 64-bit lanes) with exponents
    /// `e = −shift` (each lane's, within [0, 31]).
    #[inline]
    #[target_feature(enable = "avx512f")]
    fn new(m: __m512i, e: __m512i) -> Self {
        let positive = _mm512_cmpgt_epi64_mask(e, _mm512_setzero_si512());
        let up = _mm512_add_epi64(e, _mm512_set1_epi64(30));
        let k = _mm512_maskz_sllv_epi64(positive, _mm512_set1_epi64(1), up);
        Half {
            m,
            k: _mm512_add_epi64(k, _mm512_set1_epi64(1 << 30)),
            c: _mm512_maskz_mov_epi64(positive, _mm512_set1_epi64(1 << 31)),
            s: _mm512_add_epi64(e, _mm512_set1_epi64(31)),
        }
    }
}

/// The stage of up to 256 channels, ready for [`Lanes::store`].
#[derive(Clone, Copy)]
pub(crate) struct Lanes {
    /// The blocks of the stage's channels, `⌈n / 16⌉` of them; the rest never written (nor
    /// read).
    blocks: MaybeUninit<[Block; BLOCKS]>,
    /// Channels.
    n: usize,
    /// The activation's range less the zero point.
    lo: __m512i,
    hi: __m512i,
    zero_point: __m512i,
}

impl core::fmt::Debug for Lanes {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Lanes").field("n", &self.n).finish()
    }
}

impl Lanes {
    /// The stage of `multiplier.len()` channels, or `None` where it has more than 256 channels
    /// or a multiplier outside the usual ones (left to `stage::finish`).
    ///
    /// # Safety
    /// The CPU must run AVX-512F.
    #[inline]
    #[target_feature(enable = "avx512f")]
    unsafe fn new_in<'a>(
        multiplier: &[Multiplier],
        zero_point: i32,
        clamp: [i8; 2],
        room: &'a mut MaybeUninit<Self>,
    ) -> Option<&'a Self> {
        let n = multiplier.len();
        if n == 0
            || n > 16 * BLOCKS
            || multiplier
                .iter()
                .any(|m| m.shift > 0 || m.mantissa == i32::MIN)
        {
            return None;
        }
        let lanes = room.as_mut_ptr();
        // SAFETY: the fields of `room`, written in place.
        let first = unsafe { (&raw mut (*lanes).blocks).cast::<Block>() };
        for (b, ms) in multiplier.chunks(16).enumerate() {
            let (mut m, mut e) = ([0i32; 16], [0i32; 16]);
            for ((m, e), mult) in m.iter_mut().zip(&mut e).zip(ms) {
                *m = mult.mantissa;
                *e = (-mult.shift).min(31);
            }
            // SAFETY: `m` and `e` hold sixteen int32.
            let (m, e) = unsafe {
                (
                    _mm512_loadu_si512(m.as_ptr().cast()),
                    _mm512_loadu_si512(e.as_ptr().cast()),
                )
            };
            // Lane `i` of the even half is channel `2i`, of the odd half `2i + 1`.
            let low = _mm512_set1_epi64(0xFFFF_FFFF);
            let block = Block {
                even: Half::new(m, _mm512_and_si512(e, low)),
                odd: Half::new(_mm512_srli_epi64::<32>(m), _mm512_srli_epi64::<32>(e)),
            };
            // SAFETY: `b < BLOCKS` (at most 256 channels).
            unsafe { first.add(b).write(block) };
        }
        // SAFETY: the fields of `room`; with these every field is written (`blocks` needs
        // only the first `⌈n / 16⌉`).
        unsafe {
            (&raw mut (*lanes).n).write(n);
            (&raw mut (*lanes).lo).write(_mm512_set1_epi32(clamp[0] as i32 - zero_point));
            (&raw mut (*lanes).hi).write(_mm512_set1_epi32(clamp[1] as i32 - zero_point));
            (&raw mut (*lanes).zero_point).write(_mm512_set1_epi32(zero_point));
            Some(room.assume_init_ref())
        }
    }

    /// Block `b` of the stage's channels.
    ///
    /// # Safety
    /// `b` is a block of the stage's channels, below `⌈n / 16⌉`.
    #[inline]
    unsafe fn block(&self, b: usize) -> &Block {
        debug_assert!(b < self.n.div_ceil(16), "a block of the stage's channels");
        // SAFETY: `Lanes::new` wrote the first `⌈n / 16⌉` blocks; `b` is one of them.
        unsafe { &*self.blocks.as_ptr().cast::<Block>().add(b) }
    }

    /// `out[c]` for every channel of `acc`, sixteen at a time.
    ///
    /// # Panics
    /// If `acc` or `out` is not the stage's channels long.
    #[cfg(test)]
    pub(crate) fn finish(&self, acc: &[i32], out: &mut [i8]) {
        assert!(
            acc.len() == self.n && out.len() == self.n,
            "a value a channel"
        );
        // SAFETY: `Lanes` exists only where the CPU runs AVX-512F (`Kernel::stage_lanes`).
        unsafe { self.finish_lanes(acc, out) }
    }

    /// [`Lanes::finish`], the lengths checked.
    ///
    /// # Safety
    /// The CPU must run AVX-512F; `acc` and `out` are the stage's channels long.
    #[cfg(test)]
    #[target_feature(enable = "avx512f")]
    unsafe fn finish_lanes(&self, acc: &[i32], out: &mut [i8]) {
        for b in 0..self.n.div_ceil(16) {
            let k = self.mask(b);
            // SAFETY: the masked channels from `16 · b` are inside `acc` and `out`.
            unsafe {
                let x = _mm512_maskz_loadu_epi32(k, acc.as_ptr().add(16 * b));
                self.store(b, x, out);
            }
        }
    }

    /// Channels.
    #[inline]
    pub(crate) fn channels(&self) -> usize {
        self.n
    }

    /// The lanes of block `b` (channels `16b ..`) inside the stage's channels.
    #[inline]
    pub(super) fn mask(&self, b: usize) -> __mmask16 {
        (!0u32 >> (32 - (self.n - 16 * b).min(16))) as u16
    }

    /// Block `b` of the stage's channels: their int8 outputs for the sums `x` written to
    /// `out[16b ..]`, the lanes of [`Lanes::mask`].
    ///
    /// # Safety
    /// The CPU must run AVX-512F; `b` is a block of the stage's channels, `out` as long as they.
    #[inline]
    #[target_feature(enable = "avx512f")]
    pub(super) unsafe fn store(&self, b: usize, x: __m512i, out: &mut [i8]) {
        // SAFETY: `b` is a block of the stage's channels.
        let y = self.scale(unsafe { self.block(b) }, x);
        // SAFETY: the masked bytes from `16 · b` are inside `out`.
        unsafe {
            _mm512_mask_cvtepi32_storeu_epi8(out.as_mut_ptr().add(16 * b).cast(), self.mask(b), y)
        };
    }

    /// [`Lanes::store`] of `x[p]` into `out[p · n + 16b ..]` for each `p`, `n` the stage's
    /// channels: block `b`'s multipliers read once for all.
    ///
    /// # Safety
    /// The CPU must run AVX-512F; `b` is a block of the stage's channels, `out` holds
    /// `x.len() · n` bytes.
    #[inline]
    #[target_feature(enable = "avx512f")]
    pub(super) unsafe fn store_each(&self, b: usize, x: &[__m512i], out: *mut i8) {
        // SAFETY: `b` is a block of the stage's channels.
        let block = unsafe { *self.block(b) };
        let k = self.mask(b);
        for (p, &x) in x.iter().enumerate() {
            let y = self.scale(&block, x);
            // SAFETY: the masked bytes from `p · n + 16 · b` are inside `out`.
            unsafe { _mm512_mask_cvtepi32_storeu_epi8(out.add(p * self.n + 16 * b).cast(), k, y) };
        }
    }

    /// Block `b` of the stage's channels: their int8 outputs, in int32 lanes, for the sums `x`.
    ///
    /// # Safety
    /// The CPU must run AVX-512F; `b` is a block of the stage's channels.
    #[inline]
    #[target_feature(enable = "avx512f")]
    pub(super) unsafe fn scaled(&self, b: usize, x: __m512i) -> __m512i {
        // SAFETY: `b` is a block of the stage's channels.
        self.scale(unsafe { self.block(b) }, x)
    }

    /// The int8 outputs (in int32 lanes) of `block`'s channels for the sums `x`.
    #[inline]
    #[target_feature(enable = "avx512f")]
    fn scale(&self, block: &Block, x: __m512i) -> __m512i {
        let round = |x: __m512i, h: &Half| {
            let p = _mm512_mul_epi32(x, h.m);
            let negative = _mm512_cmplt_epi64_mask(p, _mm512_setzero_si512());
            let q = _mm512_add_epi64(p, h.k);
            _mm512_srav_epi64(_mm512_mask_sub_epi64(q, negative, q, h.c), h.s)
        };
        let even = round(x, &block.even);
        let odd = round(_mm512_srli_epi64::<32>(x), &block.odd);
        // The odd channels' low halves into the odd lanes.
        let scaled = _mm512_mask_shuffle_epi32::<0b10_10_00_00>(even, 0xAAAA, odd);
        _mm512_add_epi32(
            _mm512_min_epi32(_mm512_max_epi32(scaled, self.lo), self.hi),
            self.zero_point,
        )
    }
}
