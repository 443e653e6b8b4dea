//! One row of weights against eight output positions at once on the DSP extension, for a
//! convolution of one group: each weight word loaded and widened (`SXTB16`, as in `arm.rs`)
//! serves the eight positions' patches, 32 multiply-adds in 27 instructions (four rows against
//! one position take 21 for 16). The eight accumulators, two widened weights, two inputs and
//! two pointers take fourteen registers: the loop saves `r6` and `r7` (which Rust does not give
//! to `asm!`) and keeps its counters on the stack.
//!
//! The patches, offset into int16, are interleaved a group of four values at a time: the group
//! `g` of positions 0 to 7, each `(x0, x2)` then `(x1, x3)` as `SMLAD` reads them, then group
//! `g + 1`; the last `len % 4` values of each patch follow, in order. Every product and sum is
//! the portable path's (`SMLAD` wraps like `wrapping_add`), so the results are the same bits.

use core::arch::asm;
use core::mem::MaybeUninit;

/// Output positions a block.
pub(crate) const POSITIONS: usize = 8;

/// [`POSITIONS`] patches of `KH · KW · IN` int16 inputs, interleaved, aligned for `LDRD`.
#[repr(C, align(8))]
pub(crate) struct Patches<const IN: usize, const KW: usize, const KH: usize>(
    [[[[i16; IN]; KW]; KH]; POSITIONS],
);

impl<const IN: usize, const KW: usize, const KH: usize> Patches<IN, KW, KH> {
    const LEN: usize = KH * KW * IN;
    const GROUPS: usize = Self::LEN / 4;
    /// The int16 values of one group of every position.
    const STEP: usize = 4 * POSITIONS;

    /// Patches of zeros: positions that add nothing.
    #[inline]
    pub(crate) fn new() -> Self {
        Patches([[[[0; IN]; KW]; KH]; POSITIONS])
    }

    fn flat(&mut self) -> &mut [i16] {
        self.0
            .as_flattened_mut()
            .as_flattened_mut()
            .as_flattened_mut()
    }

    /// Sets position `p`'s patch to `x + offset` (`offset` within `[-127, 128]`).
    ///
    /// # Panics
    /// If `x` is not `KH · KW · IN` long or `p` is not a position.
    #[inline]
    pub(crate) fn set(&mut self, p: usize, x: &[i8], offset: i32) {
        assert!(x.len() == Self::LEN && p < POSITIONS);
        // Both int16 halves of the word.
        let offsets = (offset as u32 & 0xffff) * 0x1_0001;
        let tail = Self::GROUPS * 4;
        let flat = self.flat();
        let (groups, rest) = flat.split_at_mut(Self::GROUPS * Self::STEP);
        for (d, s) in groups.chunks_exact_mut(Self::STEP).zip(x.chunks_exact(4)) {
            let word = u32::from_le_bytes([s[0] as u8, s[1] as u8, s[2] as u8, s[3] as u8]);
            let (lo, hi) = widen(word, offsets);
            let d = d[4 * p..4 * p + 4].as_mut_ptr().cast::<u32>();
            // SAFETY: the four int16 values at `d` are in bounds, 8-byte aligned (the buffer
            // is, and they start `8 · (POSITIONS · g + p)` bytes into it); the int16 values are
            // the halves of the words in memory order (little-endian).
            unsafe {
                d.write(lo);
                d.add(1).write(hi);
            }
        }
        let n = Self::LEN - tail;
        for (d, &s) in rest[p * n..(p + 1) * n].iter_mut().zip(&x[tail..]) {
            *d = (s as i32 + offset) as i16;
        }
    }

    /// Sets position `p`'s patch to zeros.
    #[inline]
    pub(crate) fn clear(&mut self, p: usize) {
        let tail = Self::GROUPS * 4;
        let n = Self::LEN - tail;
        let flat = self.flat();
        let (groups, rest) = flat.split_at_mut(Self::GROUPS * Self::STEP);
        for d in groups.chunks_exact_mut(Self::STEP) {
            d[4 * p..4 * p + 4].fill(0);
        }
        rest[p * n..(p + 1) * n].fill(0);
    }

    /// `acc + row · patch` at each position, wrapping.
    ///
    /// # Panics
    /// If `row` is not `KH · KW · IN` long.
    #[inline(always)]
    pub(crate) fn dots(&self, row: &[i8], acc: i32) -> [i32; POSITIONS] {
        assert_eq!(row.len(), Self::LEN);
        let flat = self.0.as_flattened().as_flattened().as_flattened();
        let mut a = [acc; POSITIONS];
        if Self::GROUPS > 0 {
            let mut sums = MaybeUninit::<[i32; POSITIONS]>::uninit();
            // SAFETY: reads `4 · GROUPS` bytes of `row` and `STEP · GROUPS` int16 values of the
            // patches, both in bounds (`flat` is 8-byte aligned), and writes every sum.
            a = unsafe {
                let (w, x) = (row.as_ptr(), flat.as_ptr());
                eight_positions(w, x, Self::GROUPS, acc, sums.as_mut_ptr().cast());
                sums.assume_init()
            };
        }
        let tail = Self::GROUPS * 4;
        let n = Self::LEN - tail;
        if n > 0 {
            let rest = &flat[Self::GROUPS * Self::STEP..];
            for (p, a) in a.iter_mut().enumerate() {
                let x = &rest[p * n..(p + 1) * n];
                *a = row[tail..]
                    .iter()
                    .zip(x)
                    .fold(*a, |s, (&w, &x)| s.wrapping_add(w as i32 * x as i32));
            }
        }
        a
    }
}

/// `(x0, x2)` and `(x1, x3)` of the bytes of `w`, sign-extended to int16, plus `offsets` in
/// each half (no carry between them: each sum is within ±255).
#[inline(always)]
fn widen(w: u32, offsets: u32) -> (u32, u32) {
    let (lo, hi): (u32, u32);
    // SAFETY: register arithmetic only.
    unsafe {
        asm!(
            "sxtb16 {lo}, {w}",
            "sxtb16 {hi}, {w}, ror #8",
            "sadd16 {lo}, {lo}, {o}",
            "sadd16 {hi}, {hi}, {o}",
            w = in(reg) w,
            o = in(reg) offsets,
            lo = out(reg) lo,
            hi = out(reg) hi,
            options(pure, nomem, nostack),
        );
    }
    (lo, hi)
}

/// Four weights (from `r0`) against the same four inputs (from `r1`) of eight positions, the
/// accumulators `r4` to `r11`: one step of [`eight_positions`].
macro_rules! four_weights {
    () => {
        concat!(
            "ldr r12, [r0], #4\n",
            "sxtb16 lr, r12\n",
            "sxtb16 r12, r12, ror #8\n",
            "ldrd r2, r3, [r1], #8\n",
            "smlad r4, lr, r2, r4\n",
            "smlad r4, r12, r3, r4\n",
            "ldrd r2, r3, [r1], #8\n",
            "smlad r5, lr, r2, r5\n",
            "smlad r5, r12, r3, r5\n",
            "ldrd r2, r3, [r1], #8\n",
            "smlad r6, lr, r2, r6\n",
            "smlad r6, r12, r3, r6\n",
            "ldrd r2, r3, [r1], #8\n",
            "smlad r7, lr, r2, r7\n",
            "smlad r7, r12, r3, r7\n",
            "ldrd r2, r3, [r1], #8\n",
            "smlad r8, lr, r2, r8\n",
            "smlad r8, r12, r3, r8\n",
            "ldrd r2, r3, [r1], #8\n",
            "smlad r9, lr, r2, r9\n",
            "smlad r9, r12, r3, r9\n",
            "ldrd r2, r3, [r1], #8\n",
            "smlad r10, lr, r2, r10\n",
            "smlad r10, r12, r3, r10\n",
            "ldrd r2, r3, [r1], #8\n",
            "smlad r11, lr, r2, r11\n",
            "smlad r11, r12, r3, r11\n",
        )
    };
}

/// One row from `w` against the interleaved patches at `x`, `groups` steps of four weights
/// (sixteen weights a loop, then four), each of the eight sums starting from `acc`, written to
/// `sums`.
///
/// # Safety
/// `w` must be readable for `4 · groups` bytes and `x` for `32 · groups` int16 values, aligned
/// to 8 bytes; `groups > 0`; `sums` writable for eight values, aligned to 4 bytes.
#[inline(always)]
unsafe fn eight_positions(w: *const i8, x: *const i16, groups: usize, acc: i32, sums: *mut i32) {
    // SAFETY: the loads stay in the ranges the caller vouches for, and so do the eight stores;
    // `r6` and `r7` are restored, and the stack is as it was.
    unsafe {
        asm!(
            "push {{r6, r7}}",
            // The counters of both loops, and where the sums go.
            "push {{r2, r3, r5}}",
            "mov r5, r4",
            "mov r6, r4",
            "mov r7, r4",
            "mov r8, r4",
            "mov r9, r4",
            "mov r10, r4",
            "mov r11, r4",
            "cmp r2, #0",
            "beq 3f",
            "2:",
            four_weights!(),
            four_weights!(),
            four_weights!(),
            four_weights!(),
            "ldr r2, [sp]",
            "subs r2, r2, #1",
            "str r2, [sp]",
            "bne 2b",
            "3:",
            "ldr r2, [sp, #8]",
            "cmp r2, #0",
            "beq 5f",
            "4:",
            four_weights!(),
            "ldr r2, [sp, #8]",
            "subs r2, r2, #1",
            "str r2, [sp, #8]",
            "bne 4b",
            "5:",
            "pop {{r2, r3, r12}}",
            "stm r3, {{r4-r11}}",
            "pop {{r6, r7}}",
            inout("r0") w => _,
            inout("r1") x => _,
            inout("r2") groups / 4 => _,
            inout("r3") sums => _,
            inout("r4") acc => _,
            inout("r5") groups % 4 => _,
            out("r8") _,
            out("r9") _,
            out("r10") _,
            out("r11") _,
            out("r12") _,
            out("lr") _,
        );
    }
}
