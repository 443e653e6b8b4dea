//! The output stages that round once ([`Rounding::Float`], TensorFlow Lite's interpreter, and
//! [`Rounding::Single`]) on the DSP extension, every channel of a layer in one loop of assembly:
//! 25 instructions an output, about 64 fewer than the portable `Float` stage with its 64-bit
//! arithmetic and its margin test.
//!
//! For a right shift (`d = −1 − shift` in `[0, 30]`, so that the product is divided by `2^t`,
//! `t = 32 + d` in `[32, 62]`), with `P = acc · m` exact in 64 bits (`SMULL`):
//!
//! - `N = ⌊P / 2^d⌋`, the 64-bit shift by `d` of the two halves (`LSL` by `32 − d = 32` gives 0
//!   for `d = 0`), then `V = N + 2^31` (`ADDS`, `ADC` with the zero point). Its high word is
//!   `r = ⌊(P + 2^(t−1)) / 2^t⌋` (a floor of a floor by powers of two is one floor), plus the
//!   zero point; its low word `L = ⌊g / 2^d⌋` for `g = (P + 2^(t−1)) mod 2^t`, the fraction
//!   of the rounding. `|r| ≤ 2^30 + 1`: nothing overflows, and `SSAT` narrows to int8.
//! - `Single` (`TFLITE_SINGLE_ROUNDING`: `(P + 2^(t−1)) >> t`, any mantissa) is `r` itself.
//! - `Float` is [`round_scaled`]'s fast path where the loop takes it: `m ≥ 2^30`, `L` in
//!   `[2^22, 2^32 − 2^22)` and `r` plus the zero point in `[−2048, 2047]` (so `|r| ≤ 2176`).
//!   Then `g` is in `[2^(t−10), 2^t − 2^(t−10))`. That path takes `p = |P|`, its fraction
//!   `f = p mod 2^t` and half `h = 2^(t−1)`: for `acc ≥ 0`, `g = (f + h) mod 2^t`; for
//!   `acc < 0`, `g = (h − f) mod 2^t`; either way `|f − h| = min(g, 2^t − g) ≥ 2^(t−10)`.
//!   Its margin is `(p >> 22) + 2`, and `p ≤ (|r| + 1/2) · 2^t` (`P + h` lies in `[r · 2^t,
//!   (r + 1) · 2^t)`), so the margin is below `2177 · 2^(t−22) + 2 < 2^(t−10)`: the path
//!   rounds `p` itself, to `sign · ⌊(p + h) / 2^t⌋`, which is `r` for either sign (for
//!   `acc < 0` it is `⌈(P − h) / 2^t⌉`, equal to `⌊(P + h) / 2^t⌋` since `g ≠ 0`).
//!
//! A channel outside these bounds (a shift of 0 or more or below −31, for `Float` a mantissa
//! below `2^30`, a product within `2^(t−10)` of a tie, about once in 500 outputs, or far out
//! of int8's range) leaves the loop for the portable stage. The activation's clamp, where it
//! is narrower than int8, is applied to the loop's bytes after it (the same as to the
//! unnarrowed sum, the clamp's ends being int8).
//!
//! On Thumb-1 (ARMv6-M) the loop is `thumb_stage.rs`'s, the same arithmetic with the product
//! in 16-bit halves. On the host, a model of the instructions, which the tests hold against
//! [`crate::quant::OutputStage::finish`].
//!
//! [`Rounding::Float`]: crate::quant::Rounding::Float
//! [`Rounding::Single`]: crate::quant::Rounding::Single
//! [`round_scaled`]: crate::quant::rescale::round_scaled

use crate::quant::{Multiplier, OutputStage, QuantParams, Rounding};

/// `out[c]` for every channel of `acc`: the int8 output of `acc[c]` rescaled by
/// `multiplier[c]` rounding once (`rounding` is `Float` or `Single`), plus `zero_point`,
/// clamped to `clamp`, as [`OutputStage::finish`] computes it; `Float` takes the input's and
/// output's scales in `scales` and the weights' in `weight_scale`.
///
/// # Panics
/// If `multiplier`, `weight_scale` or `out` is shorter than `acc`.
#[inline(never)]
pub(crate) fn finish_once(
    acc: &[i32],
    (multiplier, weight_scale, scales): (&[Multiplier], &[f32], [f32; 2]),
    rounding: Rounding,
    zero_point: i8,
    clamp: [i8; 2],
    out: &mut [i8],
) {
    let n = acc.len();
    assert!(
        multiplier.len() >= n && weight_scale.len() >= n && out.len() >= n,
        "a multiplier, a weight scale and an output a channel"
    );
    let float = rounding == Rounding::Float;
    let mut c = 0;
    while c < n {
        let from = c;
        c = run(acc, multiplier, float, zero_point as i32, clamp, out, from);
        if c < n {
            let stage = OutputStage {
                input: QuantParams::new(scales[0], 0),
                output: QuantParams::new(scales[1], zero_point),
                weight_scale: [weight_scale[c]],
                multiplier: [multiplier[c]],
                clamp,
                rounding,
            };
            out[c] = portable(&stage, acc[c]);
            c += 1;
        }
    }
}

/// [`OutputStage::finish`] of a channel the loop leaves, out of line.
#[cold]
#[inline(never)]
fn portable(stage: &OutputStage<1>, acc: i32) -> i8 {
    stage.finish(0, acc)
}

/// One channel's output before the clamp, `None` where the loop leaves it: what the assembly
/// computes, instruction by instruction (on Thumb-1 `Single` leaves a negative mantissa too).
#[cfg_attr(
    any(nn_arm_dsp, all(target_arch = "arm", target_os = "none")),
    allow(dead_code)
)]
pub(crate) fn model(acc: i32, m: Multiplier, float: bool, zero_point: i32) -> Option<i8> {
    let d = !m.shift as u32;
    if d > 30 || (float && m.mantissa < 1 << 30) {
        return None;
    }
    let p = acc as i64 * m.mantissa as i64;
    let (lo, hi) = (p as u32, (p >> 32) as i32);
    let lo = (lo >> d) | (hi as u32).checked_shl(32 - d).unwrap_or(0);
    let hi = hi >> d;
    let (lo, carry) = lo.overflowing_add(1 << 31);
    let hi = hi + zero_point + carry as i32;
    let near = lo.wrapping_sub(1 << 22) >= (1u32 << 23).wrapping_neg();
    if float && (near || (hi + 2048) as u32 >= 4096) {
        return None;
    }
    Some(hi.clamp(-128, 127) as i8)
}

/// Channels from `from` on until the end or the first one the loop leaves, whose index it
/// returns (`acc.len()` at the end). `multiplier` and `out` are at least as long as `acc`,
/// `from < acc.len()`.
#[cfg(not(any(nn_arm_dsp, all(target_arch = "arm", target_os = "none"))))]
fn run(
    acc: &[i32],
    multiplier: &[Multiplier],
    float: bool,
    zero_point: i32,
    clamp: [i8; 2],
    out: &mut [i8],
    from: usize,
) -> usize {
    for c in from..acc.len() {
        match model(acc[c], multiplier[c], float, zero_point) {
            Some(y) => out[c] = crate::quant::params::clamp_i8(y as i32, clamp),
            None => return c,
        }
    }
    acc.len()
}

/// [`run`]'s loop on Thumb-1 (ARMv6-M).
#[cfg(all(target_arch = "arm", target_os = "none", not(nn_arm_dsp)))]
fn run(
    acc: &[i32],
    multiplier: &[Multiplier],
    float: bool,
    zero_point: i32,
    clamp: [i8; 2],
    out: &mut [i8],
    from: usize,
) -> usize {
    // SAFETY: the caller's bounds are `run_once`'s.
    unsafe { super::thumb_stage::run_once(acc, multiplier, float, zero_point, clamp, out, from) }
}

/// The loop's head: the next channel's multiplier and accumulator, `d = −1 − shift` (in
/// `{s}`), out unless `d ≤ 30`.
#[cfg(nn_arm_dsp)]
macro_rules! head {
    () => {
        concat!(
            "2:\n",
            "ldrd {m}, {s}, [{mp}], #8\n",
            "ldr {x}, [{ap}], #4\n",
            "mvn {s}, {s}\n",
            "cmp {s}, #30\n",
            "bhi 9f\n",
        )
    };
}

/// `V = ⌊acc · m / 2^d⌋ + 2^31` in `{hi}:{lo}`, the zero point added to the high word.
#[cfg(nn_arm_dsp)]
macro_rules! product {
    () => {
        concat!(
            "smull {lo}, {hi}, {x}, {m}\n",
            "lsr {lo}, {lo}, {s}\n",
            "rsb {x}, {s}, #32\n",
            "lsl {x}, {hi}, {x}\n",
            "orr {lo}, {lo}, {x}\n",
            "asr {hi}, {hi}, {s}\n",
            "adds {lo}, {lo}, #0x80000000\n",
            "adc {hi}, {hi}, {z}\n",
        )
    };
}

/// The loop's tail: the output narrowed to int8 and stored; on to the next channel, or one
/// pair of multipliers on at the end, as on leaving.
#[cfg(nn_arm_dsp)]
macro_rules! tail {
    () => {
        concat!(
            "ssat {hi}, #8, {hi}\n",
            "strb {hi}, [{op}], #1\n",
            "cmp {ap}, {end}\n",
            "bne 2b\n",
            "add {mp}, {mp}, #8\n",
            "9:\n",
        )
    };
}

/// [`run`]'s loop on the DSP extension, the clamp applied to its bytes after it.
#[cfg(nn_arm_dsp)]
fn run(
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
    // SAFETY: reads `acc` and `multiplier` (`repr(C)` pairs of int32) from `from` up to
    // `acc.len()` and writes `out` alike (the caller's bounds); `from < acc.len()`.
    unsafe {
        let ap = acc.as_ptr().add(from);
        let end = acc.as_ptr().add(acc.len());
        let op = out.as_mut_ptr().add(from);
        let mp = first.add(2 * from);
        if float {
            core::arch::asm!(
                head!(),
                "cmp {m}, #0x40000000",
                "blt 9f",
                product!(),
                // L in [2^22, 2^32 − 2^22), r + z in [−2048, 2047].
                "sub {x}, {lo}, #0x400000",
                "cmn {x}, #0x800000",
                "bcs 9f",
                "add {x}, {hi}, #0x800",
                "cmp {x}, #0x1000",
                "bhs 9f",
                tail!(),
                mp = inout(reg) mp => next,
                ap = inout(reg) ap => _,
                op = inout(reg) op => _,
                end = in(reg) end,
                z = in(reg) zero_point,
                m = out(reg) _,
                s = out(reg) _,
                x = out(reg) _,
                lo = out(reg) _,
                hi = out(reg) _,
                options(nostack),
            );
        } else {
            core::arch::asm!(
                head!(),
                product!(),
                tail!(),
                mp = inout(reg) mp => next,
                ap = inout(reg) ap => _,
                op = inout(reg) op => _,
                end = in(reg) end,
                z = in(reg) zero_point,
                m = out(reg) _,
                s = out(reg) _,
                x = out(reg) _,
                lo = out(reg) _,
                hi = out(reg) _,
                options(nostack),
            );
        }
        // `next` is one pair past the channel the loop left, or past the last.
        let c = (next.offset_from(first) as usize) / 2 - 1;
        if clamp != [i8::MIN, i8::MAX] {
            for y in &mut out[from..c] {
                *y = crate::quant::params::clamp_i8(*y as i32, clamp);
            }
        }
        c
    }
}

#[cfg(all(test, feature = "alloc"))]
mod tests;
