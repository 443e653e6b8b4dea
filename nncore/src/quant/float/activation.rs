//! The float activations in int8: ReLU and ReLU6 as clamps, the others as lookup tables or
//! TensorFlow Lite's softmax, and the layers that have no int8 form.

use crate::error::Error;
use crate::layers;
use crate::layers::activation::elementwise::Elementwise;
use crate::quant::HardSwish;
use crate::quant::elementwise::{Lookup, Refused, Relu, Relu6};
use crate::quant::params::QuantParams;
use crate::quant::quantize::{Plan, Quantize, Role};
use crate::quant::softmax;

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

/// TensorFlow Lite's int8 `HARD_SWISH` ([`HardSwish`]'s fixed point) as a
/// table, its output calibrated as the converter calibrates it.
impl Quantize for layers::activation::hardswish::Hardswish {
    type Quantized = Lookup;
    const ROLE: Role = Role::Table(None);

    fn quantize(&self, plan: &Plan<'_>) -> Result<Self::Quantized, Error> {
        match HardSwish::new(plan.input, plan.output) {
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
    type Quantized = softmax::Softmax;
    const ROLE: Role = Role::Table(Some(softmax::SOFTMAX_OUTPUT));

    fn quantize(&self, plan: &Plan<'_>) -> Result<Self::Quantized, Error> {
        Ok(softmax::Softmax::new(plan.input, 1.0))
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
