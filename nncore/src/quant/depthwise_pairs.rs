//! [`DepthwiseConv2d`] with one output a channel on AVX2: the taps one at a time in int32 lanes
//! (the portable loop, compiled for AVX2), the double rounding's output stage eight channels at
//! a time (`kernel/stage_avx2.rs`) where the layer's stage was one channel at a time.

use core::mem::MaybeUninit;

use super::conv::Window;
use super::depthwise::DepthwiseConv2d;
use super::kernel::{Kernel, Lanes8};

impl<const IN: usize, const OUT: usize, const KH: usize, const KW: usize>
    DepthwiseConv2d<IN, OUT, KH, KW>
{
    /// The output with the stage in AVX2 lanes, if `kernel` runs it for this layer (AVX2 or
    /// AVX-VNNI on a CPU with AVX2, one output a channel, the double rounding with the usual
    /// multipliers); else `false`, `y` untouched.
    pub(super) fn taps_in_pairs<
        const H: usize,
        const W: usize,
        const HO: usize,
        const WO: usize,
    >(
        &self,
        x: &[[[i8; IN]; W]; H],
        window: &Window,
        kernel: Kernel,
        y: &mut [[[i8; OUT]; WO]; HO],
    ) -> bool {
        if IN != OUT {
            return false;
        }
        let mut room = MaybeUninit::uninit();
        let Some(lanes) = kernel.stage_lanes8(
            &self.stage.multiplier,
            self.stage.rounding,
            self.stage.output.zero_point as i32,
            self.stage.clamp,
            &mut room,
        ) else {
            return false;
        };
        // SAFETY: `lanes` exists only where the CPU runs AVX2.
        unsafe { self.run_pairs(x, window, lanes, y) };
        true
    }

    /// [`DepthwiseConv2d::taps_in_pairs`] with its stage, compiled for AVX2.
    ///
    /// # Safety
    /// The CPU must run AVX2; `IN == OUT`.
    #[target_feature(enable = "avx2")]
    unsafe fn run_pairs<const H: usize, const W: usize, const HO: usize, const WO: usize>(
        &self,
        x: &[[[i8; IN]; W]; H],
        window: &Window,
        lanes: &Lanes8,
        y: &mut [[[i8; OUT]; WO]; HO],
    ) {
        let offset = self.stage.input_offset();
        for (i, row) in y.iter_mut().enumerate() {
            for (j, pixel) in row.iter_mut().enumerate() {
                let mut acc = self.bias;
                for (kh, taps) in self.weight.iter().enumerate() {
                    let Some(r) = window.tap(0, i, kh, H) else {
                        continue;
                    };
                    for (kw, w) in taps.iter().enumerate() {
                        if let Some(c) = window.tap(1, j, kw, W) {
                            Kernel::Portable.tap(&mut acc, w, &x[r][c], offset);
                        }
                    }
                }
                lanes.finish(&acc, pixel);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use crate::quant::tests::Values;
    use crate::quant::{Activation, OutputStage, Padding, QuantParams, Rounding};

    /// The stage in AVX2 lanes against each output computed one product at a time in `i64` and
    /// finished by the scalar stage: `C` channels (whole and partial blocks of eight), strides 1
    /// and 2, padding, zero points at both ends of int8 and between; the single rounding left
    /// to the other paths.
    fn check<const C: usize, const HO: usize, const WO: usize>(
        seed: u32,
        stride: usize,
        padding: Padding,
    ) {
        const H: usize = 7;
        const W: usize = 6;
        let mut v = Values(seed);
        let x: [[[i8; C]; W]; H] = core::array::from_fn(|_| core::array::from_fn(|_| v.array()));
        let weight: [[[i8; C]; 3]; 3] =
            core::array::from_fn(|_| core::array::from_fn(|_| v.array()));
        let bias: [i32; C] = core::array::from_fn(|c| (c as i32 - 5) * 2027);
        let scales: [f32; C] = core::array::from_fn(|c| 0.0007 + 0.0003 * c as f32);
        let z = v.next();
        for (zero_point, rounding) in [
            (-128, Rounding::Double),
            (127, Rounding::Double),
            (z, Rounding::Double),
            (z, Rounding::Single),
        ] {
            let input = QuantParams::new(0.05, zero_point);
            let output = QuantParams::new(0.2, -2);
            let stage = OutputStage::per_channel(input, scales, output, Activation::None, rounding);
            let steps = ([stride, stride], [1, 1]);
            let dw =
                DepthwiseConv2d::<C, C, 3, 3>::new(weight, bias, steps.0, steps.1, padding, stage);
            assert_eq!(dw.output_size([H, W]), [HO, WO]);
            let window = Window::new(padding, [H, W], [3, 3], steps.0, steps.1, [HO, WO]);
            let mut y = [[[0x55i8; C]; WO]; HO];
            let ran = dw.taps_in_pairs(&x, &window, Kernel::Avx2, &mut y);
            let here = crate::quant::kernel::avx2_available() && rounding == Rounding::Double;
            assert_eq!(ran, here, "the stage ran in AVX2 lanes");
            if !ran {
                assert_eq!(y, [[[0x55; C]; WO]; HO], "untouched");
                continue;
            }
            for (i, row) in y.iter().enumerate() {
                for (j, pixel) in row.iter().enumerate() {
                    for (c, &got) in pixel.iter().enumerate() {
                        let mut acc = bias[c] as i64;
                        for (kh, taps) in weight.iter().enumerate() {
                            for (kw, w) in taps.iter().enumerate() {
                                let (Some(r), Some(col)) =
                                    (window.tap(0, i, kh, H), window.tap(1, j, kw, W))
                                else {
                                    continue;
                                };
                                acc += w[c] as i64 * (x[r][col][c] as i64 - zero_point as i64);
                            }
                        }
                        assert_eq!(
                            got,
                            stage.finish(c, acc as i32),
                            "{C} channels stride {stride} {padding:?} zp {zero_point} at {i},{j},{c}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn the_stage_in_avx2_lanes_finishes_the_taps_as_the_scalar_one() {
        check::<8, 7, 6>(1, 1, Padding::Same);
        check::<20, 4, 3>(2, 2, Padding::Same);
        check::<64, 5, 4>(3, 1, Padding::Valid);
    }
}
