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

use super::conv::{Conv2d, Padding};
use super::conv1d::Conv1d;
use super::elementwise::{Flatten, Identity, Lookup, Refused, Relu, Relu6};
use super::fully_connected::FullyConnected;
use super::pad::Pad;
use super::params::{Activation, OutputStage, QuantParams};
use super::pool::{AvgPool2d, MaxPool2d, Pool2d};
use super::ptq::{bias_value, symmetric_row};
use super::quantize::{Norm, Plan, Quantize, Role};
use crate::error::Error;
use crate::layers;
use crate::layers::activation::elementwise::Elementwise;

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

/// A pooling window of `filter` every `stride`, padded by `padding`, quantized as its input.
fn pool(filter: [usize; 2], stride: [usize; 2], padding: [usize; 2], plan: &Plan<'_>) -> Pool2d {
    Pool2d::new(
        filter,
        stride,
        Padding::Explicit(padding),
        Activation::None,
        plan.input,
    )
}

const PADDED_AVERAGE: &str = "an average pooling with padding divides by the whole window, \
                              padding included (PyTorch's `count_include_pad`), and TensorFlow \
                              Lite's leaves the padding out: quantize it with `padding = 0`";

/// An average pooling with no padding.
fn average(
    filter: [usize; 2],
    stride: [usize; 2],
    padding: [usize; 2],
    plan: &Plan<'_>,
) -> Result<AvgPool2d, Error> {
    if padding != [0, 0] {
        return Err(Error::NotQuantizable {
            layer: plan.name,
            reason: PADDED_AVERAGE,
        });
    }
    Ok(AvgPool2d(pool(filter, stride, padding, plan)))
}

impl Quantize for layers::pool::max_pool::MaxPool2d {
    type Quantized = MaxPool2d;
    const ROLE: Role = Role::Shape;

    fn quantize(&self, plan: &Plan<'_>) -> Result<Self::Quantized, Error> {
        Ok(MaxPool2d(pool(
            self.kernel_size,
            self.stride,
            self.padding,
            plan,
        )))
    }
}

impl Quantize for layers::pool::max_pool::MaxPool1d {
    type Quantized = MaxPool2d;
    const ROLE: Role = Role::Shape;

    fn quantize(&self, plan: &Plan<'_>) -> Result<Self::Quantized, Error> {
        let (k, s, p) = (self.kernel_size, self.stride, self.padding);
        Ok(MaxPool2d(pool([1, k], [1, s], [0, p], plan)))
    }
}

impl Quantize for layers::pool::avg_pool::AvgPool2d {
    type Quantized = AvgPool2d;
    const ROLE: Role = Role::Shape;

    fn quantize(&self, plan: &Plan<'_>) -> Result<Self::Quantized, Error> {
        average(self.kernel_size, self.stride, self.padding, plan)
    }
}

impl Quantize for layers::pool::avg_pool::AvgPool1d {
    type Quantized = AvgPool2d;
    const ROLE: Role = Role::Shape;

    fn quantize(&self, plan: &Plan<'_>) -> Result<Self::Quantized, Error> {
        let (k, s, p) = (self.kernel_size, self.stride, self.padding);
        average([1, k], [1, s], [0, p], plan)
    }
}

impl Quantize for layers::shape::flatten::Flatten {
    type Quantized = Flatten;
    const ROLE: Role = Role::Shape;

    fn quantize(&self, plan: &Plan<'_>) -> Result<Self::Quantized, Error> {
        Ok(Flatten { quant: plan.input })
    }
}

impl Quantize for layers::activation::relu::ReLU {
    type Quantized = Relu;
    const ROLE: Role = Role::Relu;

    fn quantize(&self, plan: &Plan<'_>) -> Result<Self::Quantized, Error> {
        Ok(Relu { quant: plan.input })
    }
}

impl Quantize for layers::activation::relu6::ReLU6 {
    type Quantized = Relu6;
    const ROLE: Role = Role::Relu6;

    fn quantize(&self, plan: &Plan<'_>) -> Result<Self::Quantized, Error> {
        Ok(Relu6 { quant: plan.input })
    }
}

impl<const LEFT: usize, const RIGHT: usize> Quantize
    for layers::shape::zero_pad::ZeroPad1d<LEFT, RIGHT>
{
    type Quantized = Pad<LEFT, RIGHT, 0, 0>;
    const ROLE: Role = Role::Shape;

    fn quantize(&self, plan: &Plan<'_>) -> Result<Self::Quantized, Error> {
        Ok(Pad { quant: plan.input })
    }
}

impl<const LEFT: usize, const RIGHT: usize, const TOP: usize, const BOTTOM: usize> Quantize
    for layers::shape::zero_pad::ZeroPad2d<LEFT, RIGHT, TOP, BOTTOM>
{
    type Quantized = Pad<LEFT, RIGHT, TOP, BOTTOM>;
    const ROLE: Role = Role::Shape;

    fn quantize(&self, plan: &Plan<'_>) -> Result<Self::Quantized, Error> {
        Ok(Pad { quant: plan.input })
    }
}

macro_rules! identity {
    ($ty:ty, $role:expr $(, $norm:ident, $c:ident)?) => {
        impl$(<const $c: usize>)? Quantize for $ty {
            type Quantized = Identity;
            const ROLE: Role = $role;

            fn quantize(&self, plan: &Plan<'_>) -> Result<Self::Quantized, Error> {
                Ok(Identity { quant: plan.input })
            }

            $(
                fn $norm(&self) -> Option<&dyn Norm> {
                    Some(self)
                }
            )?
        }
    };
}
identity!(layers::norm::dropout::Dropout, Role::Skip);
identity!(layers::activation::identity::Identity, Role::Skip);
identity!(
    layers::norm::batch_norm::BatchNorm1d<C>,
    Role::Norm,
    norm,
    C
);
identity!(
    layers::norm::batch_norm::BatchNorm2d<C>,
    Role::Norm,
    norm,
    C
);

/// TensorFlow Lite's fixed output quantization of `TANH` and `LOGISTIC`: the ranges (−1, 1) and
/// (0, 1) over all 256 values.
const TANH: QuantParams = QuantParams::new(1.0 / 128.0, 0);
const LOGISTIC: QuantParams = QuantParams::new(1.0 / 256.0, -128);

macro_rules! table {
    ($ty:ty, $fixed:expr) => {
        impl Quantize for $ty {
            type Quantized = Lookup;
            const ROLE: Role = Role::Table($fixed);

            fn quantize(&self, plan: &Plan<'_>) -> Result<Self::Quantized, Error> {
                Ok(Lookup::new(plan.input, plan.output, |x| self.value(x)))
            }
        }
    };
}
table!(layers::activation::tanh::Tanh, Some(TANH));
table!(layers::activation::sigmoid::Sigmoid, Some(LOGISTIC));
table!(layers::activation::leaky_relu::LeakyReLU, None);
table!(layers::activation::gelu::GELU, None);
table!(layers::activation::silu::SiLU, None);
table!(layers::activation::softplus::Softplus, None);
table!(layers::activation::elu::ELU, None);

/// TensorFlow Lite's int8 `HARD_SWISH` ([`HardSwish`](super::HardSwish)'s fixed point) as a
/// table, its output calibrated as the converter calibrates it.
impl Quantize for layers::activation::hardswish::Hardswish {
    type Quantized = Lookup;
    const ROLE: Role = Role::Table(None);

    fn quantize(&self, plan: &Plan<'_>) -> Result<Self::Quantized, Error> {
        match super::HardSwish::new(plan.input, plan.output) {
            Some(hard_swish) => Ok(hard_swish.lookup()),
            None => Err(Error::NotQuantizable {
                layer: plan.name,
                reason: "`Hardswish`'s output range is below 1/128 of its input's, which TensorFlow Lite's int8 HARD_SWISH cannot rescale to",
            }),
        }
    }
}
table!(layers::activation::hardsigmoid::Hardsigmoid, None);

macro_rules! refused {
    ($ty:ty, $reason:literal) => {
        impl Quantize for $ty {
            type Quantized = Refused;
            const ROLE: Role = Role::Refused($reason);

            fn quantize(&self, plan: &Plan<'_>) -> Result<Self::Quantized, Error> {
                Err(Error::NotQuantizable {
                    layer: plan.name,
                    reason: $reason,
                })
            }
        }
    };
}
/// TensorFlow Lite's `SOFTMAX`: the logits' quantization calibrated, the output's fixed.
impl Quantize for layers::activation::softmax::Softmax {
    type Quantized = super::softmax::Softmax;
    const ROLE: Role = Role::Table(Some(super::softmax::SOFTMAX_OUTPUT));

    fn quantize(&self, plan: &Plan<'_>) -> Result<Self::Quantized, Error> {
        Ok(super::softmax::Softmax::new(plan.input, 1.0))
    }
}

refused!(
    layers::activation::softmax::LogSoftmax,
    "`LogSoftmax` has no int8 form here: quantize the model up to its logits (the largest logit is the most probable class)"
);
refused!(
    layers::pool::adaptive_avg_pool::AdaptiveAvgPool1d,
    "`AdaptiveAvgPool1d` has no int8 form here: an `AvgPool1d` whose window and stride are the input length over the output length computes the same"
);
refused!(
    layers::pool::adaptive_avg_pool::AdaptiveAvgPool2d,
    "`AdaptiveAvgPool2d` has no int8 form here: an `AvgPool2d` whose window and stride are the input size over the output size computes the same"
);
