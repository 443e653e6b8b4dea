//! [`Int8Layer`] for every int8 layer: its weight bytes, its tensors' quantization, and its
//! source as a constant expression.

use core::fmt::{self, Write};

use super::{Int8Layer, argument, field, window};
use crate::quant::conv::Conv2d;
use crate::quant::conv1d::Conv1d;
use crate::quant::depthwise::DepthwiseConv2d;
use crate::quant::elementwise::{Flatten, Identity, Lookup, Refused, Relu, Relu6};
use crate::quant::fully_connected::FullyConnected;
use crate::quant::pad::Pad;
use crate::quant::params::QuantParams;
use crate::quant::pool::{AvgPool2d, MaxPool2d, Pool2d};

impl<const IN: usize, const OUT: usize> Int8Layer for FullyConnected<IN, OUT> {
    const WEIGHT_BYTES: usize = IN * OUT + 4 * OUT;

    fn input_params(&self) -> QuantParams {
        self.stage().input
    }

    fn output_params(&self) -> QuantParams {
        self.stage().output
    }

    /// A call of [`FullyConnected::new`], which derives what the layer keeps beside its parts.
    fn write_rust(&self, out: &mut dyn Write) -> fmt::Result {
        out.write_str("::nncore::quant::FullyConnected::new(")?;
        argument(out, self.weight())?;
        argument(out, self.bias())?;
        argument(out, self.stage())?;
        out.write_str("\n)")
    }
}

impl<const IN: usize, const OUT: usize, const KH: usize, const KW: usize> Int8Layer
    for Conv2d<IN, OUT, KH, KW>
{
    const WEIGHT_BYTES: usize = OUT * KH * KW * IN + 4 * OUT;

    fn input_params(&self) -> QuantParams {
        self.stage.input
    }

    fn output_params(&self) -> QuantParams {
        self.stage.output
    }

    /// A call of [`Conv2d::new`]: the layer keeps more than its parts on some targets.
    fn write_rust(&self, out: &mut dyn Write) -> fmt::Result {
        out.write_str("::nncore::quant::Conv2d::new(")?;
        argument(out, &self.weight)?;
        argument(out, &self.bias)?;
        argument(out, &self.stride)?;
        argument(out, &self.dilation)?;
        write!(out, "\n    ::nncore::quant::Padding::{:?},", self.padding)?;
        argument(out, &self.stage)?;
        out.write_str("\n)")
    }
}

impl<const IN: usize, const OUT: usize, const KH: usize, const KW: usize> Int8Layer
    for DepthwiseConv2d<IN, OUT, KH, KW>
{
    const WEIGHT_BYTES: usize = KH * KW * OUT + 4 * OUT;

    fn input_params(&self) -> QuantParams {
        self.stage.input
    }

    fn output_params(&self) -> QuantParams {
        self.stage.output
    }

    fn write_rust(&self, out: &mut dyn Write) -> fmt::Result {
        out.write_str("::nncore::quant::DepthwiseConv2d {")?;
        field(out, "weight", &self.weight)?;
        field(out, "bias", &self.bias)?;
        window(out, self.stride, Some(self.dilation), self.padding)?;
        field(out, "stage", &self.stage)?;
        out.write_str("\n}")
    }
}

impl<const IN: usize, const OUT: usize, const K: usize> Int8Layer for Conv1d<IN, OUT, K> {
    const WEIGHT_BYTES: usize = <Conv2d<IN, OUT, 1, K> as Int8Layer>::WEIGHT_BYTES;

    fn input_params(&self) -> QuantParams {
        self.0.stage.input
    }

    fn output_params(&self) -> QuantParams {
        self.0.stage.output
    }

    fn write_rust(&self, out: &mut dyn Write) -> fmt::Result {
        out.write_str("::nncore::quant::Conv1d(")?;
        self.0.write_rust(out)?;
        out.write_str(")")
    }
}

/// `Pool2d { .. }`.
fn write_pool(out: &mut dyn Write, pool: &Pool2d) -> fmt::Result {
    out.write_str("::nncore::quant::Pool2d {")?;
    field(out, "filter", &pool.filter)?;
    window(out, pool.stride, None, pool.padding)?;
    field(out, "clamp", &pool.clamp)?;
    field(out, "quant", &pool.quant)?;
    out.write_str("\n}")
}

macro_rules! pool {
    ($ty:ident) => {
        impl Int8Layer for $ty {
            const WEIGHT_BYTES: usize = 0;

            fn input_params(&self) -> QuantParams {
                self.0.quant
            }

            fn output_params(&self) -> QuantParams {
                self.0.quant
            }

            fn write_rust(&self, out: &mut dyn Write) -> fmt::Result {
                out.write_str(concat!("::nncore::quant::", stringify!($ty), "("))?;
                write_pool(out, &self.0)?;
                out.write_str(")")
            }
        }
    };
}
pool!(MaxPool2d);
pool!(AvgPool2d);

/// `Int8Layer` for a layer whose one field is `quant`, with the const generics it has (which
/// its written source leaves to inference).
macro_rules! same {
    ($ty:ident $(<$($c:ident),*>)?) => {
        impl$(<$(const $c: usize),*>)? Int8Layer for $ty$(<$($c),*>)? {
            const WEIGHT_BYTES: usize = 0;

            fn input_params(&self) -> QuantParams {
                self.quant
            }

            fn output_params(&self) -> QuantParams {
                self.quant
            }

            fn write_rust(&self, out: &mut dyn Write) -> fmt::Result {
                out.write_str(concat!("::nncore::quant::", stringify!($ty), " {"))?;
                field(out, "quant", &self.quant)?;
                out.write_str("\n}")
            }
        }
    };
}
same!(Relu);
same!(Relu6);
same!(Identity);
same!(Flatten);
same!(Pad<LEFT, RIGHT, TOP, BOTTOM>);

impl Int8Layer for Lookup {
    const WEIGHT_BYTES: usize = 256;

    fn input_params(&self) -> QuantParams {
        self.input
    }

    fn output_params(&self) -> QuantParams {
        self.output
    }

    fn write_rust(&self, out: &mut dyn Write) -> fmt::Result {
        out.write_str("::nncore::quant::Lookup {")?;
        field(out, "input", &self.input)?;
        field(out, "output", &self.output)?;
        field(out, "table", &self.table)?;
        out.write_str("\n}")
    }
}

impl Int8Layer for Refused {
    const WEIGHT_BYTES: usize = 0;

    fn input_params(&self) -> QuantParams {
        match *self {}
    }

    fn output_params(&self) -> QuantParams {
        match *self {}
    }

    fn write_rust(&self, _: &mut dyn Write) -> fmt::Result {
        match *self {}
    }
}
