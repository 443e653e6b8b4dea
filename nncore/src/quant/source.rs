//! What an int8 layer tells about itself ([`Int8Layer`]: its tensors' quantization, its bytes of
//! constant data, and itself as Rust source), and what a quantized model tells the exporter
//! ([`Int8Model`]).
//!
//! The source is a constant expression with the layer's exact values and absolute paths
//! (`::nncore::quant::Conv2d::new(..)`, `::nncore::quant::DepthwiseConv2d { .. }`), so a model
//! exported by [`crate::export::write_rust_const_int8`] compiles into a `const` anywhere,
//! `no_std` included.

use core::fmt::{self, Write};

use super::add::Add;
use super::fixed::Multiplier;
use super::params::{Activation, OutputStage, QuantParams};

mod layers;

/// An int8 layer of a quantized model.
pub trait Int8Layer {
    /// Its constant data in bytes: int8 weights, int32 biases, lookup tables.
    const WEIGHT_BYTES: usize;

    /// The input's quantization.
    fn input_params(&self) -> QuantParams;

    /// The output's quantization.
    fn output_params(&self) -> QuantParams;

    /// The layer as a Rust constant expression, bit for bit.
    ///
    /// # Errors
    /// Only those of `out`.
    fn write_rust(&self, out: &mut dyn Write) -> fmt::Result;
}

/// A quantized model written by `sequential!` (`NetInt8` for `Net`).
pub trait Int8Model {
    /// The layers' constant data in bytes.
    const WEIGHT_BYTES: usize;

    /// The model's fields as the body of a struct expression, `{ fc1: .., act: .., }`, each
    /// written by [`Int8Layer::write_rust`].
    ///
    /// # Errors
    /// Only those of `out`.
    fn write_fields(&self, out: &mut dyn Write) -> fmt::Result;
}

/// A value written as Rust source.
trait Literal {
    /// A number, written inline (arrays of them wrap every [`PER_LINE`] values).
    const NUMBER: bool = true;

    fn write(&self, out: &mut dyn Write) -> fmt::Result;
}

/// Numbers a line in an array.
const PER_LINE: usize = 20;

macro_rules! integer {
    ($($ty:ty),*) => {$(
        impl Literal for $ty {
            fn write(&self, out: &mut dyn Write) -> fmt::Result {
                write!(out, "{self}")
            }
        }
    )*};
}
integer!(i8, i32, usize);

/// Finite values as the shortest decimal that reads back the same; others by their bits.
impl Literal for f32 {
    fn write(&self, out: &mut dyn Write) -> fmt::Result {
        if self.is_finite() {
            write!(out, "{self:?}")
        } else {
            write!(out, "f32::from_bits({:#010x})", self.to_bits())
        }
    }
}

impl Literal for Multiplier {
    const NUMBER: bool = false;

    fn write(&self, out: &mut dyn Write) -> fmt::Result {
        let Multiplier { mantissa, shift } = self;
        write!(
            out,
            "::nncore::quant::Multiplier {{ mantissa: {mantissa}, shift: {shift} }}"
        )
    }
}

/// Short arrays of numbers on one line; others one element (or [`PER_LINE`] numbers) a line.
impl<T: Literal, const N: usize> Literal for [T; N] {
    const NUMBER: bool = false;

    fn write(&self, out: &mut dyn Write) -> fmt::Result {
        if T::NUMBER && N <= PER_LINE {
            out.write_str("[")?;
            for (i, value) in self.iter().enumerate() {
                if i > 0 {
                    out.write_str(", ")?;
                }
                value.write(out)?;
            }
            return out.write_str("]");
        }
        out.write_str("[")?;
        let per_line = if T::NUMBER { PER_LINE } else { 1 };
        for (i, value) in self.iter().enumerate() {
            out.write_str(if i % per_line == 0 { "\n    " } else { " " })?;
            value.write(&mut Indented(out))?;
            out.write_str(",")?;
        }
        out.write_str("\n]")
    }
}

/// Writes through to `0`, indenting every new line by four spaces.
struct Indented<'a>(&'a mut dyn Write);

impl Write for Indented<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for (i, line) in s.split('\n').enumerate() {
            if i > 0 {
                self.0.write_str("\n    ")?;
            }
            self.0.write_str(line)?;
        }
        Ok(())
    }
}

/// `name: layer,` on a line of its own, indented, in the struct expression of a model.
pub fn write_field<L: Int8Layer>(out: &mut dyn Write, name: &str, layer: &L) -> fmt::Result {
    write!(out, "\n    {name}: ")?;
    layer.write_rust(&mut Indented(out))?;
    out.write_str(",")
}

impl Literal for QuantParams {
    const NUMBER: bool = false;

    fn write(&self, out: &mut dyn Write) -> fmt::Result {
        out.write_str("::nncore::quant::QuantParams::new(")?;
        self.scale.write(out)?;
        write!(out, ", {})", self.zero_point)
    }
}

impl<const N: usize> Literal for OutputStage<N> {
    const NUMBER: bool = false;

    /// `OutputStage::per_channel(..)` where that rebuilds this stage exactly (it computes the
    /// multipliers at compile time), else every field.
    fn write(&self, out: &mut dyn Write) -> fmt::Result {
        let activations = [
            Activation::None,
            Activation::Relu,
            Activation::Relu6,
            Activation::ReluN1To1,
        ];
        let rebuilt = activations.into_iter().find(|&a| {
            let (i, w, o, r) = (self.input, self.weight_scale, self.output, self.rounding);
            OutputStage::per_channel(i, w, o, a, r) == *self
        });
        let rounding = self.rounding;
        if let Some(activation) = rebuilt {
            out.write_str("::nncore::quant::OutputStage::per_channel(")?;
            for arg in [&self.input as &dyn Arg, &self.weight_scale, &self.output] {
                out.write_str("\n    ")?;
                arg.write_arg(&mut Indented(out))?;
                out.write_str(",")?;
            }
            return write!(
                out,
                "\n    ::nncore::quant::Activation::{activation:?},\
                 \n    ::nncore::quant::Rounding::{rounding:?},\n)"
            );
        }
        out.write_str("::nncore::quant::OutputStage {")?;
        field(out, "input", &self.input)?;
        field(out, "output", &self.output)?;
        field(out, "weight_scale", &self.weight_scale)?;
        field(out, "multiplier", &self.multiplier)?;
        field(out, "clamp", &self.clamp)?;
        write!(
            out,
            "\n    rounding: ::nncore::quant::Rounding::{rounding:?},\n}}"
        )
    }
}

/// A [`Literal`] as an argument of a call (a trait object, unlike [`Literal`]).
trait Arg {
    fn write_arg(&self, out: &mut dyn Write) -> fmt::Result;
}

impl<T: Literal> Arg for T {
    fn write_arg(&self, out: &mut dyn Write) -> fmt::Result {
        self.write(out)
    }
}

/// `name: value,` on a line of its own, indented, in a struct expression.
fn field<T: Literal>(out: &mut dyn Write, name: &str, value: &T) -> fmt::Result {
    write!(out, "\n    {name}: ")?;
    value.write(&mut Indented(out))?;
    out.write_str(",")
}

/// `\n    value,`: an argument of a call, one a line.
fn argument<T: Literal>(out: &mut dyn Write, value: &T) -> fmt::Result {
    out.write_str("\n    ")?;
    value.write(&mut Indented(out))?;
    out.write_str(",")
}

/// The settings of a window op: `stride: [..], dilation: [..], padding: ..,`.
fn window(
    out: &mut dyn Write,
    stride: [usize; 2],
    dilation: Option<[usize; 2]>,
    padding: super::Padding,
) -> fmt::Result {
    field(out, "stride", &stride)?;
    if let Some(dilation) = dilation {
        field(out, "dilation", &dilation)?;
    }
    write!(out, "\n    padding: ::nncore::quant::Padding::{padding:?},")
}

impl Literal for Add {
    const NUMBER: bool = false;

    fn write(&self, out: &mut dyn Write) -> fmt::Result {
        out.write_str("::nncore::quant::Add {")?;
        field(out, "a", &self.a)?;
        field(out, "b", &self.b)?;
        field(out, "output", &self.output)?;
        field(out, "a_multiplier", &self.a_multiplier)?;
        field(out, "b_multiplier", &self.b_multiplier)?;
        field(out, "output_multiplier", &self.output_multiplier)?;
        field(out, "clamp", &self.clamp)?;
        out.write_str("\n}")
    }
}

/// `name: [Add { .. }, ..],` the sums of a model whose forward pass is a graph.
pub fn write_adds<const M: usize>(out: &mut dyn Write, name: &str, adds: &[Add; M]) -> fmt::Result {
    write!(out, "\n    {name}: ")?;
    adds.write(&mut Indented(out))?;
    out.write_str(",")
}
