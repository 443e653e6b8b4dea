//! The float layers that move values without weights: pooling, flattening, zero padding, and
//! those that pass their input on (Dropout, Identity, a folded BatchNorm).

use crate::error::Error;
use crate::layers;
use crate::quant::conv::Padding;
use crate::quant::elementwise::{Flatten, Identity};
use crate::quant::pad::Pad;
use crate::quant::params::Activation;
use crate::quant::pool::{AvgPool2d, MaxPool2d, Pool2d};
use crate::quant::quantize::{Norm, Plan, Quantize, Role};

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
