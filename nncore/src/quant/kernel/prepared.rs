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
//!
//! Most convolutions take a faster form ([`Lanes::fast`]): where the activation's range starts
//! at 0 or above (ReLU), `d` is left out (a negative product gives at most 0 with or without it,
//! clamped alike), and where every channel's `e` is at least 1 (multipliers below one half), the
//! quotient is the high half of the 64-bit sum, `⌊q / 2^32⌋`, shifted by `e − 1`: sixteen lanes
//! in one shift of 32-bit lanes. Seven operations for sixteen channels, where the general form
//! takes twelve.

// Stable from Rust 1.89: the module builds only with `nncore_avx512`.
#![allow(clippy::incompatible_msrv)]

use core::arch::x86_64::*;
use core::mem::MaybeUninit;

use super::Kernel;
use crate::quant::{Multiplier, Rounding};

mod store;

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
    /// `e − 1` of each channel, in its 32-bit lane (for [`Lanes::fast`]).
    shift: __m512i,
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
    /// read), but for a stage of eight channels, whose block 1 is block 0's eight channels in
    /// both halves of the lanes ([`Lanes::store_each`] two positions a vector).
    blocks: MaybeUninit<[Block; BLOCKS]>,
    /// Channels.
    n: usize,
    /// The faster rounding: the lower clamp at or above the zero point (every result at most 0
    /// clamps alike, so negative products need no correction), and every channel's `e` at
    /// least 1 (the quotients from the sums' high halves).
    fast: bool,
    /// The activation's range less the zero point.
    lo: __m512i,
    hi: __m512i,
    zero_point: __m512i,
    /// The zero point in int16 lanes, and the activation's range in int8 lanes, for
    /// [`Lanes::packed`].
    zero_point16: __m512i,
    lo8: __m512i,
    hi8: __m512i,
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
        // Every multiplier looked at (no early exit), which vectorizes: whether one is outside
        // the usual ones, and whether every shift is below 0.
        let (mut unusual, mut below_half) = (false, true);
        for m in multiplier {
            unusual |= (m.shift > 0) | (m.mantissa == i32::MIN);
            below_half &= m.shift < 0;
        }
        if n == 0 || n > 16 * BLOCKS || i8::try_from(zero_point).is_err() || unusual {
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
                shift: _mm512_sub_epi32(e, _mm512_set1_epi32(1)),
            };
            // SAFETY: `b < BLOCKS` (at most 256 channels).
            unsafe { first.add(b).write(block) };
        }
        if n == 8 {
            // SAFETY: block 0 was written above; block 1 is inside `blocks`.
            unsafe {
                // Channels 8 .. 16 (absent) from 0 .. 8: in the halves' lanes 4 .. 8 from 0 .. 4.
                let twice = |v: __m512i| _mm512_shuffle_i64x2::<0b01_00_01_00>(v, v);
                let block = first.read();
                let [even, odd] = [block.even, block.odd].map(|h| Half {
                    m: twice(h.m),
                    k: twice(h.k),
                    c: twice(h.c),
                    s: twice(h.s),
                });
                let shift = twice(block.shift);
                first.add(1).write(Block { even, odd, shift });
            }
        }
        // SAFETY: the fields of `room`; with these every field is written (`blocks` needs
        // only the first `⌈n / 16⌉`, and a second for eight channels).
        unsafe {
            (&raw mut (*lanes).n).write(n);
            let relu = i32::from(clamp[0]) >= zero_point;
            (&raw mut (*lanes).fast).write(relu && below_half);
            (&raw mut (*lanes).lo).write(_mm512_set1_epi32(clamp[0] as i32 - zero_point));
            (&raw mut (*lanes).hi).write(_mm512_set1_epi32(clamp[1] as i32 - zero_point));
            (&raw mut (*lanes).zero_point).write(_mm512_set1_epi32(zero_point));
            // `zero_point` is an int8 zero point: within int16.
            (&raw mut (*lanes).zero_point16).write(_mm512_set1_epi16(zero_point as i16));
            (&raw mut (*lanes).lo8).write(_mm512_set1_epi8(clamp[0]));
            (&raw mut (*lanes).hi8).write(_mm512_set1_epi8(clamp[1]));
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

    /// The int8 outputs of four vectors of sums `x[p]` of `blocks[p]`'s channels, their
    /// lanes `4j .. 4j + 4` the bytes of word `4j + p`: the raw results packed to int16 with
    /// saturation, the zero point added with saturation, packed to int8 with saturation and
    /// clamped to the activation's range. Each saturation changes only a result already past
    /// int8 (the zero point within ±2^8), which the clamp then takes to the same end as
    /// clamping the int32 result does.
    #[inline]
    #[target_feature(enable = "avx512f,avx512bw")]
    fn packed(&self, blocks: [&Block; 4], x: [__m512i; 4]) -> __m512i {
        match self.fast {
            true => self.packed_with::<true>(blocks, x),
            false => self.packed_with::<false>(blocks, x),
        }
    }

    /// [`Lanes::packed`] with the faster rounding where `FAST`.
    #[inline]
    #[target_feature(enable = "avx512f,avx512bw")]
    fn packed_with<const FAST: bool>(&self, blocks: [&Block; 4], x: [__m512i; 4]) -> __m512i {
        let [r0, r1, r2, r3] = core::array::from_fn(|p| self.raw::<FAST>(blocks[p], x[p]));
        let a = _mm512_adds_epi16(_mm512_packs_epi32(r0, r1), self.zero_point16);
        let b = _mm512_adds_epi16(_mm512_packs_epi32(r2, r3), self.zero_point16);
        let y = _mm512_packs_epi16(a, b);
        _mm512_min_epi8(_mm512_max_epi8(y, self.lo8), self.hi8)
    }

    /// Blocks `4q .. 4q + 4` of the stage's channels for the sums `x`, as [`Lanes::packed`], on
    /// a stage whose [`Lanes::fast`] is `FAST`.
    ///
    /// # Safety
    /// The CPU must run AVX-512F and BW; blocks `4q .. 4q + 4` are the stage's channels.
    #[inline]
    #[target_feature(enable = "avx512f,avx512bw")]
    pub(super) unsafe fn packed_blocks_with<const FAST: bool>(
        &self,
        q: usize,
        x: [__m512i; 4],
    ) -> __m512i {
        debug_assert_eq!(self.fast, FAST, "the stage's rounding");
        // SAFETY: blocks `4q .. 4q + 4` are the stage's.
        let blocks = core::array::from_fn(|p| unsafe { self.block(4 * q + p) });
        self.packed_with::<FAST>(blocks, x)
    }

    /// Whether the stage takes the faster rounding: no correction for negative products (the
    /// lower clamp at or above the zero point) and the quotients from the sums' high halves
    /// (every channel's shift below 0).
    #[inline]
    pub(super) fn fast(&self) -> bool {
        self.fast
    }

    /// The int8 outputs (in int32 lanes) of `block`'s channels for the sums `x`.
    #[inline]
    #[target_feature(enable = "avx512f")]
    fn scale(&self, block: &Block, x: __m512i) -> __m512i {
        let raw = match self.fast {
            true => self.raw::<true>(block, x),
            false => self.raw::<false>(block, x),
        };
        _mm512_add_epi32(
            _mm512_min_epi32(_mm512_max_epi32(raw, self.lo), self.hi),
            self.zero_point,
        )
    }

    /// The scaled sums `x` of `block`'s channels, before the zero point and the clamp: within
    /// int32 (`|x · m| < 2^62` and a shift of at least 31). With `FAST` (a stage whose
    /// [`Lanes::fast`] holds), a negative product's result is left uncorrected (at most 0
    /// either way, `k < 2^s`, and clamped to the lower clamp, at or above the zero point), and
    /// the quotient `⌊q / 2^(31+e)⌋` is the high half `⌊q / 2^32⌋` shifted by `e − 1`.
    #[inline]
    #[target_feature(enable = "avx512f")]
    fn raw<const FAST: bool>(&self, block: &Block, x: __m512i) -> __m512i {
        let odd_x = _mm512_srli_epi64::<32>(x);
        if FAST {
            let sum = |x: __m512i, h: &Half| _mm512_add_epi64(_mm512_mul_epi32(x, h.m), h.k);
            let (even, odd) = (sum(x, &block.even), sum(odd_x, &block.odd));
            // The even channels' high halves down into the even lanes (the odd ones' are in
            // the odd lanes).
            let high = _mm512_mask_shuffle_epi32::<0b11_11_01_01>(odd, 0x5555, even);
            return _mm512_srav_epi32(high, block.shift);
        }
        let round = |x: __m512i, h: &Half| {
            let p = _mm512_mul_epi32(x, h.m);
            let q = _mm512_add_epi64(p, h.k);
            let negative = _mm512_cmplt_epi64_mask(p, _mm512_setzero_si512());
            _mm512_srav_epi64(_mm512_mask_sub_epi64(q, negative, q, h.c), h.s)
        };
        let (even, odd) = (round(x, &block.even), round(odd_x, &block.odd));
        // The odd channels' low halves into the odd lanes.
        _mm512_mask_shuffle_epi32::<0b10_10_00_00>(even, 0xAAAA, odd)
    }
}
