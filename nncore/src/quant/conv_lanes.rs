//! [`Conv2d`] of one group with the output channels in the lanes of AVX-512 VNNI: the weights
//! packed when the model compiled ([`Conv2d::with_packing`]), else once per call
//! ([`Kernel::pack`]), then the patches of four output positions at a
//! time (eight for layers of at most 32 channels, sixteen for at most 16: `positions`; a
//! pointwise convolution's patches are its pixels) against them, four inputs of each patch
//! broadcast against sixteen channels' weights, each weight vector loaded once for the four
//! (`kernel/block.rs`), with no sums across lanes; the output stage then runs on the block.
//! Bit for bit the other kernels' sums: `Σ w · (x − zx) = Σ w · (x + 128) − (128 + zx) · Σ w`,
//! the second term taken off the bias once per call. Most layers read each patch where it lies
//! in a padded copy of the input (`conv_lanes_rows.rs`); the rest (dilated, or too large for
//! its room) copy each block's patches here.

use core::mem::MaybeUninit;

use super::conv::{Conv2d, Window};
use super::fixed::Multiplier;
use super::kernel::{
    Amx, BLOCK, Kernel, Lanes, Packed, Runs, VectorStage, block_base, block_dots,
    block_dots_finished, lane_channel, packed_len, positions,
};
use super::lines::Lines;

/// What every block of a call shares ([`Conv2d::shared`]).
pub(super) struct Shared<'a, const OUT: usize> {
    pub(super) base: [i32; OUT],
    pub(super) lanes: Option<&'a Lanes>,
    vector: Option<VectorStage>,
}

/// The bytes of the room for small layers' packed weights.
pub(super) const SMALL: usize = 4096;

impl<const IN: usize, const OUT: usize, const KH: usize, const KW: usize> Conv2d<IN, OUT, KH, KW> {
    /// The output of one group with the channels in lanes, if `kernel` runs them for this layer
    /// (one group, `C == IN`; AVX-512 VNNI; and the packed weights fit the room: `OUT` a
    /// multiple of 16 and `KH · KW · IN` of 4, or at most 4 KiB packed); else `false`, `y`
    /// untouched. Not inlined: the packed weights' room is on its own frame.
    #[inline(never)]
    pub(super) fn patches_in_lanes<
        const C: usize,
        const H: usize,
        const W: usize,
        const HO: usize,
        const WO: usize,
    >(
        &self,
        x: &[[[i8; C]; W]; H],
        window: &Window,
        kernel: Kernel,
        amx: Option<Amx>,
        y: &mut [[[i8; OUT]; WO]; HO],
    ) -> bool {
        if C != IN {
            return false;
        }
        let on_rows = Self::reads_rows::<C, HO, WO>(window);
        // On rows, each row of taps as long as its run (`Conv2d::run_len`).
        let k = match on_rows {
            true => KH * Self::run_len::<C>(),
            false => KH * KW * IN,
        };
        // As much room as the weights, or for small layers (whose rows or channels pad most)
        // a few kilobytes.
        // Left unwritten until packed (the packing writes every byte it hands back).
        // On cache lines: the kernels read the packed weights in 64-byte blocks.
        let mut room = Lines([[[[MaybeUninit::<i8>::uninit(); IN]; KW]; KH]; OUT]);
        let mut small = Lines([MaybeUninit::<i8>::uninit(); SMALL]);
        let room = match packed_len(k, OUT) <= SMALL {
            true => &mut small.0[..],
            false => room
                .0
                .as_flattened_mut()
                .as_flattened_mut()
                .as_flattened_mut(),
        };
        let rows = self.weight.as_flattened().as_flattened().as_flattened();
        // Packed when the model compiled, for rows of all the weights.
        let prepacked = self
            .packed
            .filter(|_| k == rows.len() / OUT)
            .and_then(|p| kernel.prepacked(p.weights, p.sums, k, OUT));
        // Whole blocks of 64 channels packed in the lanes' order: each position's bytes come
        // out of the stage in order.
        let lane_order = OUT % 64 == 0;
        let packed = match k == rows.len() / OUT {
            _ if prepacked.is_some() => prepacked,
            true => kernel.pack(rows, k, OUT, lane_order, room),
            // Rows of taps widened with zero weights (`Conv2d::reads_rows` kept them small).
            false => {
                let (run, mut wide) = (k / KH, [0i8; SMALL]);
                for (taps, at) in self.weight.as_flattened().iter().zip((0..).step_by(run)) {
                    wide[at..at + KW * IN].copy_from_slice(taps.as_flattened());
                }
                kernel.pack(&wide[..OUT * k], k, OUT, lane_order, room)
            }
        };
        let Some(packed) = packed else {
            return false;
        };
        // SAFETY: `packed` exists only where the CPU runs AVX-512 VNNI (with F and BW).
        unsafe {
            match (positions(k, OUT), on_rows) {
                (16, true) => {
                    self.run_on_rows::<16, C, H, W, HO, WO>(x, window, kernel, amx, &packed, y)
                }
                (8, true) => {
                    self.run_on_rows::<8, C, H, W, HO, WO>(x, window, kernel, amx, &packed, y)
                }
                (_, true) => {
                    self.run_on_rows::<BLOCK, C, H, W, HO, WO>(x, window, kernel, amx, &packed, y)
                }
                (16, false) => {
                    self.run_in_lanes::<16, C, H, W, HO, WO>(x, window, kernel, &packed, y)
                }
                (8, false) => {
                    self.run_in_lanes::<8, C, H, W, HO, WO>(x, window, kernel, &packed, y)
                }
                (_, false) => {
                    self.run_in_lanes::<BLOCK, C, H, W, HO, WO>(x, window, kernel, &packed, y)
                }
            }
        };
        true
    }

    /// What every block of a call shares: the sums' start, `bias − (128 − offset) · Σ w`, and
    /// the output stage, in lanes (built in `room`) where `kernel` runs it; both in the packed
    /// rows' order.
    #[inline]
    pub(super) fn shared<'a>(
        &self,
        packed: &Packed<'_>,
        kernel: Kernel,
        room: &'a mut MaybeUninit<Lanes>,
    ) -> Shared<'a, OUT> {
        let (bias, multiplier): ([i32; OUT], [Multiplier; OUT]);
        let (bias, multiplier) = match packed.lane_order() {
            true => {
                bias = core::array::from_fn(|c| self.bias[lane_channel(c)]);
                multiplier = core::array::from_fn(|c| self.stage.multiplier[lane_channel(c)]);
                (&bias, &multiplier)
            }
            false => (&self.bias, &self.stage.multiplier),
        };
        let mut base = [0i32; OUT];
        block_base(packed, bias, self.stage.input_offset(), &mut base);
        let lanes = kernel.stage_lanes(
            multiplier,
            self.stage.rounding,
            self.stage.output.zero_point as i32,
            self.stage.clamp,
            room,
        );
        let vector = self.stage.vector(kernel);
        Shared {
            base,
            lanes,
            vector,
        }
    }

    /// One block's outputs into `out` (`P` positions' worth): the packed weights against the
    /// inputs `runs`, from the shared base, through the stage in lanes if there is one, else the
    /// layer's.
    #[inline(always)]
    pub(super) fn finish_block<const P: usize>(
        &self,
        packed: &Packed<'_>,
        runs: Runs<'_, P>,
        shared: &Shared<'_, OUT>,
        out: &mut [[i8; OUT]],
    ) {
        let base = &shared.base;
        match shared.lanes {
            Some(lanes) => {
                block_dots_finished::<P>(packed, runs, base, lanes, out.as_flattened_mut())
            }
            None => {
                let mut acc = [*base; P];
                block_dots::<P>(packed, runs, acc.as_flattened_mut());
                for (acc, pixel) in acc.iter().zip(out.iter_mut()) {
                    // `lane_channel` undoes itself.
                    let acc = match packed.lane_order() {
                        true => &core::array::from_fn(|c| acc[lane_channel(c)]),
                        false => acc,
                    };
                    *pixel = self.stage.finish_all(acc, shared.vector);
                }
            }
        }
    }

    /// [`Conv2d::patches_in_lanes`] once the weights are packed, compiled for AVX-512 so that
    /// the dot products and the output stage inline into the loop over positions, `P` positions
    /// a block.
    ///
    /// # Safety
    /// The CPU must run AVX-512F, AVX-512BW and AVX-512 VNNI; `P` is [`BLOCK`] or
    /// [`positions`] of the layer.
    #[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
    unsafe fn run_in_lanes<
        const P: usize,
        const C: usize,
        const H: usize,
        const W: usize,
        const HO: usize,
        const WO: usize,
    >(
        &self,
        x: &[[[i8; C]; W]; H],
        window: &Window,
        kernel: Kernel,
        packed: &Packed<'_>,
        y: &mut [[[i8; OUT]; WO]; HO],
    ) {
        let offset = self.stage.input_offset();
        let mut room = MaybeUninit::uninit();
        let shared = self.shared(packed, kernel, &mut room);
        // The patches as unsigned bytes, `x + 128` (the sign bit flipped). `offset` is minus
        // the zero point, within [-127, 128]; a tap in the padding reads it, so adds `w · 0`
        // (a patch all padding gives the bias: `base + (128 − offset) · Σ w`, wrapping).
        let flip = |v: i8| v as u8 ^ 0x80;
        let zero = flip((-offset) as i8);
        let mut patches = [[[[zero; IN]; KW]; KH]; P];
        // The outputs of a last, partial block.
        let k = KH * KW * IN;
        let mut spare = [[0i8; OUT]; P];
        let y = y.as_flattened_mut();
        let positions = y.len();
        // The input row of each row of taps for output row `i`, and where they are all in.
        let rows_of = |i: usize| core::array::from_fn::<_, KH, _>(|kh| window.tap(0, i, kh, H));
        for first in (0..positions).step_by(P) {
            let n = (positions - first).min(P);
            // Output row and column of the block's first position, then counted on.
            let (mut i, mut j) = (first / WO, first % WO);
            let mut rows = rows_of(i);
            // A whole block in one output row, every tap inside the input, without dilation:
            // each row of taps one run of pixels, nothing to check position by position.
            let ends = (n == P && j + P <= WO && window.dilation[1] == 1)
                .then(|| (window.tap(1, j, 0, W), window.tap(1, j + P - 1, KW - 1, W)));
            match ends {
                Some((Some(c), Some(_))) if rows.iter().all(Option::is_some) => {
                    let rows: [&[[i8; C]; W]; KH] =
                        core::array::from_fn(|kh| &x[rows[kh].unwrap_or(0)]);
                    for (p, patch) in patches.iter_mut().enumerate() {
                        let c = c + p * window.stride[1];
                        for (taps, row) in patch.iter_mut().zip(rows) {
                            let pixels = row[c..c + KW].as_flattened();
                            for (u, &x) in taps.as_flattened_mut().iter_mut().zip(pixels) {
                                *u = flip(x);
                            }
                        }
                    }
                }
                _ => {
                    for patch in patches.iter_mut().take(n) {
                        // A row of taps inside the input without dilation: a run of pixels.
                        let run = match (window.dilation[1], window.tap(1, j, 0, W)) {
                            (1, Some(c)) if c + KW <= W => Some(c),
                            _ => None,
                        };
                        for (taps, &r) in patch.iter_mut().zip(&rows) {
                            if let (Some(r), Some(c)) = (r, run) {
                                let pixels = x[r][c..c + KW].as_flattened();
                                for (u, &x) in taps.as_flattened_mut().iter_mut().zip(pixels) {
                                    *u = flip(x);
                                }
                                continue;
                            }
                            for (kw, tap) in taps.iter_mut().enumerate() {
                                match (r, window.tap(1, j, kw, W)) {
                                    (Some(r), Some(c)) => {
                                        for (u, &x) in tap.iter_mut().zip(&x[r][c][..IN]) {
                                            *u = flip(x);
                                        }
                                    }
                                    _ => *tap = [zero; IN],
                                }
                            }
                        }
                        j += 1;
                        if j == WO {
                            (i, j) = (i + 1, 0);
                            rows = rows_of(i);
                        }
                    }
                }
            }
            // A partial block's other patches are left from the block before; their outputs
            // go to `spare`.
            let u = patches.as_flattened().as_flattened().as_flattened();
            let out = match n == P {
                true => &mut y[first..first + P],
                false => &mut spare[..],
            };
            let runs = Runs::patches(u, k);
            self.finish_block::<P>(packed, runs, &shared, out);
            if n < P {
                y[first..].copy_from_slice(&spare[..n]);
            }
        }
    }
}
