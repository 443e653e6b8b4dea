//! Printing in PyTorch's form.

use core::fmt;

mod written;

pub use written::{Printed, Spelled, Written};

/// Writes `x` as Python's `repr(float)` does: `0.1`, `1.0`, `1e-05`.
pub(crate) struct PyFloat(pub f32);

impl fmt::Display for PyFloat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let x = self.0;
        let magnitude = x.abs();
        if x.is_nan() {
            return f.write_str("nan");
        }
        if x.is_infinite() {
            return f.write_str(if x > 0.0 { "inf" } else { "-inf" });
        }
        if magnitude != 0.0 && !(1e-4..1e16).contains(&magnitude) {
            // Python: `1e-05`, `1.5e+16`; Rust: `1e-5`, `1.5e16`.
            let text = format_args!("{x:e}");
            let mut buf = Buf::<32>::default();
            fmt::write(&mut buf, text)?;
            let s = buf.as_str();
            let (mantissa, exponent) = s.split_once('e').unwrap_or((s, "0"));
            let (sign, digits) = match exponent.strip_prefix('-') {
                Some(d) => ('-', d),
                None => ('+', exponent),
            };
            return write!(f, "{mantissa}e{sign}{digits:0>2}");
        }
        // `%` is in `core`; `trunc` needs `std`. `x` is finite here.
        if x % 1.0 == 0.0 {
            write!(f, "{x:.1}")
        } else {
            write!(f, "{x}")
        }
    }
}

/// The `f64` that `x`'s shortest decimal form names: `0.1` for `0.1_f32`. PyTorch keeps
/// settings such as `eps` and `momentum` as Python floats and computes with them in double;
/// this is the double a user who wrote `0.1` meant, not `f64::from(0.1_f32)`.
pub(crate) fn python_float(x: f32) -> f64 {
    let mut buf = Buf::<32>::default();
    fmt::write(&mut buf, format_args!("{x:e}"))
        .ok()
        .and_then(|()| buf.as_str().parse().ok())
        .unwrap_or(f64::from(x))
}

/// A small stack buffer for formatting without `alloc`.
pub(crate) struct Buf<const N: usize = 32> {
    bytes: [u8; N],
    len: usize,
}

impl<const N: usize> Default for Buf<N> {
    fn default() -> Self {
        Buf {
            bytes: [0; N],
            len: 0,
        }
    }
}

impl<const N: usize> Buf<N> {
    pub(crate) fn as_str(&self) -> &str {
        core::str::from_utf8(&self.bytes[..self.len]).unwrap_or("")
    }
}

impl<const N: usize> fmt::Write for Buf<N> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len + s.len();
        self.bytes
            .get_mut(self.len..end)
            .ok_or(fmt::Error)?
            .copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// Writes a model as PyTorch's `print(model)` does: `class(`, one `(name): layer` line per
/// layer, a nested model's lines indented under its own, then `)`.
pub fn write_module(
    f: &mut fmt::Formatter<'_>,
    class: &str,
    layers: &[(&str, &dyn fmt::Display)],
) -> fmt::Result {
    writeln!(f, "{class}(")?;
    for (name, layer) in layers {
        write!(f, "  ({name}): ")?;
        fmt::write(&mut Indented(f), format_args!("{layer}"))?;
        f.write_str("\n")?;
    }
    f.write_str(")")
}

/// Indents every line after the first by two spaces (PyTorch's `_addindent`).
struct Indented<'a, 'b>(&'a mut fmt::Formatter<'b>);

impl fmt::Write for Indented<'_, '_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let mut lines = s.split('\n');
        if let Some(first) = lines.next() {
            self.0.write_str(first)?;
        }
        for line in lines {
            self.0.write_str("\n  ")?;
            self.0.write_str(line)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::{PyFloat, python_float};
    use std::string::ToString;

    #[test]
    fn python_float_is_the_decimal_written() {
        assert_eq!(python_float(0.1), 0.1_f64);
        assert_eq!(python_float(1e-5), 1e-5_f64);
        assert_eq!(python_float(-2.5), -2.5_f64);
        for x in [f32::MIN_POSITIVE, f32::MAX, -3.4e-45, 0.3, 123_456.79] {
            assert_eq!(python_float(x) as f32, x);
        }
        assert!(python_float(f32::NAN).is_nan());
        assert_eq!(python_float(f32::INFINITY), f64::INFINITY);
        assert_ne!(python_float(0.1), f64::from(0.1_f32));
    }

    #[test]
    fn floats_print_like_python_repr() {
        let cases = [
            (0.1, "0.1"),
            (0.01, "0.01"),
            (1.0, "1.0"),
            (-2.0, "-2.0"),
            (0.0, "0.0"),
            (1e-5, "1e-05"),
            (2.5e-7, "2.5e-07"),
            (0.0001, "0.0001"),
            (1e20, "1e+20"),
        ];
        for (x, python) in cases {
            assert_eq!(PyFloat(x).to_string(), python, "{x}");
        }
    }
}
