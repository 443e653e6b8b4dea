//! TensorFlow Lite Micro's output stage (`Rounding::Double`) on the DSP extension, a block's
//! channels in one loop of assembly, two pairs a step: 14 instructions an output, where a
//! channel's [`super::DoubleStage`] took 34 with the work on its constants.
//!
//! With a mantissa `m ≥ 0` and a right shift `e = −shift` in `[1, 31]`:
//!
//! - gemmlowp's high multiplication `high = ⌊(acc · m + 2^30) / 2^31⌋` (its ties away from zero
//!   are this floor's) is `⌊(acc · 2m + 2^31) / 2^32⌋`. `2m` is below `2^32`; as a signed word
//!   `m2` it is `2m − 2^32` when `m ≥ 2^30`, so `SMMLAR` of `acc`, `m2` and, in the high word,
//!   `acc` where `m2 < 0` (else 0) gives `high` exactly. It never saturates (only `acc = m =
//!   i32::MIN` would, and `m ≥ 0`);
//! - `RoundingDivideByPOT` by `2^e` of `high` and the zero point `z` after it are
//!   `⌊(⌊x / 2^(e−1)⌋ + 2z + 1) / 2⌋` with `x = high − (high < 0)` (as on Thumb-1,
//!   `thumb_stage.rs`): `ASR` by `e − 1 = ~shift`, a saturating add (which saturates only far
//!   outside int8's range, with the same result), and `SSAT` of the sum shifted right by one,
//!   which narrows to int8.
//!
//! A channel outside these bounds (a shift of 0 or more or below −31, a negative mantissa)
//! leaves the loop for [`super::DoubleStage`] or the portable stage. The activation's clamp,
//! where it is narrower than int8, is applied to the loop's bytes after it (the same as to the
//! unnarrowed sum, its ends being int8).

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
        c = unsafe { run(acc, multiplier, 2 * zero_point + 1, out, c) };
        if c < n {
            out[c] = one(acc[c], multiplier[c], zero_point, clamp);
            c += 1;
        }
    }
    if clamp != [i8::MIN, i8::MAX] {
        for out in &mut out[..n] {
            *out = (*out).clamp(clamp[0], clamp[1]);
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

/// Channel 0's (`acc` in `{x0}`, mantissa `{m0}`, shift `{s0}`) or 1's check: `~shift` into
/// `{s}` (made −1 by a negative mantissa), leaving for `8f` unless it is in `[0, 30]`.
macro_rules! check {
    (0) => {
        concat!(
            "mvn {s0}, {s0}\n",
            "orr {s0}, {s0}, {m0}, asr #31\n",
            "cmp {s0}, #30\n",
            "bhi 8f\n",
        )
    };
    (1) => {
        concat!(
            "mvn {s1}, {s1}\n",
            "orr {s1}, {s1}, {m1}, asr #31\n",
            "cmp {s1}, #30\n",
            "bhi 8f\n",
        )
    };
}

/// Channel 0's or 1's output, stored at `{o}`, which moves on (`2z + 1` in `{z}`, `{t}` work).
macro_rules! stage {
    (0) => {
        concat!(
            "lsl {m0}, {m0}, #1\n",
            "and {t}, {x0}, {m0}, asr #31\n",
            "smmlar {x0}, {x0}, {m0}, {t}\n",
            "add {x0}, {x0}, {x0}, asr #31\n",
            "asr {x0}, {x0}, {s0}\n",
            "qadd {x0}, {x0}, {z}\n",
            "ssat {x0}, #8, {x0}, asr #1\n",
            "strb {x0}, [{o}], #1\n",
        )
    };
    (1) => {
        concat!(
            "lsl {m1}, {m1}, #1\n",
            "and {t}, {x1}, {m1}, asr #31\n",
            "smmlar {x1}, {x1}, {m1}, {t}\n",
            "add {x1}, {x1}, {x1}, asr #31\n",
            "asr {x1}, {x1}, {s1}\n",
            "qadd {x1}, {x1}, {z}\n",
            "ssat {x1}, #8, {x1}, asr #1\n",
            "strb {x1}, [{o}], #1\n",
        )
    };
}

/// Two channels: their accumulators from `{a}`, multipliers from `{m}`, both checked before
/// either is stored.
macro_rules! pair {
    () => {
        concat!(
            "ldrd {x0}, {x1}, [{a}], #8\n",
            "ldrd {m0}, {s0}, [{m}], #8\n",
            "ldrd {m1}, {s1}, [{m}], #8\n",
            check!(0),
            check!(1),
            stage!(0),
            stage!(1),
        )
    };
}

/// Channels from `from` on until the end or the first one whose shift is out of bounds, whose
/// index it returns (`acc.len()` at the end), two pairs a step.
///
/// # Safety
/// `multiplier` and `out` must be at least as long as `acc`, and `from < acc.len()`.
#[inline]
unsafe fn run(
    acc: &[i32],
    multiplier: &[Multiplier],
    z: i32,
    out: &mut [i8],
    from: usize,
) -> usize {
    let n = acc.len();
    let start = out.as_mut_ptr();
    let pairs = (n - from) / 2;
    let (a, m, mut o) = (
        // SAFETY: `from < n`, inside every slice.
        unsafe { acc.as_ptr().add(from) },
        unsafe { multiplier.as_ptr().add(from).cast::<i32>() },
        unsafe { start.add(from) },
    );
    // SAFETY: reads `acc` and `multiplier` from `from` up to `acc.len()`, writes `out` alike.
    unsafe {
        asm!(
            // Two pairs a step, then one.
            "lsrs {q}, {pairs}, #1",
            "beq 4f",
            "2:",
            pair!(),
            pair!(),
            "subs {q}, {q}, #1",
            "bne 2b",
            "4:",
            "lsls {pairs}, {pairs}, #31",
            "beq 8f",
            pair!(),
            "8:",
            a = inout(reg) a => _,
            m = inout(reg) m => _,
            o = inout(reg) o,
            pairs = inout(reg) pairs => _,
            q = out(reg) _,
            z = in(reg) z,
            t = out(reg) _,
            x0 = out(reg) _,
            x1 = out(reg) _,
            m0 = out(reg) _,
            s0 = out(reg) _,
            m1 = out(reg) _,
            s1 = out(reg) _,
            options(nostack),
        );
    }
    // SAFETY: `o` is inside `out` or one past its end.
    let mut next = unsafe { o.offset_from(start) } as usize;
    if next + 1 == n && (n - from) % 2 == 1 {
        // The last channel of an odd count.
        let (x, mm) = (acc[next], multiplier[next]);
        let s: i32;
        // SAFETY: register arithmetic and one store to `out[next]`.
        unsafe {
            asm!(
                check!(0),
                stage!(0),
                "8:",
                x0 = inout(reg) x => _,
                m0 = inout(reg) mm.mantissa => _,
                s0 = inout(reg) mm.shift => s,
                z = in(reg) z,
                o = inout(reg) start.add(next) => _,
                t = out(reg) _,
                options(nostack),
            );
        }
        if s as u32 <= 30 {
            next += 1;
        }
    }
    next
}
