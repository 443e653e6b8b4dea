//! [`DepthwiseConv2d`] of few channels (one output a channel, `C` dividing 64 and at most 32:
//! MobileNet's first layers of 8, 16 and 32) with rows of one to four taps, on AVX-512 VNNI:
//! the positions in lanes of `depthwise_positions.rs` (`64 / C` neighbouring output positions
//! side by side in a vector), each row of taps a group of four (the weights zero past `KW`),
//! whose inputs for an input row and block of positions (a strip) are gathered and interleaved
//! once (`kernel/taps.rs`) for all the output rows that read them, as `depthwise_rows.rs` does
//! for 64 channels and more; the positions in lanes gather and interleave them again for each
//! output row. The strips of as many input rows as one output row spans are kept, each input
//! row's in slot `r mod span`. Bit for bit the other paths: the same sums of `w · (x + 128)`
//! from the same base (`bias − (128 + zx) · Σ w`).

use core::mem::MaybeUninit;

use super::conv::Window;
use super::depthwise::DepthwiseConv2d;
use super::depthwise_positions::inputs_at;
use super::fixed::Multiplier;
use super::kernel::{
    Kernel, PackedTaps, gather_strided, gathers, group_dots, group_dots_finished, interleave_taps,
    interleaved_len, lane_channel, packed_taps_len,
};

/// Bytes of the positions' channels: a vector.
const LANES: usize = 64;

/// The bytes of one strip of a block of positions: a group of four taps interleaved.
const GROUP: usize = interleaved_len(LANES);

/// The bytes of the packed weights' room (`4 · KH` taps, `KH` up to 16).
const WEIGHTS: usize = 4096;

/// The bytes of the kept strips at most: the room is on the stack.
const ROOM: usize = 32 * 1024;

/// Input rows kept at most.
const SLOTS: usize = 64;

impl<const IN: usize, const OUT: usize, const KH: usize, const KW: usize>
    DepthwiseConv2d<IN, OUT, KH, KW>
{
    /// The output with `64 / C` positions in the lanes and each row of taps interleaved once
    /// per input row, if `kernel` runs it for this layer (AVX-512 VNNI, one output a channel,
    /// `C` dividing 64 and at most 32, one to four taps a row, at most 16 rows, the strips of
    /// one output row's span of input rows at most 32 KiB); else `false`, `y` untouched.
    pub(super) fn strips_in_lanes<
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
        if IN != OUT || IN == 0 || IN > 32 || LANES % IN != 0 || kernel != Kernel::Avx512Vnni {
            return false;
        }
        let span = (KH.max(1) - 1) * window.dilation[0] + 1;
        let blocks = WO.div_ceil(LANES / IN);
        let fits = (1..=4).contains(&KW)
            && (1..=16).contains(&KH)
            && packed_taps_len(4 * KH, LANES) <= WEIGHTS
            && span <= SLOTS
            && span * blocks * GROUP <= ROOM;
        fits && self.strips(x, window, kernel, span, y)
    }

    /// [`DepthwiseConv2d::strips_in_lanes`] once it fits: out of line, so that the strips'
    /// room is on a frame of its own, entered only where it is small.
    #[inline(never)]
    fn strips<const H: usize, const W: usize, const HO: usize, const WO: usize>(
        &self,
        x: &[[[i8; IN]; W]; H],
        window: &Window,
        kernel: Kernel,
        span: usize,
        y: &mut [[[i8; OUT]; WO]; HO],
    ) -> bool {
        // Tap `4 · kh + kw` of lane `q` is `weight[kh][kw][q mod C]`, zero past `KW`.
        let mut rows = [[[0i8; LANES]; 4]; KH];
        for (row, w) in rows.iter_mut().zip(&self.weight) {
            for (wide, w) in row.iter_mut().zip(w) {
                for (lane, &w) in wide.chunks_exact_mut(IN).flatten().zip(w.iter().cycle()) {
                    *lane = w;
                }
            }
        }
        // The packed weights' bytes, zeroed (of the room's `WEIGHTS`, which the layer's fit checked).
        let mut room = MaybeUninit::<[i8; WEIGHTS]>::uninit();
        let len = packed_taps_len(4 * KH, LANES).min(WEIGHTS);
        // SAFETY: the first `len` bytes of `room`, zeroed here.
        let room = unsafe {
            let first = room.as_mut_ptr().cast::<i8>();
            first.write_bytes(0, len);
            core::slice::from_raw_parts_mut(first, len)
        };
        let weight = rows.as_flattened().as_flattened();
        let Some(packed) = kernel.pack_taps(weight, 4 * KH, LANES, room) else {
            return false;
        };
        // SAFETY: `packed` exists only where the CPU runs AVX-512 VNNI (with F and BW); the
        // caller checked that `span` strips of every block fit in the room.
        unsafe { self.run_strips(x, window, kernel, &packed, span, y) };
        true
    }

    /// The positions' sums from the strips, each input row's made when an output row first
    /// reads it; compiled for AVX-512 so that the interleaving, the dot products and the
    /// output stage inline into the loop.
    ///
    /// # Safety
    /// The CPU must run AVX-512F, AVX-512BW and AVX-512 VNNI; `IN == OUT` divides 64; `span`
    /// is at most [`SLOTS`] and its strips of every block fit in [`ROOM`].
    #[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
    unsafe fn run_strips<const H: usize, const W: usize, const HO: usize, const WO: usize>(
        &self,
        x: &[[[i8; IN]; W]; H],
        window: &Window,
        kernel: Kernel,
        packed: &PackedTaps<'_>,
        span: usize,
        y: &mut [[[i8; OUT]; WO]; HO],
    ) {
        let per = LANES / IN;
        let offset = self.stage.input_offset();
        let unsigned = self.unsigned_base();
        let base: [i32; LANES] = core::array::from_fn(|q| unsigned[q % IN]);
        let vector = self.stage.vector(kernel);
        // The stage in lanes, and its base, in the order the sums come out of the lanes.
        let multiplier: [Multiplier; LANES] =
            core::array::from_fn(|q| self.stage.multiplier[lane_channel(q) % IN]);
        let in_lanes: [i32; LANES] = core::array::from_fn(|q| base[lane_channel(q)]);
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
        let mut padded = [MaybeUninit::<i8>::uninit(); GROUP];
        interleave_taps(packed, &[&[zero; LANES][..]], &mut padded);
        // SAFETY: `interleave_taps` wrote every byte of the group.
        let padded: &[i8] = unsafe { &*(&raw const padded as *const [i8; GROUP]) };
        let row_len = WO.div_ceil(per) * GROUP;
        let mut strips = [MaybeUninit::<i8>::uninit(); ROOM];
        let mut held = [usize::MAX; SLOTS];
        let mut spare = [0i8; LANES];
        for (i, row) in y.iter_mut().enumerate() {
            // Where the strips of each row of taps start in `strips`.
            let mut at: [Option<usize>; KH] = [None; KH];
            for (kh, at) in at.iter_mut().enumerate() {
                let Some(r) = window.tap(0, i, kh, H) else {
                    continue;
                };
                // The input rows of one output row are `span` neighbours at most: one a slot.
                let slot = r % span;
                if held[slot] != r {
                    let room = &mut strips[slot * row_len..][..row_len];
                    // SAFETY: as this function's.
                    unsafe { Self::fill_strips::<W, WO>(&x[r], window, packed, zero, room) };
                    held[slot] = r;
                }
                *at = Some(slot * row_len);
            }
            for (b, first) in (0..WO).step_by(per).enumerate() {
                let n = (WO - first).min(per);
                let mut groups: [&[i8]; KH] = [padded; KH];
                for (group, at) in groups.iter_mut().zip(&at) {
                    if let Some(a) = at {
                        // SAFETY: `fill_strips` wrote the whole strip of every held row; the
                        // slot holds the row of this row of taps until this output row is done.
                        *group = unsafe {
                            let start = strips.as_ptr().add(a + b * GROUP).cast::<i8>();
                            core::slice::from_raw_parts(start, GROUP)
                        };
                    }
                }
                // A partial block's outputs go to `spare`, the first `n` positions' kept.
                let out = match n == per {
                    true => row[first..first + per].as_flattened_mut(),
                    false => &mut spare[..],
                };
                match &lanes {
                    Some(lanes) => group_dots_finished(packed, &groups, &in_lanes, lanes, out),
                    None => {
                        let mut acc = base;
                        group_dots(packed, &groups, &mut acc);
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

    /// Writes the strips of input row `r` into `out`, block `b` of positions at
    /// `out[b · GROUP ..]`: its taps' inputs (gathered where they are not neighbouring pixels,
    /// strided ones inside the row in one permutation; `zero`, the zero point, in the padding)
    /// interleaved.
    ///
    /// # Safety
    /// The CPU must run AVX-512F and AVX-512BW; `out` holds a group for each block of `64 / C`
    /// positions of `WO`.
    #[target_feature(enable = "avx512f,avx512bw")]
    unsafe fn fill_strips<const W: usize, const WO: usize>(
        r: &[[i8; IN]; W],
        window: &Window,
        packed: &PackedTaps<'_>,
        zero: i8,
        out: &mut [MaybeUninit<i8>],
    ) {
        let per = LANES / IN;
        let (flat, step) = (r.as_flattened(), window.stride[1] * IN);
        let mut gathered = [[zero; LANES]; KW];
        for (b, out) in out.chunks_exact_mut(GROUP).enumerate() {
            let first = b * per;
            let n = (WO - first).min(per);
            let mut taps: [&[i8]; KW] = [&[]; KW];
            for (kw, (tap, gathered)) in taps.iter_mut().zip(&mut gathered).enumerate() {
                // Strided positions inside the row: their pixels in one permutation.
                let ends = (
                    window.tap(1, first, kw, W),
                    window.tap(1, first + n - 1, kw, W),
                );
                *tap = match ends {
                    (Some(c), Some(_)) if n == per && window.stride[1] > 1 && gathers(IN, step) => {
                        gather_strided(packed, flat, [c * IN, step, IN], gathered);
                        gathered
                    }
                    _ => inputs_at(r, window, [first, n, kw], zero, gathered),
                };
            }
            interleave_taps(packed, &taps, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quant::depthwise_reference::check_in_lanes;
    use crate::quant::{Activation, OutputStage, Padding, QuantParams, Rounding};

    /// The strips against the reference: `C` channels (4 to 32), rows of one to four taps, one
    /// to three rows, rows of output positions a multiple of the block and not, strides 1 and
    /// 2, dilations, padding on every side.
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
            dw.strips_in_lanes(x, window, Kernel::Avx512Vnni, y)
        };
        let shape = [5.0, 0.0003];
        check_in_lanes::<C, KH, KW, W, HO, WO>(
            seed, stride, dilation, padding, shape, "strips", run,
        );
    }

    #[test]
    fn the_strips_are_the_scalar_sums() {
        let one = [1, 1];
        // Eight positions a block: rows of 13 (one whole block, then five), and of 16.
        check::<8, 3, 3, 13, 7, 13>(1, one, one, Padding::Same);
        check::<8, 3, 3, 18, 5, 16>(2, one, one, Padding::Valid);
        // Four positions a block, strided (gathered): rows of 7, and of 6 (padding after only,
        // as MobileNet's); and of 13 at a stride of one.
        check::<16, 3, 3, 13, 4, 7>(3, [2, 2], one, Padding::Same);
        check::<16, 3, 3, 12, 4, 6>(7, [2, 2], one, Padding::Same);
        check::<16, 3, 3, 13, 7, 13>(4, one, one, Padding::Same);
        // Two positions a block; four, rows of one and four taps, dilated rows and columns.
        check::<32, 2, 2, 13, 6, 12>(5, one, one, Padding::Valid);
        check::<4, 3, 4, 13, 7, 15>(6, one, [2, 2], Padding::Explicit([2, 4]));
        check::<32, 1, 3, 9, 4, 5>(8, [2, 2], one, Padding::Same);
    }

    #[test]
    fn other_layers_are_left_to_the_other_paths() {
        // Five taps a row.
        let stage = OutputStage::per_channel(
            QuantParams::new(0.05, 3),
            [0.001; 16],
            QuantParams::new(0.2, 5),
            Activation::None,
            Rounding::Double,
        );
        let dw = DepthwiseConv2d::<16, 16, 5, 5>::new(
            [[[1; 16]; 5]; 5],
            [0; 16],
            [1, 1],
            [1, 1],
            Padding::Same,
            stage,
        );
        let window = Window::new(Padding::Same, [4, 4], [5, 5], [1, 1], [1, 1], [4, 4]);
        let mut y = [[[0x55i8; 16]; 4]; 4];
        assert!(!dw.strips_in_lanes(&[[[0; 16]; 4]; 4], &window, Kernel::Avx512Vnni, &mut y));
        assert_eq!(y, [[[0x55; 16]; 4]; 4], "untouched");
    }
}
