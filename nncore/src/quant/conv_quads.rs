//! [`Conv2d`] of one group on the DSP extension of Arm microcontrollers, four output positions
//! at a time: their patches (a pointwise convolution's pixels, read in place) offset into int16
//! once, then each output channel's row against the four patches (`kernel/quads.rs`) and its
//! output stage on the four sums, the channel's constants loaded once for them. The sums are
//! the ones position by position (wrapping int32 addition), and so are the outputs.

use super::conv::{Conv2d, Window};
use super::fixed::Rounding;
use super::kernel::{DoubleStage, Quad, ShortStage};
use super::params::clamp_i8;

impl<const IN: usize, const OUT: usize, const KH: usize, const KW: usize> Conv2d<IN, OUT, KH, KW> {
    /// The output of one group (`C = IN`), four positions at a time.
    pub(super) fn quads<
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
        let len = KH * KW * IN;
        let offset = self.stage.input_offset();
        // `offset` is minus the zero point, within [-127, 128].
        let zero = (-offset) as i8;
        let rows = self.weight.as_flattened().as_flattened().as_flattened();
        let y = y.as_flattened_mut().as_flattened_mut();
        let positions = HO * WO;
        let mut quad = Quad::<IN, KW, KH>::new();
        let mut patch = [[[zero; IN]; KW]; KH];
        let zero_point = self.stage.output.zero_point as i32;
        let short = self.stage.rounding == Rounding::Double
            && (self.stage.multiplier.iter()).all(|&m| ShortStage::new(m, zero_point).is_some());
        for start in (0..positions).step_by(4) {
            let n = positions.min(start + 4) - start;
            for p in 0..n {
                let (i, j) = ((start + p) / WO, (start + p) % WO);
                if KH == 1 && KW == 1 {
                    // The pixel itself; a tap in the padding adds nothing.
                    match (window.tap(0, i, 0, H), window.tap(1, j, 0, W)) {
                        (Some(r), Some(c)) => quad.set(p, &x[r][c][..IN], offset),
                        _ => quad.clear(p),
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
                quad.set(p, patch.as_flattened().as_flattened(), offset);
            }
            // The last block's missing positions add nothing and are not stored.
            for p in n..4 {
                quad.clear(p);
            }
            let out = &mut y[start * OUT..];
            if n == 4 && short {
                self.short_quad(&quad, out);
                continue;
            }
            for (o, row) in rows.chunks_exact(len).enumerate() {
                let acc = quad.dots(row, self.bias[o]);
                self.finish_quad(o, &acc[..n], &mut out[o..]);
            }
        }
    }

    /// Every channel's outputs at four positions into `out[0..4 · OUT]`, every channel's stage
    /// short.
    #[inline(always)]
    fn short_quad(&self, quad: &Quad<IN, KW, KH>, out: &mut [i8]) {
        let stage = &self.stage;
        let zero_point = stage.output.zero_point as i32;
        let full = stage.clamp == [i8::MIN, i8::MAX];
        let rows = self.weight.as_flattened().as_flattened().as_flattened();
        let out = &mut out[..4 * OUT];
        let channels = rows.chunks_exact(KH * KW * IN).zip(&self.bias);
        for (o, ((row, &bias), &m)) in channels.zip(&stage.multiplier).enumerate() {
            let acc = quad.dots(row, bias);
            let short = ShortStage::unchecked(m, zero_point);
            if full {
                short.store_four::<OUT>(acc, &mut out[o..]);
                continue;
            }
            for (p, &a) in acc.iter().enumerate() {
                out[o + p * OUT] = clamp_i8(short.finish(a), stage.clamp);
            }
        }
    }

    /// Channel `o`'s outputs for the accumulators `acc` of consecutive positions into `out[0]`,
    /// `out[OUT]`, …
    #[inline(always)]
    fn finish_quad(&self, o: usize, acc: &[i32], out: &mut [i8]) {
        let stage = &self.stage;
        let zero_point = stage.output.zero_point as i32;
        let m = stage.multiplier[o];
        let outs = out.iter_mut().step_by(OUT).zip(acc);
        if stage.rounding == Rounding::Double {
            if let Some(short) = ShortStage::new(m, zero_point) {
                let full = stage.clamp == [i8::MIN, i8::MAX];
                for (y, &a) in outs {
                    let q = short.finish(a);
                    *y = if full {
                        q as i8
                    } else {
                        clamp_i8(q, stage.clamp)
                    };
                }
                return;
            }
            if let Some(double) = DoubleStage::new(m, zero_point, stage.clamp) {
                for (y, &a) in outs {
                    *y = double.finish(a);
                }
                return;
            }
        }
        for (y, &a) in outs {
            *y = stage.finish(o, a);
        }
    }
}
