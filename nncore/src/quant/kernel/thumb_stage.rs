//! TensorFlow Lite Micro's output stage (`Rounding::Double`) on Thumb-1, every channel of a
//! position in one loop of assembly: 44 instructions an output, where a channel's
//! [`super::DoubleStage`] took about 75 with the work on its constants.
//!
//! With `e = −shift ≥ 2` and `m ≥ 0`, gemmlowp's two roundings fold into shifts:
//!
//! - the high multiplication `⌊(a · m + 2^30) / 2^31⌋` is the high word of `a · 2m + 2^31`, and
//!   `2m < 2^32` splits into unsigned 16-bit halves whose four products with `a`'s halves each
//!   fit in 32 bits (`a`'s high half signed): the high word of `a · 2m` plus bit 31 of its low
//!   word;
//! - `RoundingDivideByPOT` by `2^e` of `high` is `⌊(x + 2^(e−1)) / 2^e⌋` with `x = high − (high
//!   < 0)`, which is `⌊(⌊x / 2^(e−1)⌋ + 1) / 2⌋`, and adding the zero point `z` after it is
//!   adding `2z` before the last halving. `|x| ≤ 2^31`, so `x >> (e − 1)` is within `±2^30` and
//!   nothing overflows (the zero point's saturating addition never saturates).
//!
//! Channels outside those bounds (a shift of 0, −1, below −31 or positive, a negative mantissa)
//! leave the loop and take [`super::DoubleStage`] or the portable stage.
//!
//! [`run_once`] is the loop of the stages that round once (`once.rs`).

use core::arch::asm;

use crate::quant::Multiplier;
use crate::quant::params::clamp_i8;

/// `out[c]`, the int8 output of `acc[c]` rescaled by `multiplier[c]` with gemmlowp's two
/// roundings, plus `zero_point`, clamped to `clamp`.
///
/// # Panics
/// If `multiplier` or `out` is shorter than `acc`.
#[inline(never)]
pub(crate) fn finish_double(
    acc: &[i32],
    multiplier: &[Multiplier],
    zero_point: i32,
    clamp: [i8; 2],
    out: &mut [i8],
) {
    let n = acc.len();
    assert!(
        multiplier.len() >= n && out.len() >= n,
        "a multiplier and an output a channel"
    );
    let mut c = 0;
    while c < n {
        // SAFETY: channels `c..n` are inside all three slices.
        c = unsafe { run(acc, multiplier, zero_point, clamp, out, c) };
        if c < n {
            out[c] = one(acc[c], multiplier[c], zero_point, clamp);
            c += 1;
        }
    }
}

/// The stage of one channel the loop leaves.
#[cold]
#[inline(never)]
fn one(acc: i32, m: Multiplier, zero_point: i32, clamp: [i8; 2]) -> i8 {
    match super::DoubleStage::new(m, zero_point, clamp) {
        Some(stage) => stage.finish(acc),
        None => clamp_i8(
            m.apply_double_rounding(acc).saturating_add(zero_point),
            clamp,
        ),
    }
}

/// Channels from `from` on until the end or the first one outside the loop's bounds, whose
/// index it returns (`acc.len()` at the end).
///
/// # Safety
/// `multiplier` and `out` must be at least as long as `acc`, and `from < acc.len()`.
#[inline]
unsafe fn run(
    acc: &[i32],
    multiplier: &[Multiplier],
    zero_point: i32,
    clamp: [i8; 2],
    out: &mut [i8],
    from: usize,
) -> usize {
    let first = multiplier.as_ptr().cast::<i32>();
    let next: *const i32;
    // What the loop keeps in high registers (which Thumb-1 code cannot take from the compiler).
    let high = [2 * zero_point + 1, clamp[0] as i32, clamp[1] as i32];
    // SAFETY: reads `acc` and `multiplier` from `from` up to `acc.len()`, writes `out` alike;
    // `r6` and `r7` are restored.
    unsafe {
        // r0: the accumulators, r1: the multipliers (`mantissa, shift` pairs), r2 to r7: work,
        // r8: 2·zero point + 1, r9 and r10: the clamp, r11: the outputs, r12: the multipliers'
        // end (the first three from `high`).
        asm!(
            "push {{r6, r7}}",
            "mov r11, r3",
            "mov r12, r4",
            "ldm r2!, {{r3, r4, r5}}",
            "mov r8, r3",
            "mov r9, r4",
            "mov r10, r5",
            "2:",
            "ldm r1!, {{r2, r3}}",
            // 2m (the carry: m < 0); shift + 31 in [0, 29], else out.
            "lsls r2, r2, #1",
            "bcs 9f",
            "adds r3, #31",
            "cmp r3, #29",
            "bhi 9f",
            "ldm r0!, {{r3}}",
            // bl, bh of 2m; al (unsigned), ah (signed) of a.
            "uxth r4, r2",
            "lsrs r2, r2, #16",
            "uxth r5, r3",
            "asrs r3, r3, #16",
            // lo = al·bl, hi = ah·bh; ah·bl (signed) and al·bh (unsigned) shifted by 16 and
            // added with carries.
            "mov r6, r5",
            "muls r6, r4",
            "muls r4, r3",
            "muls r5, r2",
            "muls r2, r3",
            "lsls r7, r4, #16",
            "asrs r4, r4, #16",
            "adds r6, r7",
            "adcs r2, r4",
            "lsls r7, r5, #16",
            "lsrs r5, r5, #16",
            "adds r6, r7",
            "adcs r2, r5",
            // high = hi + the carry of lo + 2^31; x = high − (high < 0).
            "lsrs r6, r6, #31",
            "adds r2, r6",
            "asrs r7, r2, #31",
            "adds r2, r7",
            // e − 1 = ~shift, reloaded; ((x >> (e − 1)) + 2z + 1) >> 1.
            "subs r3, r1, #4",
            "ldr r3, [r3]",
            "mvns r3, r3",
            "asrs r2, r3",
            "add r2, r8",
            "asrs r2, r2, #1",
            "cmp r2, r9",
            "bge 3f",
            "mov r2, r9",
            "3:",
            "cmp r2, r10",
            "ble 4f",
            "mov r2, r10",
            "4:",
            "mov r3, r11",
            "strb r2, [r3]",
            "adds r3, #1",
            "mov r11, r3",
            "cmp r1, r12",
            "bne 2b",
            // Past the end: one pair on, as on leaving.
            "adds r1, #8",
            "9:",
            "pop {{r6, r7}}",
            inout("r0") acc.as_ptr().add(from) => _,
            inout("r1") first.add(2 * from) => next,
            inout("r2") high.as_ptr() => _,
            inout("r3") out.as_mut_ptr().add(from) => _,
            inout("r4") first.add(2 * acc.len()) => _,
            out("r5") _,
            out("r8") _,
            out("r9") _,
            out("r10") _,
            out("r11") _,
            out("r12") _,
        );
    }
    // SAFETY: `next` is one pair past a channel of `multiplier`, or past its end.
    (unsafe { next.offset_from(first) } as usize) / 2 - 1
}

/// The loop of [`super::once::finish_once`] on Thumb-1: the same arithmetic as on the DSP
/// extension (`once.rs`), the 64-bit product `acc · m` as four 16-bit products added with
/// carries (as in [`run`], the high half of `m` unsigned: `m ≥ 0`, else the channel leaves for
/// `Single` as it does below `2^30` for `Float`), then the clamp to the activation's range
/// rather than `SSAT`: about 60 instructions an output.
///
/// # Safety
/// `multiplier` and `out` must be at least as long as `acc`, and `from < acc.len()`.
#[inline]
pub(super) unsafe fn run_once(
    acc: &[i32],
    multiplier: &[Multiplier],
    float: bool,
    zero_point: i32,
    clamp: [i8; 2],
    out: &mut [i8],
    from: usize,
) -> usize {
    let first = multiplier.as_ptr().cast::<i32>();
    let next: *const i32;
    // The mantissa's check, `m >> bits == want`: `Float` wants `m` in `[2^30, 2^31)`, `Single`
    // `m ≥ 0`.
    let (bits, want) = if float { (30, 1) } else { (31, 0) };
    let high = [zero_point, clamp[0] as i32, clamp[1] as i32, bits, want];
    // SAFETY: reads `acc` and `multiplier` from `from` up to `acc.len()`, writes `out` alike;
    // `r6` and `r7` are restored.
    unsafe {
        // r0: the accumulators, r1: the multipliers, r2 to r7: work, r8: the zero point, r9 and
        // r10: the clamp, r11: the outputs, r12: the multipliers' end (the first three from
        // `high`); `bits` and `want` on the stack.
        asm!(
            "push {{r6, r7}}",
            "mov r11, r3",
            "mov r12, r4",
            "ldm r2!, {{r3, r4, r5}}",
            "mov r8, r3",
            "mov r9, r4",
            "mov r10, r5",
            "ldm r2!, {{r3, r4}}",
            "push {{r3, r4}}",
            "2:",
            "ldm r1!, {{r2, r3}}",
            // d = −1 − shift in [0, 30], else out; the mantissa's bound, else out.
            "mvns r3, r3",
            "cmp r3, #30",
            "bhi 9f",
            "ldr r4, [sp]",
            "mov r5, r2",
            "lsrs r5, r4",
            "ldr r4, [sp, #4]",
            "cmp r5, r4",
            "bne 9f",
            "ldm r0!, {{r4}}",
            // al (unsigned), ah (signed) of the accumulator; bl, bh of m (unsigned).
            "uxth r5, r4",
            "asrs r4, r4, #16",
            "uxth r7, r2",
            "lsrs r2, r2, #16",
            // lo = al·bl, hi = ah·bh; ah·bl (signed) and al·bh (unsigned) shifted by 16 and
            // added with carries: P = hi:lo.
            "mov r6, r5",
            "muls r6, r7",
            "muls r5, r2",
            "muls r7, r4",
            "muls r2, r4",
            "lsls r4, r7, #16",
            "asrs r7, r7, #16",
            "adds r6, r4",
            "adcs r2, r7",
            "lsls r4, r5, #16",
            "lsrs r5, r5, #16",
            "adds r6, r4",
            "adcs r2, r5",
            // ⌊P / 2^d⌋: lo >> d | hi << (32 − d) (0 for d = 0), hi >> d.
            "lsrs r6, r3",
            "movs r4, #32",
            "subs r4, r4, r3",
            "mov r5, r2",
            "lsls r5, r4",
            "orrs r6, r5",
            "asrs r2, r3",
            // + 2^31, the zero point added to the high word with the carry.
            "movs r4, #1",
            "lsls r4, r4, #31",
            "adds r6, r4",
            "mov r4, r8",
            "adcs r2, r4",
            // Float (bits = 30): L in [2^22, 2^32 − 2^22) and r + z in [−2048, 2047], else out.
            "ldr r4, [sp]",
            "cmp r4, #30",
            "bne 5f",
            "movs r4, #1",
            "lsls r4, r4, #22",
            "subs r5, r6, r4",
            "lsls r4, r4, #1",
            "adds r5, r4",
            "bcs 9f",
            "movs r4, #1",
            "lsls r4, r4, #11",
            "adds r5, r2, r4",
            "lsrs r5, r5, #12",
            "bne 9f",
            // The clamp: below the minimum, the minimum; else above the maximum, the maximum.
            "5:",
            "cmp r2, r9",
            "bge 3f",
            "mov r2, r9",
            "b 4f",
            "3:",
            "cmp r2, r10",
            "ble 4f",
            "mov r2, r10",
            "4:",
            "mov r3, r11",
            "strb r2, [r3]",
            "adds r3, #1",
            "mov r11, r3",
            "cmp r1, r12",
            "bne 2b",
            // Past the end: one pair on, as on leaving.
            "adds r1, #8",
            "9:",
            "add sp, #8",
            "pop {{r6, r7}}",
            inout("r0") acc.as_ptr().add(from) => _,
            inout("r1") first.add(2 * from) => next,
            inout("r2") high.as_ptr() => _,
            inout("r3") out.as_mut_ptr().add(from) => _,
            inout("r4") first.add(2 * acc.len()) => _,
            out("r5") _,
            out("r8") _,
            out("r9") _,
            out("r10") _,
            out("r11") _,
            out("r12") _,
        );
    }
    // SAFETY: `next` is one pair past a channel of `multiplier`, or past its end.
    (unsafe { next.offset_from(first) } as usize) / 2 - 1
}
