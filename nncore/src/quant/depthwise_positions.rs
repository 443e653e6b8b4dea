//! [`DepthwiseConv2d`] of few channels (one output a channel, `C` dividing 64 and at most 32:
//! MobileNet's first layers of 8, 16 and 32) on AVX-512 VNNI, with several output positions in
//! the lanes: `64 / C` neighbouring positions of an output row side by side, their channels in
//! the 64 bytes of a vector, so that the taps in lanes (`kernel/taps.rs`: four taps of each
//! channel a lane) fill every lane. The weights of each tap are repeated for the positions and
//! packed once per call. At a stride of one the positions' inputs at a tap are neighbouring
//! pixels, read in place; elsewhere (another stride, or a tap in the padding) they are gathered
//! into a vector of their own. Bit for bit the other paths, as the taps in lanes are. Rows of
//! up to four taps go to the strips first (`depthwise_strips.rs`), which gather and interleave
//! each input row's inputs once; this path takes the layers they leave.

use core::mem::MaybeUninit;

use super::conv::Window;
use super::depthwise::DepthwiseConv2d;
use super::fixed::Multiplier;
use super::kernel::{Kernel, PackedTaps, packed_taps_len, tap_dots, tap_dots_finished};

/// Bytes of the positions' channels: a vector.
const LANES: usize = 64;

/// The bytes of the room for the packed weights (`KH · KW` up to 64 taps).
const ROOM: usize = 4096;

impl<const IN: usize, const OUT: usize, const KH: usize, const KW: usize>
    DepthwiseConv2d<IN, OUT, KH, KW>
{
    /// The output with `64 / C` positions in the lanes, if `kernel` runs them for this layer
    /// (AVX-512 VNNI, one output a channel, `C` dividing 64 and at most 32, at most 64 taps);
    /// else `false`, `y` untouched. Not inlined: the packed weights' room is on its own frame.
    #[inline(never)]
    pub(super) fn positions_in_lanes<
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
        let taps = KH * KW;
        if IN != OUT || IN > 32 || LANES % IN != 0 || packed_taps_len(taps, LANES) > ROOM {
            return false;
        }
        // Tap `t` of lane `q` is tap `t` of channel `q mod C`.
        let mut repeated = [[[0i8; LANES]; KW]; KH];
        for (wide, w) in repeated
            .iter_mut()
            .flatten()
            .zip(self.weight.iter().flatten())
        {
            for (lane, &w) in wide.chunks_exact_mut(IN).flatten().zip(w.iter().cycle()) {
                *lane = w;
            }
        }
        let mut room = [0i8; ROOM];
        let weight = repeated.as_flattened().as_flattened();
        let Some(packed) = kernel.pack_taps(weight, taps, LANES, &mut room) else {
            return false;
        };
        // SAFETY: `packed` exists only where the CPU runs AVX-512 VNNI (with F and BW).
        unsafe { self.run_positions(x, window, kernel, &packed, y) };
        true
    }

    /// [`DepthwiseConv2d::positions_in_lanes`] once the weights are packed, compiled for
    /// AVX-512 so that the dot products and the output stage inline into the loop.
    ///
    /// # Safety
    /// The CPU must run AVX-512F, AVX-512BW and AVX-512 VNNI; `IN == OUT` divides 64.
    #[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
    unsafe fn run_positions<const H: usize, const W: usize, const HO: usize, const WO: usize>(
        &self,
        x: &[[[i8; IN]; W]; H],
        window: &Window,
        kernel: Kernel,
        packed: &PackedTaps<'_>,
        y: &mut [[[i8; OUT]; WO]; HO],
    ) {
        let per = LANES / IN;
        let offset = self.stage.input_offset();
        let unsigned = self.unsigned_base();
        let base: [i32; LANES] = core::array::from_fn(|q| unsigned[q % IN]);
        let multiplier: [Multiplier; LANES] =
            core::array::from_fn(|q| self.stage.multiplier[q % IN]);
        let vector = self.stage.vector(kernel);
        let mut room = MaybeUninit::uninit();
        let lanes = kernel.stage_lanes(
            &multiplier,
            self.stage.rounding,
            self.stage.output.zero_point as i32,
            self.stage.clamp,
            &mut room,
        );
        // The zero point, which a tap in the padding reads: `offset` is within [-127, 128].
        let zero = (-offset) as i8;
        let pad = [zero; LANES];
        // Each tap's inputs where they are not neighbouring pixels of the input.
        let mut gathered = [[[zero; LANES]; KW]; KH];
        let mut spare = [0i8; LANES];
        for (i, row) in y.iter_mut().enumerate() {
            let rows: [Option<&[[i8; IN]; W]>; KH] =
                core::array::from_fn(|kh| window.tap(0, i, kh, H).map(|r| &x[r]));
            for first in (0..WO).step_by(per) {
                let n = (WO - first).min(per);
                let mut inputs: [[&[i8]; KW]; KH] = [[&pad[..]; KW]; KH];
                for ((taps, gathered), r) in inputs.iter_mut().zip(&mut gathered).zip(rows) {
                    let Some(r) = r else { continue };
                    for (kw, (tap, gathered)) in taps.iter_mut().zip(gathered).enumerate() {
                        *tap = inputs_at(r, window, [first, n, kw], zero, gathered);
                    }
                }
                let inputs = inputs.as_flattened();
                // A partial block's outputs go to `spare`, the first `n` positions' kept.
                let out = match n == per {
                    true => row[first..first + per].as_flattened_mut(),
                    false => &mut spare[..],
                };
                match &lanes {
                    Some(lanes) => tap_dots_finished(packed, inputs, &base, lanes, out),
                    None => {
                        let mut acc = base;
                        tap_dots(packed, inputs, &mut acc);
                        for (acc, out) in acc.chunks_exact(OUT).zip(out.chunks_exact_mut(OUT)) {
                            let acc: &[i32; OUT] = acc.try_into().expect("OUT sums");
                            out.copy_from_slice(&self.stage.finish_all(acc, vector));
                        }
                    }
                }
                if n < per {
                    row[first..first + n]
                        .as_flattened_mut()
                        .copy_from_slice(&spare[..n * OUT]);
                }
            }
        }
    }
}

/// The inputs of column tap `kw` of the `n` positions from output column `first` in input row
/// `r`, `64 / C` pixels end to end: the input itself where they are neighbouring pixels inside
/// it, else gathered into `gathered` (`zero`, the zero point, in the padding; positions past `n`
/// keep what `gathered` held).
#[inline]
pub(super) fn inputs_at<'a, const C: usize, const W: usize>(
    r: &'a [[i8; C]; W],
    window: &Window,
    [first, n, kw]: [usize; 3],
    zero: i8,
    gathered: &'a mut [i8; LANES],
) -> &'a [i8] {
    let per = LANES / C;
    if n == per && window.stride[1] == 1 {
        let start = window.tap(1, first, kw, W);
        if let (Some(start), Some(_)) = (start, window.tap(1, first + per - 1, kw, W)) {
            return r[start..start + per].as_flattened();
        }
    }
    let zero = [zero; C];
    for (p, lane) in gathered.chunks_exact_mut(C).take(n).enumerate() {
        match window.tap(1, first + p, kw, W) {
            Some(c) => lane.copy_from_slice(&r[c]),
            None => lane.copy_from_slice(&zero),
        }
    }
    gathered
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quant::depthwise_reference::check_in_lanes;
    use crate::quant::{Activation, OutputStage, Padding, QuantParams, Rounding};

    /// The positions in lanes against the reference: `C` channels (4 to 32), `K × K` taps
    /// (groups of four whole or not), rows of output positions a multiple of the block and not,
    /// strides 1 and 2, a dilation, padding.
    fn check<const C: usize, const K: usize, const W: usize, const HO: usize, const WO: usize>(
        seed: u32,
        stride: [usize; 2],
        dilation: [usize; 2],
        padding: Padding,
    ) {
        let run = |dw: &DepthwiseConv2d<C, C, K, K>, x: &_, window: &_, y: &mut _| {
            dw.positions_in_lanes(x, window, Kernel::Avx512Vnni, y)
        };
        let shape = [5.0, 0.0003];
        check_in_lanes::<C, K, K, W, HO, WO>(
            seed,
            stride,
            dilation,
            padding,
            shape,
            "positions",
            run,
        );
    }

    #[test]
    fn the_positions_in_lanes_are_the_scalar_sums() {
        let one = [1, 1];
        // Eight positions a block: rows of 13 (one whole block, then five), and of 16.
        check::<8, 3, 13, 7, 13>(1, one, one, Padding::Same);
        check::<8, 3, 18, 5, 16>(2, one, one, Padding::Valid);
        // Four positions a block, strided (gathered): rows of 7; and of 13 at a stride of one.
        check::<16, 3, 13, 4, 7>(3, [2, 2], one, Padding::Same);
        check::<16, 3, 13, 7, 13>(4, one, one, Padding::Same);
        // Two positions a block; sixteen, 5 × 5 taps dilated (padding on both sides).
        check::<32, 2, 13, 6, 12>(5, one, one, Padding::Valid);
        check::<4, 5, 13, 7, 13>(6, one, [1, 2], Padding::Explicit([2, 4]));
    }

    #[test]
    fn other_layers_are_left_to_the_other_paths() {
        let stage = OutputStage::per_channel(
            QuantParams::new(0.05, 3),
            [0.001; 48],
            QuantParams::new(0.2, 5),
            Activation::None,
            Rounding::Double,
        );
        let dw = DepthwiseConv2d::<48, 48, 3, 3>::new(
            [[[1; 48]; 3]; 3],
            [0; 48],
            [1, 1],
            [1, 1],
            Padding::Same,
            stage,
        );
        let window = Window::new(Padding::Same, [4, 4], [3, 3], [1, 1], [1, 1], [4, 4]);
        let mut y = [[[0x55i8; 48]; 4]; 4];
        assert!(!dw.positions_in_lanes(&[[[0; 48]; 4]; 4], &window, Kernel::Avx512Vnni, &mut y));
        assert_eq!(y, [[[0x55; 48]; 4]; 4], "untouched");
    }
}
