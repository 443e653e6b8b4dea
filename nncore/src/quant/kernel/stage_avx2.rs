//! The double-rounding output stage of a convolution on AVX2, eight channels a vector, its
//! multipliers in lanes once per call (`prepared.rs` is AVX-512's): bit for bit the scalar
//! stage for the usual multipliers (a shift at most 0, a mantissa other than `i32::MIN`, so
//! that gemmlowp's high multiplication needs no saturation). The high multiplication runs on
//! the even channels and the odd ones apart (`vpmuldq`), its bits 31 to 62 joined back; the
//! division by `2^−shift` rounds half away from zero in 32-bit lanes; the output zero point is
//! added after clamping to the activation's range less the zero point, which gives what
//! clamping the sum does without the sum overflowing.

use core::arch::x86_64::{
    __m256i, _mm_cvtsi128_si64, _mm256_add_epi32, _mm256_add_epi64, _mm256_and_si256,
    _mm256_blend_epi32, _mm256_castsi256_si128, _mm256_cmpgt_epi32, _mm256_loadu_si256,
    _mm256_max_epi32, _mm256_min_epi32, _mm256_mul_epi32, _mm256_permutevar8x32_epi32,
    _mm256_set1_epi32, _mm256_set1_epi64x, _mm256_setr_epi8, _mm256_setr_epi32,
    _mm256_shuffle_epi8, _mm256_slli_epi64, _mm256_sllv_epi32, _mm256_srai_epi32,
    _mm256_srav_epi32, _mm256_srli_epi64, _mm256_sub_epi32,
};

use core::mem::MaybeUninit;

use super::Kernel;
use crate::quant::{Multiplier, Rounding};

/// Channels at most: 32 blocks of eight.
const BLOCKS: usize = 32;

impl Kernel {
    /// The output stage of these channels in AVX2 lanes, built in `room`, where this kernel runs
    /// it (AVX2 or AVX-VNNI, on a CPU with AVX2), the rounding is the double one, and [`Lanes8`]
    /// takes the multipliers; else `None`. (In the caller's room: the stage is kilobytes, which
    /// a return by value would copy.)
    #[must_use]
    pub(crate) fn stage_lanes8<'a>(
        self,
        multiplier: &[Multiplier],
        rounding: Rounding,
        zero_point: i32,
        clamp: [i8; 2],
        room: &'a mut MaybeUninit<Lanes8>,
    ) -> Option<&'a Lanes8> {
        let kernel = matches!(self, Kernel::Avx2 | Kernel::AvxVnni);
        if !kernel || rounding != Rounding::Double || !super::avx2_available() {
            return None;
        }
        // SAFETY: the CPU runs AVX2, checked above.
        unsafe { Lanes8::new_in(multiplier, zero_point, clamp, room) }
    }
}

/// One block of eight channels' multipliers.
#[derive(Clone, Copy)]
struct Block {
    /// The mantissas of the even channels in the low half of each 64-bit lane.
    even: __m256i,
    /// The odd channels' likewise.
    odd: __m256i,
    /// The exponent of the division, `−shift`, within [0, 31].
    e: __m256i,
    /// `2^e − 1`.
    mask: __m256i,
    /// `(2^e − 1) / 2`, rounded down.
    half: __m256i,
}

/// The stage of up to 256 channels, ready for [`Lanes8::store_each`].
#[derive(Clone, Copy)]
pub(crate) struct Lanes8 {
    /// The blocks of the stage's channels, `⌈n / 8⌉` of them; the rest never written (nor
    /// read).
    blocks: MaybeUninit<[Block; BLOCKS]>,
    /// Channels.
    n: usize,
    /// The activation's range less the zero point.
    lo: __m256i,
    hi: __m256i,
    zero_point: __m256i,
}

impl core::fmt::Debug for Lanes8 {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Lanes8").field("n", &self.n).finish()
    }
}

impl Lanes8 {
    /// The stage of `multiplier.len()` channels, or `None` where it has more than 256 channels
    /// or a multiplier outside the usual ones.
    ///
    /// # Safety
    /// The CPU must run AVX2.
    #[target_feature(enable = "avx2")]
    unsafe fn new_in<'a>(
        multiplier: &[Multiplier],
        zero_point: i32,
        clamp: [i8; 2],
        room: &'a mut MaybeUninit<Self>,
    ) -> Option<&'a Self> {
        let n = multiplier.len();
        let usual = |m: &Multiplier| m.shift <= 0 && m.mantissa != i32::MIN;
        if n == 0 || n > 8 * BLOCKS || !multiplier.iter().all(usual) {
            return None;
        }
        let lanes = room.as_mut_ptr();
        // SAFETY: the fields of `room`, written in place.
        let first = unsafe { (&raw mut (*lanes).blocks).cast::<Block>() };
        for (b, ms) in multiplier.chunks(8).enumerate() {
            let (mut m, mut e) = ([0i32; 8], [0i32; 8]);
            for ((m, e), mult) in m.iter_mut().zip(&mut e).zip(ms) {
                *m = mult.mantissa;
                *e = (-mult.shift).min(31);
            }
            // SAFETY: `m` and `e` hold eight int32.
            let (m, e) = unsafe {
                (
                    _mm256_loadu_si256(m.as_ptr().cast()),
                    _mm256_loadu_si256(e.as_ptr().cast()),
                )
            };
            let one = _mm256_set1_epi32(1);
            let mask = _mm256_sub_epi32(_mm256_sllv_epi32(one, e), one);
            let block = Block {
                even: m,
                odd: _mm256_srli_epi64::<32>(m),
                e,
                mask,
                half: _mm256_srai_epi32::<1>(mask),
            };
            // SAFETY: `b < BLOCKS` (at most 256 channels).
            unsafe { first.add(b).write(block) };
        }
        // SAFETY: the fields of `room`; with these every field is written (`blocks` needs
        // only the first `⌈n / 8⌉`).
        unsafe {
            (&raw mut (*lanes).n).write(n);
            (&raw mut (*lanes).lo).write(_mm256_set1_epi32(clamp[0] as i32 - zero_point));
            (&raw mut (*lanes).hi).write(_mm256_set1_epi32(clamp[1] as i32 - zero_point));
            (&raw mut (*lanes).zero_point).write(_mm256_set1_epi32(zero_point));
            Some(room.assume_init_ref())
        }
    }

    /// Channels.
    #[inline]
    pub(crate) fn channels(&self) -> usize {
        self.n
    }

    /// `out[c]` for every channel of `acc`, eight at a time.
    ///
    /// # Panics
    /// If `acc` or `out` is not the stage's channels long.
    #[inline]
    pub(crate) fn finish(&self, acc: &[i32], out: &mut [i8]) {
        assert!(
            acc.len() == self.n && out.len() == self.n,
            "a value a channel"
        );
        // SAFETY: `Lanes8` exists only where the CPU runs AVX2; the lengths were checked.
        unsafe { self.finish_lanes(acc, out) }
    }

    /// [`Lanes8::finish`], the lengths checked.
    ///
    /// # Safety
    /// The CPU must run AVX2; `acc` and `out` are the stage's channels long.
    #[inline]
    #[target_feature(enable = "avx2")]
    unsafe fn finish_lanes(&self, acc: &[i32], out: &mut [i8]) {
        for (b, acc) in acc.chunks(8).enumerate() {
            let mut x = [0i32; 8];
            x[..acc.len()].copy_from_slice(acc);
            // SAFETY: `x` holds eight int32; block `b`'s outputs are inside `out`.
            unsafe {
                let x = _mm256_loadu_si256(x.as_ptr().cast());
                self.store_each(b, &[x], out.as_mut_ptr());
            }
        }
    }

    /// The int8 outputs of block `b` (channels `8b ..`, those of the stage) for the sums `x[p]`
    /// into `out[p · n + 8b ..]` for each `p`, `n` the stage's channels: the block's multipliers
    /// read once for all.
    ///
    /// # Safety
    /// The CPU must run AVX2; `b` is a block of the stage's channels, `out` holds `x.len() · n`
    /// bytes.
    #[inline]
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn store_each(&self, b: usize, x: &[__m256i], out: *mut i8) {
        debug_assert!(b < self.n.div_ceil(8), "a block of the stage's channels");
        // SAFETY: `Lanes8::new` wrote the first `⌈n / 8⌉` blocks; `b` is one of them.
        let block = unsafe { *self.blocks.as_ptr().cast::<Block>().add(b) };
        let here = (self.n - 8 * b).min(8);
        // Byte 0 of each int32 to the first four bytes of each half, then the halves together.
        let bytes = _mm256_setr_epi8(
            0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0, 4, 8, 12, -1, -1, -1,
            -1, -1, -1, -1, -1, -1, -1, -1, -1,
        );
        let halves = _mm256_setr_epi32(0, 4, 0, 0, 0, 0, 0, 0);
        for (p, &x) in x.iter().enumerate() {
            let y = self.scale(&block, x);
            let y = _mm256_permutevar8x32_epi32(_mm256_shuffle_epi8(y, bytes), halves);
            let y = _mm_cvtsi128_si64(_mm256_castsi256_si128(y));
            // SAFETY: the `here` bytes from `p · n + 8b` are inside `out`.
            unsafe {
                let at = out.add(p * self.n + 8 * b);
                match here {
                    8 => at.cast::<i64>().write_unaligned(y),
                    _ => core::ptr::copy_nonoverlapping(y.to_le_bytes().as_ptr().cast(), at, here),
                }
            }
        }
    }

    /// The int8 outputs (in int32 lanes) of `block`'s channels for the sums `x`.
    #[inline]
    #[target_feature(enable = "avx2")]
    fn scale(&self, block: &Block, x: __m256i) -> __m256i {
        let half = _mm256_set1_epi64x(1 << 30);
        // ⌊(x · m + 2^30) / 2^31⌋: bits 31 to 62 of each 64-bit sum.
        let even = _mm256_add_epi64(_mm256_mul_epi32(x, block.even), half);
        let odd = _mm256_add_epi64(
            _mm256_mul_epi32(_mm256_srli_epi64::<32>(x), block.odd),
            half,
        );
        let high = _mm256_blend_epi32::<0b1010_1010>(
            _mm256_srli_epi64::<31>(even),
            _mm256_slli_epi64::<1>(odd),
        );
        // Divided by 2^e, rounding half away from zero: up one where the remainder is above
        // half of 2^e, or half of it with a negative `high`.
        let remainder = _mm256_and_si256(high, block.mask);
        let threshold = _mm256_sub_epi32(block.half, _mm256_srai_epi32::<31>(high));
        let up = _mm256_cmpgt_epi32(remainder, threshold);
        let scaled = _mm256_sub_epi32(_mm256_srav_epi32(high, block.e), up);
        _mm256_add_epi32(
            _mm256_min_epi32(_mm256_max_epi32(scaled, self.lo), self.hi),
            self.zero_point,
        )
    }
}
