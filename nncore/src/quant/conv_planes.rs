//! Depthwise 3×3 convolutions (stride 1, one zero on each side; a [`Conv2d`] of one channel a
//! group or TensorFlow Lite's [`DepthwiseConv2d`]) on the DSP extension of Arm microcontrollers,
//! one channel's plane at a time: the channel's inputs, offset into int16 in a plane framed by a
//! row of zeros above and below, then at each output position three `SMLAD`s (the taps of
//! columns `j − 1` and `j`, adjacent in the plane) and three multiply-adds (column `j + 1`), the
//! channel's weights and output stage held in registers. At the first and last columns the taps
//! that fall outside the input have weight 0 (they read the neighbouring row's end, or the
//! frame). The sums are the same as tap by tap (wrapping int32 addition).

use super::conv::{Conv2d, Window};
use super::depthwise::DepthwiseConv2d;
use super::fixed::Rounding;
use super::kernel::{DoubleStage, ShortStage};
use super::params::OutputStage;
use core::arch::asm;

/// A channel's `H × W` plane with a row of zeros above and below, and two more values at each
/// end for the taps left of the first column and right of the last.
#[repr(C)]
struct Plane<const H: usize, const W: usize> {
    lead: [i16; 2],
    top: [i16; W],
    rows: [[i16; W]; H],
    bottom: [i16; W],
    trail: [i16; 2],
}

/// `acc + lo(x) · lo(w) + hi(x) · hi(w)` on int16 halves, wrapping.
#[inline(always)]
fn smlad(x: u32, w: u32, acc: i32) -> i32 {
    let out: i32;
    // SAFETY: register arithmetic only.
    unsafe {
        asm!("smlad {o}, {x}, {w}, {a}", o = lateout(reg) out, x = in(reg) x, w = in(reg) w,
             a = in(reg) acc, options(pure, nomem, nostack));
    }
    out
}

/// Two int16 values as `SMLAD` reads them: `lo` in the low half.
#[inline(always)]
fn pack(lo: i8, hi: i8) -> u32 {
    (lo as i16 as u16 as u32) | ((hi as i16 as u16 as u32) << 16)
}

impl<const IN: usize, const OUT: usize, const KH: usize, const KW: usize> Conv2d<IN, OUT, KH, KW> {
    /// The depthwise 3×3 convolution of `x` into `y` channel by channel, if this layer is one
    /// (stride and dilation 1, one zero of padding on each side, `OUT = C`); false otherwise.
    pub(super) fn depthwise_planes<
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
        let tap = |ch: usize, kh: usize, kw: usize| self.weight[ch][kh][kw][0];
        fits && planes(x, window, tap, &self.bias, &self.stage, y)
    }
}

impl<const IN: usize, const OUT: usize, const KH: usize, const KW: usize>
    DepthwiseConv2d<IN, OUT, KH, KW>
{
    /// [`Conv2d::depthwise_planes`] for TensorFlow Lite's layout of the weights (one output
    /// channel an input channel).
    pub(super) fn planes<const H: usize, const W: usize, const HO: usize, const WO: usize>(
        &self,
        x: &[[[i8; IN]; W]; H],
        window: &Window,
        y: &mut [[[i8; OUT]; WO]; HO],
    ) -> bool {
        let fits = IN == OUT && KH == 3 && KW == 3;
        let tap = |ch: usize, kh: usize, kw: usize| self.weight[kh][kw][ch];
        fits && planes(x, window, tap, &self.bias, &self.stage, y)
    }
}

/// The depthwise 3×3 convolution of `x` into `y` channel by channel, `tap(channel, kh, kw)` its
/// weights, if the window has stride and dilation 1 and one zero of padding on each side, `OUT
/// = C`; false otherwise. Out of line: its registers are its own, whatever calls it.
#[inline(never)]
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
) -> bool {
    let fits = OUT == C && [HO, WO] == [H, W] && W >= 2;
    let unit = window.stride == [1, 1] && window.dilation == [1, 1];
    if !(fits && unit && window.before == [1, 1]) {
        return false;
    }
    let offset = stage.input_offset();
    let zero_point = stage.output.zero_point as i32;
    // The short stage where the activation's clamp is int8's range (its `SSAT`).
    let full = stage.clamp == [i8::MIN, i8::MAX];
    let mut plane = Plane {
        lead: [0; 2],
        top: [0; W],
        rows: [[0; W]; H],
        bottom: [0; W],
        trail: [0; 2],
    };
    for ch in 0..C {
        for (dst, src) in plane.rows.iter_mut().zip(x) {
            for (d, s) in dst.iter_mut().zip(src) {
                *d = (s[ch] as i32 + offset) as i16;
            }
        }
        let tap = |kh: usize, kw: usize| tap(ch, kh, kw);
        // Columns j − 1 and j as one pair, j + 1 alone; the first column without j − 1.
        let pairs: [u32; 3] = core::array::from_fn(|kh| pack(tap(kh, 0), tap(kh, 1)));
        let firsts: [u32; 3] = core::array::from_fn(|kh| pack(0, tap(kh, 1)));
        let lasts: [i32; 3] = core::array::from_fn(|kh| tap(kh, 2) as i32);
        let bias = bias[ch];
        let m = stage.multiplier[ch];
        let double = match stage.rounding {
            Rounding::Double => DoubleStage::new(m, zero_point, stage.clamp),
            _ => None,
        };
        let short = match stage.rounding {
            Rounding::Double if full => ShortStage::new(m, zero_point),
            _ => None,
        };
        // The frame's first value: row −1 starts `2` values in.
        let base = (&raw const plane).cast::<i16>();
        for (i, out_row) in y.iter_mut().enumerate() {
            for (j, out) in out_row.iter_mut().enumerate() {
                let pair = if j == 0 { &firsts } else { &pairs };
                let last = j + 1 < W;
                let mut acc = bias;
                for kh in 0..3 {
                    // SAFETY: `(i + kh) · W + j + 1` is in the frame (rows −1 to H), and
                    // the pair starts one before it (in `lead` at worst), the single one
                    // after it (in `trail` at worst).
                    let (p, s) = unsafe {
                        let at = base.add(2 + (i + kh) * W + j - 1);
                        (at.cast::<u32>().read_unaligned(), *at.add(2) as i32)
                    };
                    acc = smlad(p, pair[kh], acc);
                    if last {
                        acc = acc.wrapping_add(s * lasts[kh]);
                    }
                }
                out[ch] = match (&short, &double) {
                    (Some(short), _) => short.finish(acc) as i8,
                    (None, Some(stage)) => stage.finish(acc),
                    (None, None) => stage.finish(ch, acc),
                };
            }
        }
    }
    true
}
