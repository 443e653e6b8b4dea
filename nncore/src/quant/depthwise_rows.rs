//! [`DepthwiseConv2d`] with one output a channel, channels in whole blocks of 64 and rows of
//! three or four taps, on AVX-512 VNNI: each row of taps is a group of four (the fourth's
//! weight zero for three), whose inputs for an input row and output column (the window's
//! columns of that row, the zero point in the padding) are interleaved once per call
//! (`kernel/taps.rs`), into a ring of the window's span of rows, for all the output rows that
//! read them, where the taps in lanes (`depthwise_lanes.rs`) interleave them again at every
//! position. Bit for bit the other paths: the same sums of `w · (x + 128)` from the same base
//! (`bias − (128 + zx) · Σ w`).

use core::mem::MaybeUninit;

use super::conv::Window;
use super::depthwise::DepthwiseConv2d;
use super::fixed::Multiplier;
use super::kernel::{
    Kernel, PackedTaps, group_dots, group_dots_finished, interleave_taps, interleaved_len,
    lane_channel, packed_taps_len,
};

/// The bytes of the packed weights' room.
const WEIGHTS: usize = 4096;

/// The bytes of the interleaved inputs at most: the room is on the stack.
const ROOM: usize = 64 * 1024;

impl<const IN: usize, const OUT: usize, const KH: usize, const KW: usize>
    DepthwiseConv2d<IN, OUT, KH, KW>
{
    /// The output with each row of taps interleaved once per input row and output column, if
    /// `kernel` runs it for this layer (AVX-512 VNNI, one output a channel, 64 to 256 channels
    /// in whole blocks of 64, three or four taps a row, at most 8 rows, the interleaved inputs
    /// at most 64 KiB); else `false`, `y` untouched.
    pub(super) fn rows_in_lanes<
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
        let fits = IN == OUT
            && OUT % 64 == 0
            && OUT <= 256
            && (3..=4).contains(&KW)
            && (1..=8).contains(&KH)
            && packed_taps_len(4 * KH, OUT) <= WEIGHTS
            && H * WO * interleaved_len(OUT) <= ROOM;
        if !fits || kernel != Kernel::Avx512Vnni {
            return false;
        }
        self.rows(x, window, kernel, y)
    }

    /// [`DepthwiseConv2d::rows_in_lanes`] once it fits: out of line, so that the interleaved
    /// inputs' room is on a frame of its own, entered only where it is small.
    #[inline(never)]
    fn rows<const H: usize, const W: usize, const HO: usize, const WO: usize>(
        &self,
        x: &[[[i8; IN]; W]; H],
        window: &Window,
        kernel: Kernel,
        y: &mut [[[i8; OUT]; WO]; HO],
    ) -> bool {
        // Tap `4 · kh + kw` is `weight[kh][kw]`, zero past `KW`.
        let mut rows = [[[0i8; OUT]; 4]; KH];
        for (row, w) in rows.iter_mut().zip(&self.weight) {
            row[..KW].copy_from_slice(w);
        }
        // The packed weights' bytes, zeroed (of the room's `WEIGHTS`, which the layer's fit checked).
        let mut room = MaybeUninit::<[i8; WEIGHTS]>::uninit();
        let len = packed_taps_len(4 * KH, OUT).min(WEIGHTS);
        // SAFETY: the first `len` bytes of `room`, zeroed here.
        let room = unsafe {
            let first = room.as_mut_ptr().cast::<i8>();
            first.write_bytes(0, len);
            core::slice::from_raw_parts_mut(first, len)
        };
        let weight = rows.as_flattened().as_flattened();
        let Some(packed) = kernel.pack_taps(weight, 4 * KH, OUT, room) else {
            return false;
        };
        // The zero point, which a tap in the padding reads: `offset` is within [-127, 128].
        let pad = [(-self.stage.input_offset()) as i8; OUT];
        // A row of taps wholly in the padding.
        let mut padded = MaybeUninit::<[[i8; 4]; OUT]>::uninit();
        // SAFETY: `padded` is `interleaved_len(OUT)` bytes, written whole by `interleave_taps`
        // before it is read; `packed` exists only where the CPU runs AVX-512 VNNI (with F and
        // BW).
        let padded = unsafe {
            let one =
                core::slice::from_raw_parts_mut(padded.as_mut_ptr().cast(), interleaved_len(OUT));
            interleave_taps(&packed, &[&pad[..]], one);
            padded.assume_init_ref()
        };
        // `ring[r % ring_rows]`: the taps of input row `r` under each output column,
        // interleaved, for the window's span of rows: a few rows of room stay in the L1 cache
        // where all `H` would not.
        let mut ring = [const { MaybeUninit::<[[[i8; 4]; OUT]; WO]>::uninit() }; H];
        let ring_rows = ((KH - 1) * window.dilation[0] + 1).min(H);
        // SAFETY: `packed` exists only where the CPU runs AVX-512 VNNI (with F and BW).
        unsafe {
            self.run_rows(
                x,
                window,
                kernel,
                &packed,
                &pad,
                &mut ring[..ring_rows],
                padded,
                y,
            )
        };
        true
    }

    /// Writes `out`: the taps of input row `row` under each output column interleaved (`pad`,
    /// the zero point, in the padding).
    ///
    /// # Safety
    /// The CPU must run AVX-512F and AVX-512BW.
    #[inline]
    #[target_feature(enable = "avx512f,avx512bw")]
    unsafe fn fill<const W: usize, const WO: usize>(
        row: &[[i8; IN]; W],
        window: &Window,
        packed: &PackedTaps<'_>,
        pad: &[i8; OUT],
        out: &mut MaybeUninit<[[[i8; 4]; OUT]; WO]>,
    ) {
        let len = interleaved_len(OUT);
        // SAFETY: `MaybeUninit<[[[i8; 4]; OUT]; WO]>` is `WO` runs of `len = 4 · OUT` bytes.
        let all = unsafe {
            core::slice::from_raw_parts_mut(out.as_mut_ptr().cast::<MaybeUninit<i8>>(), WO * len)
        };
        let mut taps: [&[i8]; KW] = [&pad[..]; KW];
        for (j, out) in all.chunks_exact_mut(len).enumerate() {
            for (kw, tap) in taps.iter_mut().enumerate() {
                *tap = match window.tap(1, j, kw, W) {
                    Some(c) => &row[c][..],
                    None => &pad[..],
                };
            }
            interleave_taps(packed, &taps, out);
        }
    }

    /// The positions' sums from the interleaved rows of taps, compiled for AVX-512 so that the
    /// dot products and the output stage inline into the loop.
    ///
    /// # Safety
    /// The CPU must run AVX-512F, AVX-512BW and AVX-512 VNNI.
    #[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
    #[allow(clippy::too_many_arguments)]
    unsafe fn run_rows<const H: usize, const W: usize, const HO: usize, const WO: usize>(
        &self,
        x: &[[[i8; IN]; W]; H],
        window: &Window,
        kernel: Kernel,
        packed: &PackedTaps<'_>,
        pad: &[i8; OUT],
        ring: &mut [MaybeUninit<[[[i8; 4]; OUT]; WO]>],
        padded: &[[i8; 4]; OUT],
        y: &mut [[[i8; OUT]; WO]; HO],
    ) {
        let base = self.unsigned_base();
        let vector = self.stage.vector(kernel);
        // The stage in lanes, and its base, in the order the sums come out of the lanes.
        let multiplier: [Multiplier; OUT] =
            core::array::from_fn(|c| self.stage.multiplier[lane_channel(c)]);
        let in_lanes: [i32; OUT] = core::array::from_fn(|c| base[lane_channel(c)]);
        let mut room = MaybeUninit::uninit();
        let lanes = kernel.stage_lanes(
            &multiplier,
            self.stage.rounding,
            self.stage.output.zero_point as i32,
            self.stage.clamp,
            &mut room,
        );
        let n = ring.len();
        // The next input row to interleave: rows before it are in the ring or no longer read.
        let mut next = 0;
        for (i, row) in y.iter_mut().enumerate() {
            // The window's rows inside the input, `first ..= last`, span at most `n`: each
            // row interleaved here takes the place of one `n` before it, above `first`. (Plain
            // loops: closures here were not inlined into this AVX-512 function.)
            let mut inside = [None; KH];
            let (mut first, mut last) = (usize::MAX, 0);
            for (kh, at) in inside.iter_mut().enumerate() {
                *at = window.tap(0, i, kh, H);
                if let Some(r) = *at {
                    first = first.min(r);
                    last = r;
                }
            }
            if first <= last {
                for r in next.max(first)..=last {
                    // SAFETY: as this function's.
                    unsafe { Self::fill(&x[r], window, packed, pad, &mut ring[r % n]) };
                }
                next = next.max(last + 1);
            }
            let mut rows: [Option<&[[[i8; 4]; OUT]; WO]>; KH] = [None; KH];
            for (row, at) in rows.iter_mut().zip(inside) {
                if let Some(r) = at {
                    // SAFETY: the rows inside the window, `first ..= last`, were all
                    // interleaved, here or for an earlier output row, and none of them since
                    // overwritten.
                    *row = Some(unsafe { ring[r % n].assume_init_ref() });
                }
            }
            let mut taps: [&[i8]; KH] = [padded.as_flattened(); KH];
            for (j, pixel) in row.iter_mut().enumerate() {
                for (tap, r) in taps.iter_mut().zip(&rows) {
                    *tap = match r {
                        Some(r) => r[j].as_flattened(),
                        None => padded.as_flattened(),
                    };
                }
                if let Some(lanes) = &lanes {
                    group_dots_finished(packed, &taps, &in_lanes, lanes, pixel);
                    continue;
                }
                let mut acc = base;
                group_dots(packed, &taps, &mut acc);
                *pixel = self.stage.finish_all(&acc, vector);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quant::depthwise_reference::check_in_lanes;
    use crate::quant::{Activation, OutputStage, Padding, QuantParams, Rounding};

    /// The interleaved rows against the reference: 64 to 256 channels, rows of three and four
    /// taps, one to three rows, strides 1 to 3, dilations, padding on every side.
    fn check<
        const C: usize,
        const KH: usize,
        const KW: usize,
        const W: usize,
        const HO: usize,
        const WO: usize,
    >(
        seed: u32,
        stride: [usize; 2],
        dilation: [usize; 2],
        padding: Padding,
    ) {
        let run = |dw: &DepthwiseConv2d<C, C, KH, KW>, x: &_, window: &_, y: &mut _| {
            dw.rows_in_lanes(x, window, Kernel::Avx512Vnni, y)
        };
        let shape = [50.0, 0.00003];
        check_in_lanes::<C, KH, KW, W, HO, WO>(seed, stride, dilation, padding, shape, "rows", run);
    }

    #[test]
    fn the_interleaved_rows_are_the_scalar_sums() {
        let one = [1, 1];
        check::<64, 3, 3, 5, 7, 5>(1, one, one, Padding::Same);
        check::<64, 3, 3, 6, 4, 3>(2, [2, 2], one, Padding::Same);
        check::<128, 3, 3, 6, 3, 2>(3, [2, 2], one, Padding::Valid);
        check::<192, 2, 4, 6, 6, 3>(4, one, one, Padding::Valid);
        check::<256, 1, 3, 9, 7, 9>(5, one, [1, 2], Padding::Explicit([0, 2]));
        check::<64, 3, 4, 9, 9, 8>(6, one, one, Padding::Explicit([2, 1]));
        // Rings shorter than the input: rows a dilation apart, rows skipped by the stride.
        check::<64, 3, 3, 5, 7, 5>(7, one, [2, 1], Padding::Same);
        check::<64, 2, 3, 5, 2, 3>(8, [3, 1], one, Padding::Valid);
        check::<128, 3, 3, 6, 4, 6>(9, [2, 1], [2, 1], Padding::Same);
    }

    #[test]
    fn other_layers_are_left_to_the_other_paths() {
        // 96 channels: not whole blocks of 64.
        let stage = OutputStage::per_channel(
            QuantParams::new(0.05, 3),
            [0.001; 96],
            QuantParams::new(0.2, 5),
            Activation::None,
            Rounding::Double,
        );
        let dw = DepthwiseConv2d::<96, 96, 3, 3>::new(
            [[[1; 96]; 3]; 3],
            [0; 96],
            [1, 1],
            [1, 1],
            Padding::Same,
            stage,
        );
        let window = Window::new(Padding::Same, [4, 4], [3, 3], [1, 1], [1, 1], [4, 4]);
        let mut y = [[[0x55i8; 96]; 4]; 4];
        let x = [[[0; 96]; 4]; 4];
        assert!(!dw.rows_in_lanes(&x, &window, Kernel::Avx512Vnni, &mut y));
        assert_eq!(y, [[[0x55; 96]; 4]; 4], "untouched");
    }
}
