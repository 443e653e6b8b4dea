//! Four rows against eight inputs a step on the DSP extension, each row's eight weights in one
//! `LDRD` (rows aligned to 4 bytes, at most 340 bytes apart for its offsets): 38 instructions
//! for 32 multiply-adds, where one `LDR` for four weights takes 42. The loop counts on the
//! stack, its 13 registers taken by the sums, inputs, weights and pointers.

use core::arch::asm;

/// Eight inputs (four words in SMLAD order) against four rows `IN` bytes apart.
macro_rules! eight_inputs {
    () => {
        concat!(
            "ldrd {xa}, {xb}, [{x}], #8\n",
            "ldrd {xc}, {xd}, [{x}], #8\n",
            eight_inputs!(row "a1", "[{p}, #{r1}]"),
            eight_inputs!(row "a2", "[{p}, #{r2}]"),
            eight_inputs!(row "a3", "[{p}, #{r3}]"),
            eight_inputs!(row "a0", "[{p}], #8"),
        )
    };
    (row $a:literal, $at:literal) => {
        concat!(
            "ldrd {w}, {v}, ", $at, "\n",
            "sxtb16 {t}, {w}\n",
            "sxtb16 {w}, {w}, ror #8\n",
            "smlad {", $a, "}, {t}, {xa}, {", $a, "}\n",
            "smlad {", $a, "}, {w}, {xb}, {", $a, "}\n",
            "sxtb16 {t}, {v}\n",
            "sxtb16 {v}, {v}, ror #8\n",
            "smlad {", $a, "}, {t}, {xc}, {", $a, "}\n",
            "smlad {", $a, "}, {v}, {xd}, {", $a, "}\n",
        )
    };
}

/// Whether [`four_rows`] takes rows `len` bytes apart from `w`.
#[inline(always)]
pub(super) fn fits(w: *const i8, len: usize) -> bool {
    len % 4 == 0 && 3 * len <= 1020 && (w as usize) % 4 == 0
}

/// Adds to `a` the products of four rows `len = KH · KW · IN` bytes apart from `w` with
/// `8 · steps` inputs, four steps at a time, then one; returns the pointers past them.
///
/// # Safety
/// [`fits`] must hold; `w` must be readable for `3 · len + 8 · steps` bytes and `x` for
/// `8 · steps` int16 values, aligned to 4 bytes; `steps > 0`.
#[inline]
pub(super) unsafe fn four_rows<const IN: usize, const KW: usize, const KH: usize>(
    w: *const i8,
    x: *const i16,
    steps: usize,
    a: &mut [i32; 4],
) -> (*const i8, *const i16) {
    let [mut a0, mut a1, mut a2, mut a3] = *a;
    let (mut w, mut x) = (w, x);
    // SAFETY: the loads stay in the ranges the caller vouches for; the counter is pushed and
    // popped.
    unsafe {
        if steps >= 4 {
            asm!(
                "push {{{t}}}",
                "2:",
                eight_inputs!(),
                eight_inputs!(),
                eight_inputs!(),
                eight_inputs!(),
                "ldr {t}, [sp]",
                "subs {t}, {t}, #1",
                "str {t}, [sp]",
                "bne 2b",
                "add sp, sp, #4",
                p = inout(reg) w,
                x = inout(reg) x,
                t = inout(reg) steps / 4 => _,
                a0 = inout(reg) a0,
                a1 = inout(reg) a1,
                a2 = inout(reg) a2,
                a3 = inout(reg) a3,
                xa = out(reg) _,
                xb = out(reg) _,
                xc = out(reg) _,
                xd = out(reg) _,
                w = out(reg) _,
                v = out(reg) _,
                r1 = const KH * KW * IN,
                r2 = const 2 * KH * KW * IN,
                r3 = const 3 * KH * KW * IN,
                options(readonly),
            );
        }
        for _ in 0..steps % 4 {
            asm!(
                eight_inputs!(),
                p = inout(reg) w,
                x = inout(reg) x,
                t = out(reg) _,
                a0 = inout(reg) a0,
                a1 = inout(reg) a1,
                a2 = inout(reg) a2,
                a3 = inout(reg) a3,
                xa = out(reg) _,
                xb = out(reg) _,
                xc = out(reg) _,
                xd = out(reg) _,
                w = out(reg) _,
                v = out(reg) _,
                r1 = const KH * KW * IN,
                r2 = const 2 * KH * KW * IN,
                r3 = const 3 * KH * KW * IN,
                options(nostack, readonly),
            );
        }
    }
    *a = [a0, a1, a2, a3];
    (w, x)
}
