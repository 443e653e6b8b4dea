//! [`Conv2d`] of one group on AVX2 with the output channels in the lanes (`kernel/block_avx2.rs`):
//! the weights packed once per call, two of each channel a lane widened to int16, then the
//! patches of four output positions at a time, offset into int16 (`x − zx`, the padding 0),
//! each pair of inputs broadcast against eight channels' weights, each weight vector loaded
//! once for the four; the double rounding's output stage eight channels at a time
//! (`kernel/stage_avx2.rs`). `Σ w · (x − zx)` directly, so the bias is where the sums start.

use core::mem::MaybeUninit;

use super::conv::{Conv2d, Window};
use super::kernel::{
    Kernel, PAIRS_BLOCK as BLOCK, PackedPairs, packed_pairs_len, pairs_dots, pairs_dots_finished,
};

/// The int16 values of the room for small layers' packed weights.
const SMALL: usize = 2048;

impl<const IN: usize, const OUT: usize, const KH: usize, const KW: usize> Conv2d<IN, OUT, KH, KW> {
    /// The output of one group with the channels in AVX2 lanes, if `kernel` runs them for this
    /// layer (one group, `C == IN`; AVX2 or AVX-VNNI on a CPU with AVX2; and the packed weights
    /// fit the room: `OUT` a multiple of 8 and `KH · KW · IN` of 2, or at most 4 KiB packed);
    /// else `false`, `y` untouched. Not inlined: the packed weights' room is on its own frame.
    #[inline(never)]
    pub(super) fn patches_in_pairs<
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
        y: &mut [[[i8; OUT]; WO]; HO],
    ) -> bool {
        if C != IN {
            return false;
        }
        let rows = self.weight.as_flattened().as_flattened().as_flattened();
        let k = KH * KW * IN;
        let mut room = [[[[0i16; IN]; KW]; KH]; OUT];
        let mut small = [0i16; SMALL];
        let room = match packed_pairs_len(k, OUT) <= SMALL {
            true => &mut small[..],
            false => room
                .as_flattened_mut()
                .as_flattened_mut()
                .as_flattened_mut(),
        };
        let Some(packed) = kernel.pack_pairs(rows, k, OUT, room) else {
            return false;
        };
        // SAFETY: `packed` exists only where the CPU runs AVX2.
        unsafe { self.run_in_pairs(x, window, kernel, &packed, y) };
        true
    }

    /// [`Conv2d::patches_in_pairs`] once the weights are packed, compiled for AVX2 so that the
    /// dot products and the output stage inline into the loop over positions.
    ///
    /// # Safety
    /// The CPU must run AVX2.
    #[target_feature(enable = "avx2")]
    unsafe fn run_in_pairs<
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
        packed: &PackedPairs<'_>,
        y: &mut [[[i8; OUT]; WO]; HO],
    ) {
        // `x + offset` is within ±255; a tap in the padding is 0.
        let offset = self.stage.input_offset() as i16;
        let vector = self.stage.vector(kernel);
        let mut room = MaybeUninit::uninit();
        let lanes = kernel.stage_lanes8(
            &self.stage.multiplier,
            self.stage.rounding,
            self.stage.output.zero_point as i32,
            self.stage.clamp,
            &mut room,
        );
        let mut patches = [[[[0i16; IN]; KW]; KH]; BLOCK];
        // The sums (for a stage not in lanes) and the outputs of a last, partial block.
        let mut acc = [[0i32; OUT]; BLOCK];
        let mut spare = [[0i8; OUT]; BLOCK];
        let y = y.as_flattened_mut();
        let positions = y.len();
        for first in (0..positions).step_by(BLOCK) {
            let n = (positions - first).min(BLOCK);
            for (p, patch) in patches.iter_mut().enumerate().take(n) {
                let (i, j) = ((first + p) / WO, (first + p) % WO);
                // A row of taps inside the input without dilation is one run of its pixels.
                let run = match (window.dilation[1], window.tap(1, j, 0, W)) {
                    (1, Some(c)) if window.tap(1, j, KW - 1, W).is_some() => Some(c),
                    _ => None,
                };
                for (kh, taps) in patch.iter_mut().enumerate() {
                    let r = window.tap(0, i, kh, H);
                    if let (Some(r), Some(c)) = (r, run) {
                        let pixels = x[r][c..c + KW].as_flattened();
                        for (v, &x) in taps.as_flattened_mut().iter_mut().zip(pixels) {
                            *v = i16::from(x) + offset;
                        }
                        continue;
                    }
                    for (kw, tap) in taps.iter_mut().enumerate() {
                        match (r, window.tap(1, j, kw, W)) {
                            (Some(r), Some(c)) => {
                                for (v, &x) in tap.iter_mut().zip(&x[r][c][..IN]) {
                                    *v = i16::from(x) + offset;
                                }
                            }
                            _ => *tap = [0; IN],
                        }
                    }
                }
            }
            // A partial block's other patches are left from the block before; their outputs
            // go to `spare`.
            let u = patches.as_flattened().as_flattened().as_flattened();
            let out = match n {
                BLOCK => &mut y[first..first + BLOCK],
                _ => &mut spare[..],
            };
            match &lanes {
                Some(lanes) => {
                    pairs_dots_finished(packed, u, &self.bias, lanes, out.as_flattened_mut());
                }
                None => {
                    acc.fill(self.bias);
                    pairs_dots(packed, u, acc.as_flattened_mut());
                    for (acc, pixel) in acc.iter().zip(out.iter_mut()) {
                        *pixel = self.stage.finish_all(acc, vector);
                    }
                }
            }
            if n < BLOCK {
                y[first..].copy_from_slice(&spare[..n]);
            }
        }
    }
}
