//! A model's values as Rust source: a `const` item to check in beside the code that uses it.
//!
//! Finite values are written as the shortest decimal that reads back as the same `f32` (what
//! `{:?}` prints; the compiler rounds literals correctly), others as `f32::from_bits`, so the
//! constant has the model's exact bits. It calls the `const fn from_params` that `sequential!`
//! writes for every model.
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

use crate::Module;

/// Values a line, in the written source.
const PER_LINE: usize = 8;

/// Writes `pub const NAME: TYPE = TYPE::from_params(&[...]);` with the model's exact values.
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
    writeln!(
        out,
        "/// `{ty}` with its trained values: {} parameters, bit for bit.",
        M::NUM_PARAMS
    )?;
    writeln!(out, "#[rustfmt::skip]")?;
    writeln!(out, "pub const {name}: {ty} = {ty}::from_params(&[")?;
    for p in model.parameters() {
        writeln!(out, "    // {} {:?}", p.name, p.shape)?;
        for line in p.data.chunks(PER_LINE) {
            out.write_str("   ")?;
            for &value in line {
                if value.is_finite() {
                    write!(out, " {value:?},")?;
                } else {
                    write!(out, " f32::from_bits({:#010x}),", value.to_bits())?;
                }
            }
            out.write_str("\n")?;
        }
    }
    writeln!(out, "]);")
}

/// The source [`write_rust_const`] writes, as a string.
#[cfg(feature = "alloc")]
#[must_use]
pub fn rust_const<M: Module>(model: &M, ty: &str, name: &str) -> alloc::string::String {
    let mut source = alloc::string::String::new();
    write_rust_const(&mut source, model, ty, name).expect("writing to a String cannot fail");
    source
}
