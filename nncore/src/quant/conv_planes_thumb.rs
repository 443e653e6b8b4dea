//! Depthwise 3×3 convolutions (stride 1, one zero on each side; a [`Conv2d`] of one channel a
//! group or TensorFlow Lite's [`DepthwiseConv2d`]) on Thumb-1 (Cortex-M0, M0+, M3, M23), one
//! channel's plane at a time, in assembly: the channel's inputs offset into words in a plane
//! framed by zeros, then at each output position nine loads, multiplies and adds at fixed
//! offsets from the window's corner (four weights in registers, five and the bias on the
//! stack), 39 instructions; then the output stage of the plane with the channel's constants in
//! registers (`Rounding::Double`, the arithmetic of `kernel/thumb_stage.rs`), 35 instructions
//! an output. The sums are the same as tap by tap (wrapping int32 addition).
//!
//! The plane's rows are `W` values and one zero, which is also the next row's left neighbour,
//! between a row of zeros above and below: the taps of output `(i, j)` are at `(i + kh) · (W +
//! 1) + j + kw` from its start, within the reach of an immediate offset for `W ≤ 13`. Output
//! `(i, j)`'s sum is stored at `i · W + j`, which no later output reads, so the sums of the
//! plane end up packed at its start, in the order of the output.

use super::conv::{Conv2d, Window};
use super::depthwise::DepthwiseConv2d;
use super::fixed::Rounding;
use super::params::OutputStage;
use core::arch::asm;

/// A row of the plane and the zero after it.
#[derive(Clone, Copy)]
#[repr(C)]
struct Row<const W: usize> {
    values: [i32; W],
    pad: i32,
}

/// A channel's `H × W` plane of offset inputs with a frame of zeros.
#[repr(C)]
struct Plane<const H: usize, const W: usize> {
    lead: i32,
    top: Row<W>,
    rows: [Row<W>; H],
    bottom: Row<W>,
}

/// The widest plane whose taps an immediate offset reaches (`4 · (2 · (W + 1) + 2) ≤ 124`).
const MAX_WIDTH: usize = 13;

impl<const IN: usize, const OUT: usize, const KH: usize, const KW: usize> Conv2d<IN, OUT, KH, KW> {
    /// The depthwise 3×3 convolution of `x` into `y` channel by channel, if this layer is one
    /// (stride and dilation 1, one zero of padding on each side, `OUT = C`, at most 13
    /// columns); false otherwise.
    pub(super) fn depthwise_planes_thumb<
        const C: usize,
        const H: usize,
        const W: usize,
        const HO: usize,
        const WO: usize,
    >(
        &self,
        x: &[[[i8; C]; W]; H],
        window: &Window,
        y: &mut [[[i8; OUT]; WO]; HO],
    ) -> bool {
        let fits = IN == 1 && KH == 3 && KW == 3;
        if !(fits && self::fits::<C, H, W, HO, WO, OUT>(window)) {
            return false;
        }
        let tap = |ch: usize, kh: usize, kw: usize| self.weight[ch][kh][kw][0];
        planes(x, window, tap, &self.bias, &self.stage, y);
        true
    }
}

impl<const IN: usize, const OUT: usize, const KH: usize, const KW: usize>
    DepthwiseConv2d<IN, OUT, KH, KW>
{
    /// Whether [`DepthwiseConv2d::planes_thumb`] runs this layer on an `H × W` input (as
    /// [`Conv2d::depthwise_planes_thumb`], one output channel an input channel).
    pub(super) fn fits_planes_thumb<
        const H: usize,
        const W: usize,
        const HO: usize,
        const WO: usize,
    >(
        &self,
        window: &Window,
    ) -> bool {
        IN == OUT && KH == 3 && KW == 3 && fits::<IN, H, W, HO, WO, OUT>(window)
    }

    /// [`Conv2d::depthwise_planes_thumb`] for TensorFlow Lite's layout of the weights, where
    /// [`DepthwiseConv2d::fits_planes_thumb`].
    #[inline(never)]
    pub(super) fn planes_thumb<const H: usize, const W: usize, const HO: usize, const WO: usize>(
        &self,
        x: &[[[i8; IN]; W]; H],
        window: &Window,
        y: &mut [[[i8; OUT]; WO]; HO],
    ) {
        let tap = |ch: usize, kh: usize, kw: usize| self.weight[kh][kw][ch];
        planes(x, window, tap, &self.bias, &self.stage, y);
    }
}

/// Whether [`planes`] runs a depthwise 3×3 convolution from `C` channels to `OUT` of `H × W`
/// to `HO × WO`: stride and dilation 1, one zero of padding on each side, `OUT = C ≤ 255`,
/// `W ≤ 13`.
fn fits<
    const C: usize,
    const H: usize,
    const W: usize,
    const HO: usize,
    const WO: usize,
    const OUT: usize,
>(
    window: &Window,
) -> bool {
    let fits =
        OUT == C && OUT <= 255 && [HO, WO] == [H, W] && H > 0 && (1..=MAX_WIDTH).contains(&W);
    let unit = window.stride == [1, 1] && window.dilation == [1, 1];
    fits && unit && window.before == [1, 1]
}

/// The depthwise 3×3 convolution of `x` into `y` channel by channel, `tap(channel, kh, kw)` its
/// weights, where [`fits`].
fn planes<
    const C: usize,
    const H: usize,
    const W: usize,
    const HO: usize,
    const WO: usize,
    const OUT: usize,
>(
    x: &[[[i8; C]; W]; H],
    window: &Window,
    tap: impl Fn(usize, usize, usize) -> i8,
    bias: &[i32; OUT],
    stage: &OutputStage<OUT>,
    y: &mut [[[i8; OUT]; WO]; HO],
) {
    debug_assert!(fits::<C, H, W, HO, WO, OUT>(window));
    let offset = stage.input_offset();
    let zero_point = stage.output.zero_point as i32;
    let empty = Row {
        values: [0; W],
        pad: 0,
    };
    let mut plane = Plane {
        lead: 0,
        top: empty,
        rows: [empty; H],
        bottom: empty,
    };
    let out = y.as_flattened_mut().as_flattened_mut();
    for ch in 0..C {
        // The sums of the last channel overwrote the lead, the top row and the pads.
        plane.lead = 0;
        plane.top = empty;
        for (row, src) in plane.rows.iter_mut().zip(x) {
            for (d, s) in row.values.iter_mut().zip(src) {
                *d = s[ch] as i32 + offset;
            }
            row.pad = 0;
        }
        let mut weights = [0i32; 10];
        for (k, w) in weights[..9].iter_mut().enumerate() {
            *w = tap(ch, k / 3, k % 3) as i32;
        }
        weights[9] = bias[ch];
        // Taken after the writes above, which a pointer taken before would not outlive.
        let sums = (&raw mut plane).cast::<i32>();
        // SAFETY: the plane is `H` rows of `W ≤ 13` values framed as `taps` reads it.
        unsafe { taps::<W>(sums, H, &weights) };
        let m = stage.multiplier[ch];
        let fast = stage.rounding == Rounding::Double && m.mantissa >= 0;
        if fast && (-31..=-2).contains(&m.shift) {
            let constants = [
                (m.mantissa as u32 * 2) as i32,
                -m.shift - 1,
                2 * zero_point + 1,
                stage.clamp[0] as i32,
                stage.clamp[1] as i32,
            ];
            // SAFETY: the `H · W` sums are at the plane's start; the outputs of channel `ch`
            // are `OUT` bytes apart in `y`, from `ch` on.
            unsafe { finish::<OUT>(sums, H * W, &constants, out[ch..].as_mut_ptr()) };
        } else {
            for k in 0..H * W {
                // SAFETY: the `H · W` sums are at the plane's start.
                let acc = unsafe { sums.add(k).read() };
                out[k * OUT + ch] = stage.finish(ch, acc);
            }
        }
    }
}

/// The sum of every output of the plane (`rows` rows of `W`), stored at `i · W + j` from
/// `plane`: `weights` are the taps row by row, then the bias.
///
/// # Safety
/// `plane` must be a [`Plane`] of `rows` rows of `W ≤ 13` values.
#[inline(never)]
unsafe fn taps<const W: usize>(plane: *mut i32, rows: usize, weights: &[i32; 10]) {
    // SAFETY: reads the plane at the windows' offsets and writes the sums behind the windows;
    // the six words pushed are popped, `r6` and `r7` restored.
    unsafe {
        // r0: the window's corner, r1: the sum, r2 and r3: an input and a weight, r4 to r7:
        // the first four weights; on the stack the other five and the bias; r8: where the sum
        // goes, r9: the rows left, r10: the row's end.
        asm!(
            "push {{r6, r7}}",
            "mov r8, r0",
            "mov r9, r3",
            "adds r1, #16",
            "ldm r1!, {{r2, r3, r4, r5, r6, r7}}",
            "push {{r2, r3, r4, r5, r6, r7}}",
            "subs r1, #40",
            "ldm r1!, {{r4, r5, r6, r7}}",
            "2:",
            "movs r1, #{row}",
            "adds r1, r0",
            "mov r10, r1",
            "3:",
            "ldr r1, [sp, #20]",
            "ldr r2, [r0, #0]",
            "muls r2, r4",
            "adds r1, r2",
            "ldr r2, [r0, #4]",
            "muls r2, r5",
            "adds r1, r2",
            "ldr r2, [r0, #8]",
            "muls r2, r6",
            "adds r1, r2",
            "ldr r2, [r0, #{s0}]",
            "muls r2, r7",
            "adds r1, r2",
            "ldr r2, [r0, #{s1}]",
            "ldr r3, [sp, #0]",
            "muls r2, r3",
            "adds r1, r2",
            "ldr r2, [r0, #{s2}]",
            "ldr r3, [sp, #4]",
            "muls r2, r3",
            "adds r1, r2",
            "ldr r2, [r0, #{t0}]",
            "ldr r3, [sp, #8]",
            "muls r2, r3",
            "adds r1, r2",
            "ldr r2, [r0, #{t1}]",
            "ldr r3, [sp, #12]",
            "muls r2, r3",
            "adds r1, r2",
            "ldr r2, [r0, #{t2}]",
            "ldr r3, [sp, #16]",
            "muls r2, r3",
            "adds r1, r2",
            "mov r2, r8",
            "stm r2!, {{r1}}",
            "mov r8, r2",
            "adds r0, #4",
            "cmp r0, r10",
            "bne 3b",
            // Past the row's zero.
            "adds r0, #4",
            "mov r1, r9",
            "subs r1, #1",
            "mov r9, r1",
            "bne 2b",
            "add sp, #24",
            "pop {{r6, r7}}",
            inout("r0") plane => _,
            inout("r1") weights.as_ptr() => _,
            out("r2") _,
            inout("r3") rows => _,
            out("r4") _,
            out("r5") _,
            out("r8") _,
            out("r9") _,
            out("r10") _,
            row = const 4 * W,
            s0 = const 4 * (W + 1),
            s1 = const 4 * (W + 2),
            s2 = const 4 * (W + 3),
            t0 = const 8 * (W + 1),
            t1 = const 8 * (W + 1) + 4,
            t2 = const 8 * (W + 1) + 8,
        );
    }
}

/// `out[k · OUT]`, the output of `sums[k]` for `k < n`: `constants` are `2m`, `e − 1`, `2z + 1`
/// and the clamp of a channel whose multiplier has `m ≥ 0` and `e = −shift` in `[2, 31]`.
///
/// # Safety
/// `sums` must be readable for `n > 0` words, `out` writable at `OUT` bytes apart `n` times.
#[inline(never)]
unsafe fn finish<const OUT: usize>(sums: *const i32, n: usize, constants: &[i32; 5], out: *mut i8) {
    // SAFETY: as above; `r6`, `r7` restored.
    unsafe {
        // r0: the sums, r1: the outputs, r2 to r7: work; r8: 2m, r9: e − 1, r10: 2z + 1, r11
        // and r12: the clamp, lr: the sums' end.
        asm!(
            "push {{r6, r7}}",
            "mov lr, r3",
            "ldm r2!, {{r3, r4, r5, r6, r7}}",
            "mov r8, r3",
            "mov r9, r4",
            "mov r10, r5",
            "mov r11, r6",
            "mov r12, r7",
            "2:",
            "ldm r0!, {{r2}}",
            "mov r3, r8",
            "uxth r4, r3",
            "lsrs r3, r3, #16",
            "uxth r5, r2",
            "asrs r2, r2, #16",
            "mov r6, r5",
            "muls r6, r4",
            "muls r4, r2",
            "muls r5, r3",
            "muls r3, r2",
            "lsls r7, r4, #16",
            "asrs r4, r4, #16",
            "adds r6, r7",
            "adcs r3, r4",
            "lsls r7, r5, #16",
            "lsrs r5, r5, #16",
            "adds r6, r7",
            "adcs r3, r5",
            "lsrs r6, r6, #31",
            "adds r3, r6",
            "asrs r7, r3, #31",
            "adds r3, r7",
            "mov r2, r9",
            "asrs r3, r2",
            "add r3, r10",
            "asrs r3, r3, #1",
            "cmp r3, r11",
            "bge 3f",
            "mov r3, r11",
            "3:",
            "cmp r3, r12",
            "ble 4f",
            "mov r3, r12",
            "4:",
            "strb r3, [r1]",
            "adds r1, #{out}",
            "cmp r0, lr",
            "bne 2b",
            "pop {{r6, r7}}",
            inout("r0") sums => _,
            inout("r1") out => _,
            inout("r2") constants.as_ptr() => _,
            inout("r3") sums.add(n) => _,
            out("r4") _,
            out("r5") _,
            out("r8") _,
            out("r9") _,
            out("r10") _,
            out("r11") _,
            out("r12") _,
            out("lr") _,
            out = const OUT,
        );
    }
}
