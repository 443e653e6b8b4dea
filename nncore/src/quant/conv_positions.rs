//! [`Conv2d`] of one group on the DSP extension of Arm microcontrollers, eight output positions
//! at a time: their patches (a pointwise convolution's pixels, read in place) offset into int16
//! once, then each output channel's row against the eight patches (`kernel/positions.rs`) and
//! its output stage on the eight sums, the channel's constants loaded once for them. The sums are
//! the ones position by position (wrapping int32 addition), and so are the outputs.

use super::conv::{Conv2d, Window};
use super::fixed::Rounding;
use super::kernel::{DoubleStage, POSITIONS, Patches, ShortStage};
use super::params::{OutputStage, clamp_i8};

impl<const IN: usize, const OUT: usize, const KH: usize, const KW: usize> Conv2d<IN, OUT, KH, KW> {
    /// The output of one group (`C = IN`), eight positions at a time.
    pub(super) fn positions<
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
    ) {
        let offset = self.stage.input_offset();
        // `offset` is minus the zero point, within [-127, 128].
        let zero = (-offset) as i8;
        let y = y.as_flattened_mut().as_flattened_mut();
        let positions = HO * WO;
        let mut patches = Patches::<IN, KW, KH>::new();
        let mut patch = [[[zero; IN]; KW]; KH];
        let zero_point = self.stage.output.zero_point as i32;
        let fast = self.stage.rounding == Rounding::Double
            && self.stage.clamp == [i8::MIN, i8::MAX]
            && (self.stage.multiplier.iter()).all(|&m| ShortStage::new(m, zero_point).is_some());
        for start in (0..positions).step_by(POSITIONS) {
            let n = positions.min(start + POSITIONS) - start;
            for p in 0..n {
                let (i, j) = ((start + p) / WO, (start + p) % WO);
                if KH == 1 && KW == 1 {
                    // The pixel itself; a tap in the padding adds nothing.
                    match (window.tap(0, i, 0, H), window.tap(1, j, 0, W)) {
                        (Some(r), Some(c)) => patches.set(p, &x[r][c][..IN], offset),
                        _ => patches.clear(p),
                    }
                    continue;
                }
                for (kh, taps) in patch.iter_mut().enumerate() {
                    let r = window.tap(0, i, kh, H);
                    for (kw, tap) in taps.iter_mut().enumerate() {
                        match (r, window.tap(1, j, kw, W)) {
                            (Some(r), Some(c)) => tap.copy_from_slice(&x[r][c][..IN]),
                            _ => *tap = [zero; IN],
                        }
                    }
                }
                patches.set(p, patch.as_flattened().as_flattened(), offset);
            }
            // The last block's missing positions add nothing; their outputs go to `spare`.
            for p in n..POSITIONS {
                patches.clear(p);
            }
            if n == POSITIONS {
                self.channels(&patches, &mut y[start * OUT..][..POSITIONS * OUT], fast);
            } else {
                let mut spare = [[0i8; OUT]; POSITIONS];
                self.channels(&patches, spare.as_flattened_mut(), fast);
                y[start * OUT..].copy_from_slice(&spare.as_flattened()[..n * OUT]);
            }
        }
    }

    /// Every channel's outputs at the positions of `patches` into `out`, `[[i8; OUT]; POSITIONS]`
    /// flattened; with `fast` every channel's stage is short and its clamp int8's range. Out
    /// of line: one copy of the loop for full blocks and the last.
    #[inline(never)]
    fn channels(&self, patches: &Patches<IN, KW, KH>, out: &mut [i8], fast: bool) {
        let stage = &self.stage;
        let zero_point = stage.output.zero_point as i32;
        let rows = self.weight.as_flattened().as_flattened().as_flattened();
        let channels = rows.chunks_exact(KH * KW * IN).zip(&self.bias);
        for (o, ((row, &bias), &m)) in channels.zip(&stage.multiplier).enumerate() {
            let acc = patches.dots(row, bias);
            let (front, back) = acc.split_at(4);
            let (front, back) = (
                [front[0], front[1], front[2], front[3]],
                [back[0], back[1], back[2], back[3]],
            );
            if fast {
                let short = ShortStage::unchecked(m, zero_point);
                short.store_four::<OUT>(front, &mut out[o..]);
                short.store_four::<OUT>(back, &mut out[4 * OUT + o..]);
            } else {
                finish_four(stage, o, front, &mut out[o..]);
                finish_four(stage, o, back, &mut out[4 * OUT + o..]);
            }
        }
    }
}

/// Channel `o`'s outputs for the accumulators `acc` of four positions into `out[0]`,
/// `out[N]`, `out[2 · N]` and `out[3 · N]`, whatever its stage.
fn finish_four<const N: usize>(stage: &OutputStage<N>, o: usize, acc: [i32; 4], out: &mut [i8]) {
    for (y, a) in out.iter_mut().step_by(N).zip(acc) {
        *y = finish(stage, o, a);
    }
}

/// Channel `o`'s output for the accumulator `acc`: out of line, one copy for every layer of `N`
/// channels (the keyword spotter's layers take [`ShortStage::store_four`]).
#[inline(never)]
fn finish<const N: usize>(stage: &OutputStage<N>, o: usize, acc: i32) -> i8 {
    let zero_point = stage.output.zero_point as i32;
    let m = stage.multiplier[o];
    if stage.rounding == Rounding::Double {
        if let Some(short) = ShortStage::new(m, zero_point) {
            return clamp_i8(short.finish(acc), stage.clamp);
        }
        if let Some(double) = DoubleStage::new(m, zero_point, stage.clamp) {
            return double.finish(acc);
        }
    }
    stage.finish(o, acc)
}
