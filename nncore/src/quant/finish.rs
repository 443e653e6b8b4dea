//! An output stage over a block of a layer's channels: which loop finishes them on each target
//! (sixteen channels in vector lanes on x86-64, the DSP extension's and Thumb-1's assembly, the
//! loop of the stages that round once), and the stage borrowed, for the kernels that take their
//! sizes at run time.

use super::fixed::{Multiplier, Rounding};
use super::kernel::{Kernel, VectorStage};
#[cfg(not(any(nn_arm_dsp, all(target_arch = "arm", target_os = "none"))))]
use super::kernel::{rescale, rescale_float};
use super::params::{OutputStage, QuantParams, clamp_i8};
use super::rescale::round_scaled;

impl<const N: usize> OutputStage<N> {
    /// The stage borrowed, its channel count a run-time value.
    #[inline]
    #[cfg_attr(not(all(target_arch = "arm", target_os = "none")), allow(dead_code))]
    pub(crate) fn view(&self) -> Stage<'_> {
        Stage {
            input: self.input,
            output: self.output,
            weight_scale: &self.weight_scale,
            multiplier: &self.multiplier,
            clamp: self.clamp,
            rounding: self.rounding,
        }
    }

    /// Whether [`OutputStage::finish_all`] runs sixteen channels at a time with `kernel`.
    #[inline]
    pub(crate) fn vector(&self, kernel: Kernel) -> Option<VectorStage> {
        kernel.vector_stage(self.rounding)
    }

    /// [`OutputStage::finish`] of every channel, sixteen at a time with `vector` (from
    /// [`OutputStage::vector`] of this stage).
    #[inline(always)]
    pub(crate) fn finish_all(&self, acc: &[i32; N], vector: Option<VectorStage>) -> [i8; N] {
        let mut out = [0i8; N];
        self.finish_all_into(acc, vector, &mut out);
        out
    }

    /// [`OutputStage::finish_all`] written into `out`.
    #[inline(always)]
    pub(crate) fn finish_all_into(
        &self,
        acc: &[i32; N],
        vector: Option<VectorStage>,
        out: &mut [i8; N],
    ) {
        self.finish_block_into(0, acc, vector, out);
    }

    /// [`OutputStage::finish`] of channels `from..from + acc.len()` into `out`: a block of a
    /// layer's channels, `acc[k]` and `out[k]` channel `from + k`'s.
    ///
    /// # Panics
    /// If `out` is shorter than `acc` or the block passes channel `N`.
    #[inline(always)]
    pub(crate) fn finish_block_into(
        &self,
        from: usize,
        acc: &[i32],
        vector: Option<VectorStage>,
        out: &mut [i8],
    ) {
        let n = acc.len();
        let m = &self.multiplier[from..from + n];
        let out = &mut out[..n];
        #[cfg(any(nn_arm_dsp, all(target_arch = "arm", target_os = "none")))]
        if self.rounding != Rounding::Double {
            let scales = [self.input.scale, self.output.scale];
            let stage = (m, &self.weight_scale[from..from + n], scales);
            let (r, zero_point) = (self.rounding, self.output.zero_point);
            crate::quant::kernel::finish_once(acc, stage, r, zero_point, self.clamp, out);
            return;
        }
        #[cfg(any(nn_arm_dsp, all(target_arch = "arm", target_os = "none")))]
        {
            let _ = vector;
            let zero_point = self.output.zero_point as i32;
            crate::quant::kernel::finish_double(acc, m, zero_point, self.clamp, out);
        }
        #[cfg(not(any(nn_arm_dsp, all(target_arch = "arm", target_os = "none"))))]
        {
            let done = vector.map_or(0, |v| {
                let zero_point = self.output.zero_point as i32;
                let r = self.rounding;
                if r == Rounding::Float {
                    let scales = [self.input.scale, self.output.scale];
                    let stage = (m, &self.weight_scale[from..from + n], scales);
                    return rescale_float(v, acc, stage, zero_point, self.clamp, out);
                }
                rescale(v, acc, m, r, zero_point, self.clamp, out)
            });
            for (c, out) in out.iter_mut().enumerate().skip(done) {
                *out = self.finish(from + c, acc[c]);
            }
        }
    }
}

/// An [`OutputStage`] borrowed, for the kernels that take their sizes at run time (one copy of
/// their code for every shape).
#[derive(Clone, Copy, Debug)]
#[cfg_attr(not(all(target_arch = "arm", target_os = "none")), allow(dead_code))]
pub(crate) struct Stage<'a> {
    pub input: QuantParams,
    pub output: QuantParams,
    pub weight_scale: &'a [f32],
    pub multiplier: &'a [Multiplier],
    pub clamp: [i8; 2],
    pub rounding: Rounding,
}

#[cfg_attr(not(all(target_arch = "arm", target_os = "none")), allow(dead_code))]
impl Stage<'_> {
    /// [`OutputStage::finish`] (the same arithmetic, checked by a test).
    #[inline(always)]
    pub(crate) fn finish(&self, c: usize, acc: i32) -> i8 {
        let m = self.multiplier[c];
        let scaled = match self.rounding {
            Rounding::Double => m.apply_double_rounding(acc),
            Rounding::Single => m.apply_single_rounding(acc),
            Rounding::Float => {
                let (input, weight) = (self.input.scale, self.weight_scale[c]);
                round_scaled(acc, m, input, weight, self.output.scale)
            }
        };
        clamp_i8(
            scaled.saturating_add(self.output.zero_point as i32),
            self.clamp,
        )
    }

    /// `-input.zero_point`.
    #[inline]
    pub(crate) const fn input_offset(&self) -> i32 {
        -(self.input.zero_point as i32)
    }

    /// [`OutputStage::finish_all_into`] without a vector stage, `acc` and `out` a channel each.
    #[cfg(all(target_arch = "arm", target_os = "none"))]
    pub(crate) fn finish_all_into(&self, acc: &[i32], out: &mut [i8]) {
        #[cfg(not(nn_arm_dsp))]
        if self.rounding == Rounding::Double {
            let zero_point = self.output.zero_point as i32;
            let m = self.multiplier;
            crate::quant::kernel::finish_double(acc, m, zero_point, self.clamp, out);
            return;
        }
        for (c, (out, &a)) in out.iter_mut().zip(acc).enumerate() {
            #[cfg(nn_arm_dsp)]
            if self.rounding == Rounding::Double {
                let (m, zero_point) = (self.multiplier[c], self.output.zero_point as i32);
                if let Some(stage) =
                    crate::quant::kernel::DoubleStage::new(m, zero_point, self.clamp)
                {
                    *out = stage.finish(a);
                    continue;
                }
            }
            *out = self.finish(c, a);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::quant::{Activation, OutputStage, QuantParams, Rounding};

    #[test]
    fn the_borrowed_stage_finishes_as_the_stage() {
        let input = QuantParams::new(0.031, -7);
        let output = QuantParams::new(0.17, 12);
        for rounding in [Rounding::Double, Rounding::Single, Rounding::Float] {
            for activation in [Activation::None, Activation::Relu6] {
                let stage = OutputStage::<3>::per_channel(
                    input,
                    [0.002, 0.9, 3.0e-7],
                    output,
                    activation,
                    rounding,
                );
                let view = stage.view();
                assert_eq!(view.input_offset(), stage.input_offset());
                for acc in [i32::MIN, -70_001, -3, 0, 5, 123_457, i32::MAX] {
                    for c in 0..3 {
                        assert_eq!(
                            view.finish(c, acc),
                            stage.finish(c, acc),
                            "{rounding:?} {c} {acc}"
                        );
                    }
                }
            }
        }
    }
}
