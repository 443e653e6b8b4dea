//! The row kernels of the DSP extension (`arm.rs`): four rows, two or one against four
//! inputs a step (`LDRD` of four int16 inputs, `LDR` of each row's four weights, two `SXTB16`
//! and two `SMLAD` a row), in loops of sixteen inputs a step where there are that many.

use core::arch::asm;

/// Four inputs against four rows `IN` bytes apart: the template of one step of [`four_rows`].
macro_rules! four_inputs {
    () => {
        concat!(
            "ldrd {xa}, {xb}, [{x}], #8\n",
            "ldr {w}, [{p}, #{r1}]\n",
            "sxtb16 {t}, {w}\n",
            "sxtb16 {w}, {w}, ror #8\n",
            "smlad {a1}, {t}, {xa}, {a1}\n",
            "smlad {a1}, {w}, {xb}, {a1}\n",
            "ldr {w}, [{p}, #{r2}]\n",
            "sxtb16 {t}, {w}\n",
            "sxtb16 {w}, {w}, ror #8\n",
            "smlad {a2}, {t}, {xa}, {a2}\n",
            "smlad {a2}, {w}, {xb}, {a2}\n",
            "ldr {w}, [{p}, #{r3}]\n",
            "sxtb16 {t}, {w}\n",
            "sxtb16 {w}, {w}, ror #8\n",
            "smlad {a3}, {t}, {xa}, {a3}\n",
            "smlad {a3}, {w}, {xb}, {a3}\n",
            "ldr {w}, [{p}], #4\n",
            "sxtb16 {t}, {w}\n",
            "sxtb16 {w}, {w}, ror #8\n",
            "smlad {a0}, {t}, {xa}, {a0}\n",
            "smlad {a0}, {w}, {xb}, {a0}\n",
        )
    };
}

/// Four rows `len = KH · KW · IN` bytes apart from `w` against `4 · groups` inputs: sixteen
/// inputs a step, then four a step.
///
/// # Safety
/// `w` must be readable for `3 · len + 4 · groups` bytes and `x` for `4 · groups` int16 values,
/// aligned to 4 bytes; `groups > 0`.
#[inline]
pub(super) unsafe fn four_rows<const IN: usize, const KW: usize, const KH: usize>(
    w: *const i8,
    x: *const i16,
    groups: usize,
    a: &mut [i32; 4],
) {
    let (mut w, mut x, mut groups) = (w, x, groups);
    if super::arm_wide::fits(w, KH * KW * IN) && groups >= 2 {
        // SAFETY: as the caller vouches, eight inputs a step.
        (w, x) = unsafe { super::arm_wide::four_rows::<IN, KW, KH>(w, x, groups / 2, a) };
        groups %= 2;
        if groups == 0 {
            return;
        }
    }
    let [mut a0, mut a1, mut a2, mut a3] = *a;
    // SAFETY: the loads stay in the ranges the caller vouches for.
    unsafe {
        if groups >= 4 {
            asm!(
                "2:",
                four_inputs!(),
                four_inputs!(),
                four_inputs!(),
                four_inputs!(),
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
                r1 = const KH * KW * IN,
                r2 = const 2 * KH * KW * IN,
                r3 = const 3 * KH * KW * IN,
                options(nostack, readonly),
            );
        }
        if groups % 4 > 0 {
            asm!(
                "2:",
                four_inputs!(),
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
                r1 = const KH * KW * IN,
                r2 = const 2 * KH * KW * IN,
                r3 = const 3 * KH * KW * IN,
                options(nostack, readonly),
            );
        }
    }
    *a = [a0, a1, a2, a3];
}

/// Four inputs against two rows `IN` bytes apart: one step of [`two_rows`].
macro_rules! two_inputs {
    () => {
        concat!(
            "ldrd {xa}, {xb}, [{x}], #8\n",
            "ldr {w}, [{p}, #{r1}]\n",
            "sxtb16 {t}, {w}\n",
            "sxtb16 {w}, {w}, ror #8\n",
            "smlad {a1}, {t}, {xa}, {a1}\n",
            "smlad {a1}, {w}, {xb}, {a1}\n",
            "ldr {w}, [{p}], #4\n",
            "sxtb16 {t}, {w}\n",
            "sxtb16 {w}, {w}, ror #8\n",
            "smlad {a0}, {t}, {xa}, {a0}\n",
            "smlad {a0}, {w}, {xb}, {a0}\n",
        )
    };
}

/// Two rows `len = KH · KW · IN` bytes apart from `w` against `4 · groups` inputs, four a step
/// (eight while at least eight are left).
///
/// # Safety
/// `w` must be readable for `len + 4 · groups` bytes and `x` for `4 · groups` int16 values,
/// aligned to 4 bytes; `groups > 0`.
#[inline]
pub(super) unsafe fn two_rows<const IN: usize, const KW: usize, const KH: usize>(
    w: *const i8,
    x: *const i16,
    groups: usize,
    a: &mut [i32; 2],
) {
    let [mut a0, mut a1] = *a;
    let (mut w, mut x) = (w, x);
    // SAFETY: the loads stay in the ranges the caller vouches for.
    unsafe {
        if groups >= 2 {
            asm!(
                "2:",
                two_inputs!(),
                two_inputs!(),
                "subs {n}, {n}, #1",
                "bne 2b",
                p = inout(reg) w,
                x = inout(reg) x,
                n = inout(reg) groups / 2 => _,
                a0 = inout(reg) a0,
                a1 = inout(reg) a1,
                xa = out(reg) _,
                xb = out(reg) _,
                w = out(reg) _,
                t = out(reg) _,
                r1 = const KH * KW * IN,
                options(nostack, readonly),
            );
        }
        if groups % 2 > 0 {
            asm!(
                two_inputs!(),
                p = inout(reg) w => _,
                x = inout(reg) x => _,
                a0 = inout(reg) a0,
                a1 = inout(reg) a1,
                xa = out(reg) _,
                xb = out(reg) _,
                w = out(reg) _,
                t = out(reg) _,
                r1 = const KH * KW * IN,
                options(nostack, readonly),
            );
        }
    }
    *a = [a0, a1];
}

/// One row, four inputs a step for `steps` steps.
///
/// # Safety
/// `w` must be readable for `4 · steps` bytes and `x` for `4 · steps` int16 values, aligned to
/// 4 bytes; `steps > 0`.
#[inline]
pub(super) unsafe fn one_row(w: *const i8, x: *const i16, steps: usize, a: &mut i32) {
    let mut acc = *a;
    // SAFETY: as above.
    unsafe {
        asm!(
            "2:",
            "ldrd {xa}, {xb}, [{x}], #8",
            "ldr {w}, [{p}], #4",
            "sxtb16 {t}, {w}",
            "sxtb16 {w}, {w}, ror #8",
            "smlad {a}, {t}, {xa}, {a}",
            "smlad {a}, {w}, {xb}, {a}",
            "subs {n}, {n}, #1",
            "bne 2b",
            p = inout(reg) w => _,
            x = inout(reg) x => _,
            n = inout(reg) steps => _,
            a = inout(reg) acc,
            xa = out(reg) _,
            xb = out(reg) _,
            w = out(reg) _,
            t = out(reg) _,
            options(nostack, readonly),
        );
    }
    *a = acc;
}
