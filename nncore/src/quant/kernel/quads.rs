//! One row of weights against four output positions at once on the DSP extension, for a
//! convolution of one group: each weight word loaded and widened (`SXTB16`, as in `arm.rs`)
//! serves the four positions' patches, sixteen multiply-adds in 15 instructions (four rows
//! against one position take 21).
//!
//! The four patches, offset into int16, are interleaved a group of four values at a time: the
//! group `g` of positions 0 to 3, each `(x0, x2)` then `(x1, x3)` as `SMLAD` reads them, then
//! group `g + 1`; the last `len % 4` values of each patch follow, in order. Every product and sum
//! is the portable path's (`SMLAD` wraps like `wrapping_add`), so the results are the same bits.

use core::arch::asm;

/// Four patches of `KH · KW · IN` int16 inputs, interleaved, aligned for `LDRD`.
#[repr(C, align(8))]
pub(crate) struct Quad<const IN: usize, const KW: usize, const KH: usize>(
    [[[[i16; IN]; KW]; KH]; 4],
);

impl<const IN: usize, const KW: usize, const KH: usize> Quad<IN, KW, KH> {
    const LEN: usize = KH * KW * IN;
    const GROUPS: usize = Self::LEN / 4;

    /// Four patches of zeros: positions that add nothing.
    #[inline]
    pub(crate) fn new() -> Self {
        Quad([[[[0; IN]; KW]; KH]; 4])
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
    /// If `x` is not `KH · KW · IN` long or `p > 3`.
    #[inline]
    pub(crate) fn set(&mut self, p: usize, x: &[i8], offset: i32) {
        assert!(x.len() == Self::LEN && p < 4);
        // Both int16 halves of the word.
        let offsets = (offset as u32 & 0xffff) * 0x1_0001;
        let tail = Self::GROUPS * 4;
        let flat = self.flat();
        let (groups, rest) = flat.split_at_mut(Self::GROUPS * 16);
        for (d, s) in groups.chunks_exact_mut(16).zip(x.chunks_exact(4)) {
            let (lo, hi) = widen(
                u32::from_le_bytes([s[0] as u8, s[1] as u8, s[2] as u8, s[3] as u8]),
                offsets,
            );
            let d = d[4 * p..4 * p + 4].as_mut_ptr().cast::<u32>();
            // SAFETY: the four int16 values at `d` are in bounds, 8-byte aligned (the buffer
            // is, and they start `32 · g + 8 · p` bytes into it); the int16 values are the
            // halves of the words in memory order (little-endian).
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
        let (groups, rest) = flat.split_at_mut(Self::GROUPS * 16);
        for d in groups.chunks_exact_mut(16) {
            d[4 * p..4 * p + 4].fill(0);
        }
        rest[p * n..(p + 1) * n].fill(0);
    }

    /// `acc + row · patch` at each of the four positions, wrapping.
    ///
    /// # Panics
    /// If `row` is not `KH · KW · IN` long.
    #[inline(always)]
    pub(crate) fn dots(&self, row: &[i8], acc: i32) -> [i32; 4] {
        assert_eq!(row.len(), Self::LEN);
        let flat = self.0.as_flattened().as_flattened().as_flattened();
        let mut a = [acc; 4];
        if Self::GROUPS > 0 {
            // SAFETY: reads `4 · GROUPS` bytes of `row` and `16 · GROUPS` int16 values of the
            // patches, both in bounds; `flat` is 8-byte aligned.
            unsafe { four_positions(row.as_ptr(), flat.as_ptr(), Self::GROUPS, &mut a) };
        }
        let tail = Self::GROUPS * 4;
        let n = Self::LEN - tail;
        if n > 0 {
            let rest = &flat[Self::GROUPS * 16..];
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

/// Four weights against the same four inputs of four positions: one step of
/// [`four_positions`].
macro_rules! four_weights {
    () => {
        concat!(
            "ldr {w}, [{p}], #4\n",
            "ldrd {xa}, {xb}, [{x}], #8\n",
            "sxtb16 {t}, {w}\n",
            "sxtb16 {w}, {w}, ror #8\n",
            "smlad {a0}, {t}, {xa}, {a0}\n",
            "smlad {a0}, {w}, {xb}, {a0}\n",
            "ldrd {xa}, {xb}, [{x}], #8\n",
            "smlad {a1}, {t}, {xa}, {a1}\n",
            "smlad {a1}, {w}, {xb}, {a1}\n",
            "ldrd {xa}, {xb}, [{x}], #8\n",
            "smlad {a2}, {t}, {xa}, {a2}\n",
            "smlad {a2}, {w}, {xb}, {a2}\n",
            "ldrd {xa}, {xb}, [{x}], #8\n",
            "smlad {a3}, {t}, {xa}, {a3}\n",
            "smlad {a3}, {w}, {xb}, {a3}\n",
        )
    };
}

/// One row from `w` against the interleaved patches at `x`, `groups` steps of four weights:
/// sixteen weights a loop, then four.
///
/// # Safety
/// `w` must be readable for `4 · groups` bytes and `x` for `16 · groups` int16 values, aligned
/// to 8 bytes; `groups > 0`.
#[inline(always)]
unsafe fn four_positions(w: *const i8, x: *const i16, groups: usize, a: &mut [i32; 4]) {
    let [mut a0, mut a1, mut a2, mut a3] = *a;
    let (mut w, mut x) = (w, x);
    // SAFETY: the loads stay in the ranges the caller vouches for.
    unsafe {
        if groups >= 4 {
            asm!(
                "2:",
                four_weights!(),
                four_weights!(),
                four_weights!(),
                four_weights!(),
                "subs {n}, {n}, #1",
                "bne 2b",
                p = inout(reg) w,
                x = inout(reg) x,
                n = inout(reg) groups / 4 => _,
                a0 = inout(reg) a0,
                a1 = inout(reg) a1,
                a2 = inout(reg) a2,
                a3 = inout(reg) a3,
                xa = out(reg) _,
                xb = out(reg) _,
                w = out(reg) _,
                t = out(reg) _,
                options(nostack, readonly),
            );
        }
        if groups % 4 > 0 {
            asm!(
                "2:",
                four_weights!(),
                "subs {n}, {n}, #1",
                "bne 2b",
                p = inout(reg) w => _,
                x = inout(reg) x => _,
                n = inout(reg) groups % 4 => _,
                a0 = inout(reg) a0,
                a1 = inout(reg) a1,
                a2 = inout(reg) a2,
                a3 = inout(reg) a3,
                xa = out(reg) _,
                xb = out(reg) _,
                w = out(reg) _,
                t = out(reg) _,
                options(nostack, readonly),
            );
        }
    }
    *a = [a0, a1, a2, a3];
}
