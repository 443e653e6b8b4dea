//! [`Quantize`] for every float layer `sequential!` knows (`crate::layers`): what it becomes in
//! int8.
//!
//! | float layer | int8 layer | role |
//! | --- | --- | --- |
//! | `Linear`, `LinearNoBias` | [`FullyConnected`] | weights |
//! | `Conv2d` (any groups) | [`Conv2d`] | weights |
//! | `Conv1d` | [`Conv1d`], a `Conv2d` over one row | weights |
//! | `BatchNorm1d`, `BatchNorm2d` | [`Identity`], folded into the layer before | norm |
//! | `ReLU` | fused into the layer before, else [`Relu`] | ReLU |
//! | `ReLU6` | fused into the layer before, else [`Relu6`] | ReLU6 |
//! | `MaxPool1d`, `MaxPool2d`, `AvgPool1d`, `AvgPool2d` (no padding) | [`MaxPool2d`], [`AvgPool2d`] | shape |
//! | `Flatten` | [`Flatten`] | shape |
//! | `ZeroPad1d`, `ZeroPad2d` | [`Pad`], with the input's zero point | shape |
//! | `Dropout`, `Identity` | [`Identity`] | skip |
//! | `Tanh`, `Sigmoid` | [`Lookup`], output fixed as TensorFlow Lite fixes it | table |
//! | `LeakyReLU`, `GELU`, `SiLU`, `Softplus`, `ELU`, `Hardsigmoid` | [`Lookup`], output calibrated | table |
//! | `Hardswish` | [`Lookup`] of TensorFlow Lite's `HARD_SWISH` fixed point, output calibrated | table |
//! | `Softmax` | [`Softmax`](super::Softmax), output fixed at scale 1/256, zero point −128 | table |
//! | `LogSoftmax`, `AdaptiveAvgPool1d`, `AdaptiveAvgPool2d` | none ([`Refused`]) | refused |
//!
//! [`AvgPool2d`]: super::AvgPool2d
//! [`Flatten`]: super::Flatten
//! [`Identity`]: super::Identity
//! [`Lookup`]: super::Lookup
//! [`MaxPool2d`]: super::MaxPool2d
//! [`Pad`]: super::Pad
//! [`Refused`]: super::Refused
//! [`Relu`]: super::Relu
//! [`Relu6`]: super::Relu6

use super::conv::{Conv2d, Padding};
use super::conv1d::Conv1d;
use super::fully_connected::FullyConnected;
use super::params::OutputStage;
use super::ptq::{bias_value, symmetric_row};
use super::quantize::{Plan, Quantize, Role};
use crate::error::Error;
use crate::layers;

mod activation;
mod shape;

/// Output channel `o`'s float weights `row`, with the plan's BatchNorm folded in (in place), into
/// `q`; returns the channel's weight scale and int32 bias.
fn channel(
    row: &mut [f32],
    bias: f32,
    o: usize,
    plan: &Plan<'_>,
    q: &mut [i8],
) -> Result<(f32, i32), Error> {
    let mut bias = bias;
    if let Some(norm) = plan.norm {
        let [scale, mean, shift] = norm.channel(o);
        for w in row.iter_mut() {
            *w *= scale;
        }
        bias = (bias - mean) * scale + shift;
    }
    let weight_scale = symmetric_row(row, q)?;
    if !bias.is_finite() {
        return Err(Error::NotFinite { what: "a bias" });
    }
    Ok((
        weight_scale,
        bias_value(bias, plan.input.scale * weight_scale),
    ))
}

/// The plan's BatchNorm maps `channels` channels, if there is one.
fn check_norm(plan: &Plan<'_>, channels: usize) -> Result<(), Error> {
    match plan.norm {
        Some(norm) if norm.channels() != channels => Err(Error::NotQuantizable {
            layer: plan.name,
            reason: "the BatchNorm after it has another number of channels",
        }),
        _ => Ok(()),
    }
}

/// The output stage of a layer with these per-channel weight scales.
fn stage<const OUT: usize>(plan: &Plan<'_>, scales: [f32; OUT]) -> OutputStage<OUT> {
    OutputStage::per_channel(
        plan.input,
        scales,
        plan.output,
        plan.activation,
        plan.rounding,
    )
}

fn fully_connected<const IN: usize, const OUT: usize>(
    weight: &[[f32; IN]; OUT],
    bias: Option<&[f32; OUT]>,
    plan: &Plan<'_>,
) -> Result<FullyConnected<IN, OUT>, Error> {
    check_norm(plan, OUT)?;
    let (mut q, mut b, mut scales) = ([[0i8; IN]; OUT], [0i32; OUT], [1.0f32; OUT]);
    for o in 0..OUT {
        let mut row = weight[o];
        let float_bias = bias.map_or(0.0, |b| b[o]);
        (scales[o], b[o]) = channel(&mut row, float_bias, o, plan, &mut q[o])?;
    }
    Ok(FullyConnected::new(q, b, stage(plan, scales)))
}

impl<const IN: usize, const OUT: usize> Quantize for layers::dense::linear::Linear<IN, OUT> {
    type Quantized = FullyConnected<IN, OUT>;
    const ROLE: Role = Role::Weights;

    fn quantize(&self, plan: &Plan<'_>) -> Result<Self::Quantized, Error> {
        fully_connected(&self.weight, Some(&self.bias), plan)
    }
}

impl<const IN: usize, const OUT: usize> Quantize for layers::dense::linear::LinearNoBias<IN, OUT> {
    type Quantized = FullyConnected<IN, OUT>;
    const ROLE: Role = Role::Weights;

    fn quantize(&self, plan: &Plan<'_>) -> Result<Self::Quantized, Error> {
        fully_connected(&self.weight, None, plan)
    }
}

impl<const IPG: usize, const OUT: usize, const KH: usize, const KW: usize, const BIAS: bool>
    Quantize for layers::conv::conv2d::Conv2d<IPG, OUT, KH, KW, BIAS>
{
    type Quantized = Conv2d<IPG, OUT, KH, KW>;
    const ROLE: Role = Role::Weights;

    /// The weights from PyTorch's `[out][in][kh][kw]` to TensorFlow Lite's `[out][kh][kw][in]`.
    fn quantize(&self, plan: &Plan<'_>) -> Result<Self::Quantized, Error> {
        check_norm(plan, OUT)?;
        let (mut q, mut b, mut scales) = ([[[[0i8; IPG]; KW]; KH]; OUT], [0i32; OUT], [1.0; OUT]);
        for o in 0..OUT {
            let mut row = self.weight[o];
            let mut chw = [[[0i8; KW]; KH]; IPG];
            (scales[o], b[o]) = channel(
                row.as_flattened_mut().as_flattened_mut(),
                self.bias[o],
                o,
                plan,
                chw.as_flattened_mut().as_flattened_mut(),
            )?;
            q[o] = core::array::from_fn(|kh| {
                core::array::from_fn(|kw| core::array::from_fn(|c| chw[c][kh][kw]))
            });
        }
        let padding = Padding::Explicit(self.padding);
        let stage = stage(plan, scales);
        Ok(Conv2d::new(
            q,
            b,
            self.stride,
            self.dilation,
            padding,
            stage,
        ))
    }
}

impl<const IPG: usize, const OUT: usize, const K: usize, const BIAS: bool> Quantize
    for layers::conv::conv1d::Conv1d<IPG, OUT, K, BIAS>
{
    type Quantized = Conv1d<IPG, OUT, K>;
    const ROLE: Role = Role::Weights;

    /// The weights from PyTorch's `[out][in][k]` to `[out][1][k][in]`.
    fn quantize(&self, plan: &Plan<'_>) -> Result<Self::Quantized, Error> {
        check_norm(plan, OUT)?;
        let (mut q, mut b, mut scales) = ([[[[0i8; IPG]; K]; 1]; OUT], [0i32; OUT], [1.0; OUT]);
        for o in 0..OUT {
            let mut row = self.weight[o];
            let mut ck = [[0i8; K]; IPG];
            (scales[o], b[o]) = channel(
                row.as_flattened_mut(),
                self.bias[o],
                o,
                plan,
                ck.as_flattened_mut(),
            )?;
            q[o] = [core::array::from_fn(|k| core::array::from_fn(|c| ck[c][k]))];
        }
        let (s, d, p) = (self.stride, self.dilation, self.padding);
        let stage = stage(plan, scales);
        let conv = Conv2d::new(q, b, [1, s], [1, d], Padding::Explicit([0, p]), stage);
        Ok(Conv1d(conv))
    }
}
