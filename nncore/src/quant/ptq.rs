//! Post-training quantization from float, as TensorFlow Lite's converter does it: int8 weights
//! symmetric per output channel, int32 biases at `input_scale · weight_scale`, and int8
//! activations with a scale and zero point from the min/max seen over calibration data.

use super::fixed::{Rounding, round_to_i32};
use super::fully_connected::FullyConnected;
use super::params::{Activation, OutputStage, QuantParams};
use crate::error::Error;
use crate::layers::dense::linear::Linear;

/// The running min and max of the values one tensor takes over calibration data.
///
/// TensorFlow Lite's calibrator keeps exactly this (no averaging, no histogram); min/max is the
/// one calibration method offered here.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct MinMax {
    range: Option<[f32; 2]>,
}

impl MinMax {
    /// Nothing observed yet.
    #[must_use]
    pub const fn new() -> Self {
        MinMax { range: None }
    }

    /// Widens the range to include every value of `values`.
    ///
    /// # Errors
    /// [`Error::NotFinite`] if a value is NaN or infinite (the range is left as it was).
    pub fn observe(&mut self, values: &[f32]) -> Result<(), Error> {
        if values.iter().any(|v| !v.is_finite()) {
            return Err(Error::NotFinite {
                what: "a calibration value",
            });
        }
        for &v in values {
            let [lo, hi] = self.range.get_or_insert([v, v]);
            *lo = lo.min(v);
            *hi = hi.max(v);
        }
        Ok(())
    }

    /// `[min, max]` of everything observed, if anything was.
    #[must_use]
    pub const fn range(&self) -> Option<[f32; 2]> {
        self.range
    }

    /// The asymmetric int8 parameters of the observed range: [`asymmetric`].
    ///
    /// # Errors
    /// [`Error::Uncalibrated`] if nothing was observed.
    pub fn params(&self) -> Result<QuantParams, Error> {
        self.range
            .map(|[lo, hi]| asymmetric(lo, hi))
            .ok_or(Error::Uncalibrated)
    }
}

/// Asymmetric int8 parameters for real values in `[min, max]`, as TensorFlow Lite's converter
/// computes them (MLIR's `getNudgedScaleAndZeroPoint`, in `f64`): the range is first widened to
/// include 0, `scale = (max − min) / 255`, and the zero point is `−128 − min / scale` (or
/// `127 − max / scale`, whichever has the smaller rounding error) rounded half away from zero,
/// so that real 0 is exactly representable. The scale is then stored as `f32`.
///
/// A range that is a single point (all zeros) gets scale 1 and zero point 0.
#[must_use]
pub fn asymmetric(min: f32, max: f32) -> QuantParams {
    let (qmin, qmax) = (i8::MIN as f64, i8::MAX as f64);
    let min = (min as f64).min(0.0);
    let max = (max as f64).max(0.0);
    if min == max {
        return QuantParams::new(1.0, 0);
    }
    let scale = (max - min) / (qmax - qmin);
    let from_min = qmin - min / scale;
    let from_max = qmax - max / scale;
    let zero_point = if qmin.abs() + (min / scale).abs() < qmax.abs() + (max / scale).abs() {
        from_min
    } else {
        from_max
    };
    let zero_point = round_to_i32(zero_point.clamp(qmin, qmax)) as i8;
    QuantParams::new(scale as f32, zero_point)
}

/// Symmetric per-output-channel int8 weights: row `o`'s scale is `max |w| / 127` and its values
/// `round(w · 127 / max |w|)` in `f32`, half away from zero, within `[-127, 127]` (TensorFlow
/// Lite's `SymmetricPerChannelQuantization`). An all-zero row gets scale 1 (TensorFlow Lite's
/// scale 0 would also zero the row's bias).
///
/// # Errors
/// [`Error::NotFinite`] if a weight is NaN or infinite.
pub fn symmetric_per_channel<const IN: usize, const OUT: usize>(
    weight: &[[f32; IN]; OUT],
) -> Result<([[i8; IN]; OUT], [f32; OUT]), Error> {
    let mut q = [[0i8; IN]; OUT];
    let mut scales = [1.0f32; OUT];
    for ((row, q), scale) in weight.iter().zip(&mut q).zip(&mut scales) {
        *scale = symmetric_row(row, q)?;
    }
    Ok((q, scales))
}

/// One output channel's weights `row` into `q` as [`symmetric_per_channel`] quantizes a row;
/// returns its scale.
pub(crate) fn symmetric_row(row: &[f32], q: &mut [i8]) -> Result<f32, Error> {
    if row.iter().any(|w| !w.is_finite()) {
        return Err(Error::NotFinite { what: "a weight" });
    }
    let half_range = row.iter().fold(0.0f32, |m, w| m.max(w.abs()));
    if half_range == 0.0 {
        q.fill(0);
        return Ok(1.0);
    }
    let inverse = 127.0 / half_range;
    for (q, &w) in q.iter_mut().zip(row) {
        *q = round_to_i32((w * inverse) as f64).clamp(-127, 127) as i8;
    }
    Ok(half_range / 127.0)
}

/// Int32 biases at scale `input_scale · weight_scale[o]` (the product in `f32`): `round(b · (1 /
/// scale))`, half away from zero, within `±(2^31 − 1)` (TensorFlow Lite's
/// `SymmetricPerChannelBiasQuantize`).
///
/// # Errors
/// [`Error::NotFinite`] if a bias is NaN or infinite.
pub fn quantize_bias<const OUT: usize>(
    bias: &[f32; OUT],
    input_scale: f32,
    weight_scale: &[f32; OUT],
) -> Result<[i32; OUT], Error> {
    if bias.iter().any(|b| !b.is_finite()) {
        return Err(Error::NotFinite { what: "a bias" });
    }
    Ok(core::array::from_fn(|o| {
        bias_value(bias[o], input_scale * weight_scale[o])
    }))
}

/// One bias at `scale` as [`quantize_bias`] quantizes it: `round(b · (1 / scale))`.
pub(crate) fn bias_value(bias: f32, scale: f32) -> i32 {
    let inverse = if scale == 0.0 {
        0.0
    } else {
        (1.0 / scale as f64) as f32
    };
    round_to_i32((bias * inverse) as f64).max(-i32::MAX)
}

/// A float [`Linear`] as an int8 [`FullyConnected`]: weights per output channel
/// ([`symmetric_per_channel`]), biases at `input.scale · weight_scale` ([`quantize_bias`]), and
/// the output stage for `input`, `output` (from calibration, e.g. [`MinMax::params`]) and a fused
/// `activation`.
///
/// `rounding` picks the rescale: [`Rounding::Float`] computes what TensorFlow Lite's interpreter
/// computes for `FULLY_CONNECTED`, [`Rounding::Double`] what TensorFlow Lite Micro computes.
///
/// # Errors
/// [`Error::NotFinite`] if a weight or a bias is NaN or infinite, or a scale is not positive and
/// finite.
pub fn quantize_linear<const IN: usize, const OUT: usize>(
    linear: &Linear<IN, OUT>,
    input: QuantParams,
    output: QuantParams,
    activation: Activation,
    rounding: Rounding,
) -> Result<FullyConnected<IN, OUT>, Error> {
    for p in [input, output] {
        if !(p.scale.is_finite() && p.scale > 0.0) {
            return Err(Error::NotFinite {
                what: "a tensor scale",
            });
        }
    }
    let (weight, scales) = symmetric_per_channel(&linear.weight)?;
    let bias = quantize_bias(&linear.bias, input.scale, &scales)?;
    let stage = OutputStage::per_channel(input, scales, output, activation, rounding);
    Ok(FullyConnected::new(weight, bias, stage))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn activation_ranges_include_zero_and_represent_it_exactly() {
        // [0, 1]: scale 1/255, zero point -128 (the digits models' input).
        assert_eq!(asymmetric(0.0, 1.0), QuantParams::new(1.0 / 255.0, -128));
        // A range above 0 is widened down to it.
        assert_eq!(asymmetric(0.5, 1.0), QuantParams::new(1.0 / 255.0, -128));
        // A symmetric range cannot centre 0 on 255 steps: -0.5 rounds away from zero.
        let p = asymmetric(-1.0, 1.0);
        assert_eq!(p.scale, (2.0f64 / 255.0) as f32);
        assert_eq!(p.zero_point, -1);
        assert_eq!(asymmetric(-3.0, 0.0).zero_point, 127);
        assert_eq!(asymmetric(0.0, 0.0), QuantParams::new(1.0, 0));
        for (lo, hi) in [(-0.3, 2.9), (-7.0, 0.01), (-1e-3, 5e-4)] {
            let p = asymmetric(lo, hi);
            assert_eq!(p.dequantize(p.zero_point), 0.0);
            // Both ends are within one step of the grid's.
            assert!(
                (p.dequantize(-128) - lo.min(0.0)).abs() <= p.scale,
                "{lo}..{hi}: {p:?}"
            );
            assert!(
                (p.dequantize(127) - hi.max(0.0)).abs() <= p.scale,
                "{lo}..{hi}: {p:?}"
            );
        }
    }

    #[test]
    fn calibration_tracks_the_extremes() {
        let mut mm = MinMax::new();
        assert_eq!(mm.params(), Err(Error::Uncalibrated));
        mm.observe(&[0.5, -0.25]).unwrap();
        mm.observe(&[2.0]).unwrap();
        assert_eq!(mm.range(), Some([-0.25, 2.0]));
        assert_eq!(
            mm.observe(&[1.0, f32::NAN]),
            Err(Error::NotFinite {
                what: "a calibration value"
            })
        );
        assert_eq!(mm.range(), Some([-0.25, 2.0]));
        assert_eq!(mm.params(), Ok(asymmetric(-0.25, 2.0)));
    }

    #[test]
    fn weights_use_the_full_symmetric_range_per_row() {
        let w = [[0.5, -1.0, 0.25], [0.0, 0.0, 0.0], [3.0, 1.5, -0.75]];
        let (q, s) = symmetric_per_channel(&w).unwrap();
        assert_eq!(s, [1.0 / 127.0, 1.0, 3.0 / 127.0]);
        assert_eq!(q, [[64, -127, 32], [0, 0, 0], [127, 64, -32]]);
        let bad = [[f32::INFINITY]];
        assert_eq!(
            symmetric_per_channel(&bad),
            Err(Error::NotFinite { what: "a weight" })
        );
    }

    #[test]
    fn biases_are_at_the_product_scale() {
        let b = quantize_bias(&[1.0, -0.5, 1e9], 0.5, &[0.25, 0.01, 1e-9]).unwrap();
        assert_eq!(b, [8, -100, i32::MAX]);
    }
}
