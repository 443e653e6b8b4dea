//! The output stage of TensorFlow Lite Micro's rounding on Arm microcontrollers, one channel's
//! constants worked out once: [`DoubleStage::finish`] is the DSP extension's (`arm.rs`) or
//! Thumb-1's (`thumb.rs`).

/// One channel's [`crate::quant::OutputStage::finish`] with TensorFlow Lite Micro's two
/// roundings (`Rounding::Double`): gemmlowp's `SaturatingRoundingDoublingHighMul`, its
/// `RoundingDivideByPOT` (the exponent at most 31), the zero point added with saturation and
/// the clamp, for a right shift or none (and on Thumb-1 a nonnegative mantissa).
#[derive(Clone, Copy)]
pub(crate) struct DoubleStage {
    pub(super) mantissa: i32,
    pub(super) exponent: u32,
    /// `2^exponent − 1`.
    pub(super) mask: i32,
    pub(super) zero_point: i32,
    clamp: [i32; 2],
}

impl DoubleStage {
    /// The stage of a channel whose multiplier is `m`; `None` for a left shift, or on Thumb-1 a
    /// negative mantissa (the caller takes the portable path).
    #[inline(always)]
    pub(crate) fn new(
        m: crate::quant::Multiplier,
        zero_point: i32,
        clamp: [i8; 2],
    ) -> Option<Self> {
        if m.shift > 0 || (cfg!(not(nn_arm_dsp)) && m.mantissa < 0) {
            return None;
        }
        let exponent = m.shift.unsigned_abs().min(31);
        Some(DoubleStage {
            mantissa: m.mantissa,
            exponent,
            mask: ((1u32 << exponent) - 1) as i32,
            zero_point,
            clamp: [clamp[0] as i32, clamp[1] as i32],
        })
    }

    /// `q` clamped to the activation's range.
    #[inline(always)]
    pub(super) fn clamp(&self, q: i32) -> i8 {
        let [lo, hi] = self.clamp;
        if q < lo {
            lo as i8
        } else if q > hi {
            hi as i8
        } else {
            q as i8
        }
    }
}
