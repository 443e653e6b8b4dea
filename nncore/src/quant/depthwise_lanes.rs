//! [`DepthwiseConv2d`] with one output a channel on AVX-512 VNNI: four taps of each channel in
//! a lane (`kernel/taps.rs`), the weights packed once per call. Bit for bit the other paths:
//! `Σ_t w_t · (x_t − zx) = Σ_t w_t · (x_t + 128) − (128 + zx) · Σ_t w_t`, the second term taken
//! off the bias once per call, and a tap in the padding reads the zero point (adding `w · 0`).

use core::mem::MaybeUninit;

use super::conv::Window;
use super::depthwise::DepthwiseConv2d;
use super::kernel::{Kernel, PackedTaps, packed_taps_len, tap_dots, tap_dots_finished};

/// The bytes of the room for small layers' packed weights.
const SMALL: usize = 4096;

/// Channels at least.
const MIN_CHANNELS: usize = 32;

impl<const IN: usize, const OUT: usize, const KH: usize, const KW: usize>
    DepthwiseConv2d<IN, OUT, KH, KW>
{
    /// The output with the taps in lanes, if `kernel` runs them for this layer (AVX-512 VNNI,
    /// one output a channel, at least 32 channels, and the packed weights fit the room: at most 4 KiB, or as much as
    /// the weights take four times over); else `false`, `y` untouched. Not inlined: the packed
    /// weights' room is on its own frame.
    #[inline(never)]
    pub(super) fn taps_in_lanes<
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
        // Fewer channels fill too few of the 64 lanes of bytes to gain on the taps' own loop.
        if IN != OUT || OUT < MIN_CHANNELS {
            return false;
        }
        let weight = self.weight.as_flattened().as_flattened();
        let mut room = [[[[0i8; 4]; OUT]; KW]; KH];
        let mut small = [0i8; SMALL];
        let room = match packed_taps_len(KH * KW, OUT) <= SMALL {
            true => &mut small[..],
            false => room
                .as_flattened_mut()
                .as_flattened_mut()
                .as_flattened_mut(),
        };
        let Some(packed) = kernel.pack_taps(weight, KH * KW, OUT, room) else {
            return false;
        };
        // SAFETY: `packed` exists only where the CPU runs AVX-512 VNNI (with F and BW).
        unsafe { self.run_taps(x, window, kernel, &packed, y) };
        true
    }

    /// [`DepthwiseConv2d::taps_in_lanes`] once the weights are packed, compiled for AVX-512 so
    /// that the dot products and the output stage inline into the loop over positions.
    ///
    /// # Safety
    /// The CPU must run AVX-512F, AVX-512BW and AVX-512 VNNI.
    #[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
    unsafe fn run_taps<const H: usize, const W: usize, const HO: usize, const WO: usize>(
        &self,
        x: &[[[i8; IN]; W]; H],
        window: &Window,
        kernel: Kernel,
        packed: &PackedTaps<'_>,
        y: &mut [[[i8; OUT]; WO]; HO],
    ) {
        let offset = self.stage.input_offset();
        let base = self.unsigned_base();
        // The zero point, which a tap in the padding reads: `offset` is within [-127, 128].
        let pad = [(-offset) as i8; IN];
        let vector = self.stage.vector(kernel);
        let mut room = MaybeUninit::uninit();
        let lanes = kernel.stage_lanes(
            &self.stage.multiplier,
            self.stage.rounding,
            self.stage.output.zero_point as i32,
            self.stage.clamp,
            &mut room,
        );
        // Each output column's input columns, found once for all rows.
        let columns: [[Option<usize>; KW]; WO] =
            core::array::from_fn(|j| core::array::from_fn(|kw| window.tap(1, j, kw, W)));
        let mut inputs: [[&[i8]; KW]; KH] = [[&pad[..]; KW]; KH];
        for (i, row) in y.iter_mut().enumerate() {
            let rows: [Option<&[[i8; IN]; W]>; KH] =
                core::array::from_fn(|kh| window.tap(0, i, kh, H).map(|r| &x[r]));
            for (pixel, columns) in row.iter_mut().zip(&columns) {
                for (taps, r) in inputs.iter_mut().zip(rows) {
                    for (tap, c) in taps.iter_mut().zip(columns) {
                        *tap = match (r, c) {
                            (Some(r), &Some(c)) => &r[c][..],
                            _ => &pad[..],
                        };
                    }
                }
                if let Some(lanes) = &lanes {
                    tap_dots_finished(packed, inputs.as_flattened(), &base, lanes, pixel);
                    continue;
                }
                let mut acc = base;
                tap_dots(packed, inputs.as_flattened(), &mut acc);
                *pixel = self.stage.finish_all(&acc, vector);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    extern crate std;

    use super::*;
    use crate::quant::{Activation, OutputStage, Padding, QuantParams, Rounding};

    /// Deterministic int8 values (a linear congruential generator).
    fn values(seed: u32) -> impl FnMut() -> i8 {
        let mut s = seed;
        move || {
            s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (s >> 24) as u8 as i8
        }
    }

    /// The lanes against each output computed one product at a time in `i64` and finished by
    /// the scalar stage: `C` channels (below, at and past blocks of 16 and 64), `K × K` taps
    /// (groups of four whole or not), strides 1 and 2, padding, zero points at both ends of int8
    /// and a random one.
    fn check<const C: usize, const K: usize, const HO: usize, const WO: usize>(
        seed: u32,
        stride: usize,
        padding: Padding,
    ) {
        const H: usize = 7;
        const W: usize = 6;
        let mut v = values(seed);
        let x: [[[i8; C]; W]; H] =
            core::array::from_fn(|_| core::array::from_fn(|_| core::array::from_fn(|_| v())));
        let weight: [[[i8; C]; K]; K] =
            core::array::from_fn(|_| core::array::from_fn(|_| core::array::from_fn(|_| v())));
        let bias: [i32; C] = core::array::from_fn(|c| (c as i32 - 9) * 2027);
        let scales: [f32; C] = core::array::from_fn(|c| 0.0007 + 0.0003 * c as f32);
        // The double rounding's stage in lanes, and the single rounding's after the sums.
        let cases = [-128, 127, v()].map(|z| [(z, Rounding::Double), (z, Rounding::Single)]);
        for (zero_point, rounding) in cases.into_iter().flatten() {
            let input = QuantParams::new(0.05, zero_point);
            let output = QuantParams::new(0.2, 5);
            let stage = OutputStage::per_channel(input, scales, output, Activation::None, rounding);
            let steps = ([stride, stride], [1, 1]);
            let dw =
                DepthwiseConv2d::<C, C, K, K>::new(weight, bias, steps.0, steps.1, padding, stage);
            assert_eq!(dw.output_size([H, W]), [HO, WO]);
            let window = Window::new(padding, [H, W], [K, K], steps.0, steps.1, [HO, WO]);
            let mut y = [[[0i8; C]; WO]; HO];
            let ran = dw.taps_in_lanes(&x, &window, Kernel::Avx512Vnni, &mut y);
            // A CPU without AVX-512 VNNI: nothing to check.
            assert_eq!(
                ran,
                Kernel::detect() == Kernel::Avx512Vnni,
                "the taps ran in lanes"
            );
            if !ran {
                return;
            }
            super::super::depthwise_reference::assert_reference(
                &y,
                &x,
                &weight,
                &bias,
                &window,
                zero_point,
                &stage,
                format_args!(
                    "{C} channels {K}×{K} stride {stride} {padding:?} zp {zero_point} {rounding:?}"
                ),
            );
        }
    }

    #[test]
    fn the_taps_in_lanes_are_the_scalar_sums() {
        check::<32, 3, 7, 6>(1, 1, Padding::Same);
        check::<48, 3, 4, 3>(2, 2, Padding::Same);
        check::<40, 2, 6, 5>(3, 1, Padding::Valid);
        check::<64, 3, 7, 6>(4, 1, Padding::Same);
        check::<80, 5, 4, 3>(5, 2, Padding::Same);
        check::<130, 1, 7, 6>(6, 1, Padding::Same);
    }
}
