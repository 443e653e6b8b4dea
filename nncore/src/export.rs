//! A model's values as Rust source: a `const` item to check in beside the code that uses it;
//! for a float model, [`write_rust_const`], and for its int8 form, [`write_rust_const_int8`].
//!
//! Finite values are written as the shortest decimal that reads back as the same `f32` (what
//! `{:?}` prints; the compiler rounds literals correctly), others as `f32::from_bits`, so the
//! constant has the model's exact bits. It calls the `const fn from_params` that `sequential!`
//! writes for a model without buffers, and for a model with buffers (BatchNorm's running
//! statistics) `from_state(&params, &buffers)`, the buffers in `buffers()` order and an `int64`
//! one (`num_batches_tracked`) as its `f32` value, exact up to 2^24.
//!
//! ```
//! nncore::sequential! { pub struct Net(Linear(2, 1), Tanh); }
//! let mut net = Net::ZERO;
//! net.0.weight = [[0.5, -1.25]];
//! net.0.bias = [f32::NAN];
//! // Into any `fmt::Write`; `rust_const` returns a `String` (with the `alloc` feature).
//! let mut source = String::new();
//! nncore::export::write_rust_const(&mut source, &net, "Net", "TRAINED")?;
//! assert_eq!(
//!     source,
//!     "\
//! /// `Net` with its trained values: 3 parameters, bit for bit.
//! #[rustfmt::skip]
//! pub const TRAINED: Net = Net::from_params(&[
//!     // 0.weight [1, 2]
//!     0.5, -1.25,
//!     // 0.bias [1]
//!     f32::from_bits(0x7fc00000),
//! ]);
//! "
//! );
//! # Ok::<(), std::fmt::Error>(())
//! ```

use core::fmt::{self, Write};

use crate::module::Module;
use crate::quant::Int8Model;
use crate::state::{BufferData, Name, Shape};

/// Values a line, in the written source.
const PER_LINE: usize = 8;

/// Writes `pub const NAME: TYPE = TYPE::from_params(&[...]);` with the model's exact values,
/// or `TYPE::from_state(&[...], &[...])` with its buffers' values too if it has any.
///
/// `ty` is the model's type as the code that includes the source names it (`TempNet`,
/// `crate::models::TempNet`).
///
/// # Errors
/// Only those of `out`.
pub fn write_rust_const<M: Module>(
    out: &mut impl Write,
    model: &M,
    ty: &str,
    name: &str,
) -> fmt::Result {
    write!(
        out,
        "/// `{ty}` with its trained values: {} parameters",
        M::NUM_PARAMS
    )?;
    if M::NUM_BUFFERS > 0 {
        write!(out, " and {} buffer values", M::NUM_BUFFERS)?;
    }
    writeln!(out, ", bit for bit.")?;
    writeln!(out, "#[rustfmt::skip]")?;
    let call = if M::NUM_BUFFERS == 0 {
        "from_params"
    } else {
        "from_state"
    };
    writeln!(out, "pub const {name}: {ty} = {ty}::{call}(&[")?;
    for p in model.parameters() {
        write_tensor(out, p.name, p.shape, "", p.data.iter().copied())?;
    }
    if M::NUM_BUFFERS > 0 {
        writeln!(out, "], &[")?;
        for b in model.buffers() {
            match b.data {
                BufferData::F32(data) => {
                    write_tensor(out, b.name, b.shape, "", data.iter().copied())?;
                }
                BufferData::I64(data) => {
                    let values = data.iter().map(|&v| v as f32);
                    write_tensor(out, b.name, b.shape, " int64", values)?;
                }
            }
        }
    }
    writeln!(out, "]);")
}

/// One tensor: a comment with its key and shape (and `note`), then its values.
fn write_tensor(
    out: &mut impl Write,
    name: Name,
    shape: Shape,
    note: &str,
    values: impl ExactSizeIterator<Item = f32>,
) -> fmt::Result {
    writeln!(out, "    // {name} {shape:?}{note}")?;
    let len = values.len();
    for (i, value) in values.enumerate() {
        if i % PER_LINE == 0 {
            out.write_str("   ")?;
        }
        if value.is_finite() {
            write!(out, " {value:?},")?;
        } else {
            write!(out, " f32::from_bits({:#010x}),", value.to_bits())?;
        }
        if i % PER_LINE == PER_LINE - 1 || i + 1 == len {
            out.write_str("\n")?;
        }
    }
    Ok(())
}

/// The source [`write_rust_const`] writes, as a string.
#[cfg(feature = "alloc")]
#[must_use]
pub fn rust_const<M: Module>(model: &M, ty: &str, name: &str) -> alloc::string::String {
    let mut source = alloc::string::String::new();
    write_rust_const(&mut source, model, ty, name).expect("writing to a String cannot fail");
    source
}

/// Writes `pub const NAME: TYPE = TYPE { .. };` with a quantized model's exact int8 weights, int32
/// biases, scales and zero points (a model `Net::quantize` made, of the type `sequential!` writes
/// beside `Net`): each layer as a struct expression of `nncore::quant`, so the constant builds
/// in a `no_std` crate that declares the same model.
///
/// ```
/// nncore::sequential! { pub struct Net(Linear(2, 3), ReLU, Linear(3, 1)); }
/// let mut net = Net::ZERO;
/// net.0.weight = [[0.5, -1.0], [1.0, 0.25], [-0.75, 0.5]];
/// net.2.weight = [[1.0, -0.5, 0.25]];
/// let int8 = net.quantize(&[[0.0, 1.0], [1.0, -1.0], [0.5, 0.5]])?;
/// // `rust_const_int8` returns a `String` (with the `alloc` feature).
/// let mut source = String::new();
/// nncore::export::write_rust_const_int8(&mut source, &int8, "NetInt8", "NET_INT8").unwrap();
/// assert!(source.starts_with("/// `NetInt8`: 25 bytes of int8 weights and int32 biases"));
/// assert!(source.contains("pub const NET_INT8: NetInt8 = NetInt8 {\n    0: ::nncore::quant::FullyConnected::new("));
/// # Ok::<(), nncore::Error>(())
/// ```
///
/// # Errors
/// Only those of `out`.
pub fn write_rust_const_int8<M: Int8Model>(
    out: &mut impl Write,
    model: &M,
    ty: &str,
    name: &str,
) -> fmt::Result {
    writeln!(
        out,
        "/// `{ty}`: {} bytes of int8 weights and int32 biases, bit for bit.",
        M::WEIGHT_BYTES
    )?;
    writeln!(out, "#[rustfmt::skip]")?;
    write!(out, "pub const {name}: {ty} = {ty} ")?;
    model.write_fields(out)?;
    writeln!(out, ";")
}

/// The source [`write_rust_const_int8`] writes, as a string.
#[cfg(feature = "alloc")]
#[must_use]
pub fn rust_const_int8<M: Int8Model>(model: &M, ty: &str, name: &str) -> alloc::string::String {
    let mut source = alloc::string::String::new();
    write_rust_const_int8(&mut source, model, ty, name).expect("writing to a String cannot fail");
    source
}
