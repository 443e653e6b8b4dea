//! A layer printed as its declaration wrote its arguments.

use core::fmt::{self, Write as _};

use super::Buf;

/// An argument that PyTorch's `repr` prints as the declaration wrote it (Python keeps the object
/// it was given): `beta=2` where the layer prints `beta=2.0`, `output_size=(1, 1)` where it
/// prints `output_size=1`, `padding=same` where it prints `padding=(2,)`, `inplace=True`.
#[derive(Clone, Copy, Debug)]
pub struct Spelled {
    /// The keyword: `beta`.
    pub key: &'static str,
    /// The value as Python prints what was written: `2`, `(1, 1)`, `same`, `True`.
    pub text: &'static str,
    /// What the layer prints for that value.
    pub printed: Printed,
}

/// What a layer prints for an argument spelled otherwise; the spelling replaces it only while
/// the layer still prints that (a value changed since is printed as the layer prints it).
#[derive(Clone, Copy, Debug)]
pub enum Printed {
    /// The same numbers in the layer's own form: `2.0` for `2`, `1` for `(1, 1)`.
    Same,
    /// This text (compared as numbers where both are): `(2,)` for `same`, `False`.
    As(&'static str),
    /// Nothing; PyTorch prints it after the argument with this keyword, or last.
    Absent(Option<&'static str>),
}

/// A layer printed as its declaration wrote its arguments: the layer's own form, each argument
/// of `args` replaced by (or, where the layer prints none, given) its spelling.
pub struct Written<'a, T: ?Sized> {
    /// The layer, which prints its arguments in its own form.
    pub layer: &'a T,
    /// The arguments spelled otherwise, at most 64.
    pub args: &'a [Spelled],
}

impl<T: fmt::Display + ?Sized> fmt::Display for Written<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = Rewrite {
            f,
            args: self.args,
            depth: 0,
            item: Buf::default(),
            through: false,
            count: 0,
            done: 0,
            pending: None,
        };
        fmt::write(&mut out, format_args!("{}", self.layer))
    }
}

/// Rewrites `Name(a, key=value, ...)` one argument at a time, as [`Written`] says.
struct Rewrite<'a, 'b> {
    f: &'a mut fmt::Formatter<'b>,
    args: &'a [Spelled],
    /// Parentheses open: 1 inside the layer's own.
    depth: usize,
    /// The argument being read, at depth 1 and beyond.
    item: Buf<64>,
    /// The argument did not fit `item`: it is written through, unchanged.
    through: bool,
    /// Arguments written.
    count: usize,
    /// The `args` (by bit) that the layer printed or that were added.
    done: u64,
    /// An absent argument to add before the next one, unless that is the one.
    pending: Option<usize>,
}

impl Rewrite<'_, '_> {
    fn separate(&mut self) -> fmt::Result {
        self.count += 1;
        if self.count > 1 {
            self.f.write_str(", ")?;
        }
        Ok(())
    }

    fn add(&mut self, i: usize) -> fmt::Result {
        self.done |= bit(i);
        self.separate()?;
        write!(self.f, "{}={}", self.args[i].key, self.args[i].text)
    }

    /// Writes the argument read into `item`.
    fn finish(&mut self) -> fmt::Result {
        if self.through {
            self.through = false;
            return Ok(());
        }
        let buf = core::mem::take(&mut self.item);
        let item = buf.as_str();
        let (key, value) = item.split_once('=').unwrap_or(("", item));
        if let Some(i) = self.pending.take() {
            if self.args[i].key != key {
                self.add(i)?;
            }
        }
        let found = self
            .args
            .iter()
            .position(|a| !key.is_empty() && a.key == key);
        self.separate()?;
        match found {
            Some(i) => {
                self.done |= bit(i);
                let arg = &self.args[i];
                let same = match arg.printed {
                    Printed::Same => equivalent(value, arg.text),
                    Printed::As(printed) => equivalent(value, printed),
                    Printed::Absent(_) => false,
                };
                let value = if same { arg.text } else { value };
                write!(self.f, "{key}={value}")?;
            }
            None => self.f.write_str(item)?,
        }
        self.pending = self
            .args
            .iter()
            .position(|a| matches!(a.printed, Printed::Absent(Some(after)) if after == key));
        Ok(())
    }

    /// Adds the absent arguments still missing, before the closing parenthesis.
    fn close(&mut self) -> fmt::Result {
        for i in 0..self.args.len() {
            let absent = matches!(self.args[i].printed, Printed::Absent(_));
            if absent && self.done & bit(i) == 0 {
                self.add(i)?;
            }
        }
        self.f.write_char(')')
    }
}

impl fmt::Write for Rewrite<'_, '_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for c in s.chars() {
            match (self.depth, c) {
                (0, '(') => {
                    self.depth = 1;
                    self.f.write_char(c)?;
                }
                (0, _) => self.f.write_char(c)?,
                (1, ',') => self.finish()?,
                (1, ')') => {
                    if !self.item.as_str().is_empty() || self.through {
                        self.finish()?;
                    }
                    self.pending = None;
                    self.close()?;
                    self.depth = 0;
                }
                (_, ' ') if self.item.as_str().is_empty() && !self.through => {}
                _ => {
                    match c {
                        '(' => self.depth += 1,
                        ')' => self.depth -= 1,
                        _ => {}
                    }
                    if self.through {
                        self.f.write_char(c)?;
                    } else if self.item.write_char(c).is_err() {
                        // Too long to be one of ours: written as it is.
                        self.separate()?;
                        self.f.write_str(self.item.as_str())?;
                        self.f.write_char(c)?;
                        self.through = true;
                        self.item = Buf::default();
                    }
                }
            }
        }
        Ok(())
    }
}

/// The bit of argument `i` in [`Rewrite::done`]; none past the 64th.
fn bit(i: usize) -> u64 {
    u32::try_from(i)
        .ok()
        .and_then(|i| 1u64.checked_shl(i))
        .unwrap_or(0)
}

/// Whether two printed values are the same: equal text, or the same numbers, an int standing
/// for a tuple of it (`1` and `(1, 1)`, `2` and `2.0`, `(2,)` and `2`).
fn equivalent(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    let (Some((a, m)), Some((b, n))) = (numbers(a), numbers(b)) else {
        return false;
    };
    match (m, n) {
        _ if m == n => a[..m] == b[..n],
        (1, _) => b[..n].iter().all(|&x| x == a[0]),
        (_, 1) => a[..m].iter().all(|&x| x == b[0]),
        _ => false,
    }
}

/// The numbers of `2`, `-0.5` or `(3, 3)`, as `f32` (what the layer holds), at most 4.
fn numbers(text: &str) -> Option<([f32; 4], usize)> {
    let inner = match text.strip_prefix('(') {
        Some(rest) => rest.strip_suffix(')')?,
        None => text,
    };
    let mut out = ([0.0; 4], 0);
    for part in inner.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        *out.0.get_mut(out.1)? = part.parse().ok()?;
        out.1 += 1;
    }
    (out.1 > 0).then_some(out)
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::{Printed, Spelled, Written};
    use std::string::ToString;

    fn written(layer: &str, args: &[Spelled]) -> std::string::String {
        Written { layer, args }.to_string()
    }

    const fn arg(key: &'static str, text: &'static str, printed: Printed) -> Spelled {
        Spelled { key, text, printed }
    }

    #[test]
    fn written_arguments_replace_the_layers_own_form() {
        let softplus = [
            arg("beta", "2", Printed::Same),
            arg("threshold", "10", Printed::Same),
        ];
        assert_eq!(
            written("Softplus(beta=2.0, threshold=10.0)", &softplus),
            "Softplus(beta=2, threshold=10)"
        );
        // A value changed since the declaration prints as the layer prints it.
        assert_eq!(
            written("Softplus(beta=3.0, threshold=10.0)", &softplus),
            "Softplus(beta=3.0, threshold=10)"
        );
        let pool = [
            arg("kernel_size", "(2, 2)", Printed::Same),
            arg("stride", "(2, 2)", Printed::Same),
        ];
        assert_eq!(
            written(
                "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)",
                &pool
            ),
            "MaxPool2d(kernel_size=(2, 2), stride=(2, 2), padding=0, dilation=1, ceil_mode=False)"
        );
        let same = [arg("padding", "same", Printed::As("(2,)"))];
        assert_eq!(
            written(
                "Conv1d(3, 6, kernel_size=(5,), stride=(1,), padding=(2,), bias=False)",
                &same
            ),
            "Conv1d(3, 6, kernel_size=(5,), stride=(1,), padding=same, bias=False)"
        );
        let dropout = [arg("inplace", "True", Printed::As("False"))];
        assert_eq!(
            written("Dropout(p=0.5, inplace=False)", &dropout),
            "Dropout(p=0.5, inplace=True)"
        );
        let adaptive = [arg("output_size", "(1,)", Printed::Same)];
        assert_eq!(
            written("AdaptiveAvgPool1d(output_size=1)", &adaptive),
            "AdaptiveAvgPool1d(output_size=(1,))"
        );
    }

    #[test]
    fn absent_arguments_are_added_where_pytorch_prints_them() {
        let valid = [arg("padding", "valid", Printed::Absent(Some("stride")))];
        assert_eq!(
            written("Conv1d(6, 6, kernel_size=(5,), stride=(1,))", &valid),
            "Conv1d(6, 6, kernel_size=(5,), stride=(1,), padding=valid)"
        );
        assert_eq!(
            written(
                "Conv2d(6, 6, kernel_size=(5, 5), stride=(1, 1), groups=2, bias=False)",
                &valid
            ),
            "Conv2d(6, 6, kernel_size=(5, 5), stride=(1, 1), padding=valid, groups=2, bias=False)"
        );
        // A padding given since is printed, and nothing is added.
        assert_eq!(
            written(
                "Conv1d(6, 6, kernel_size=(5,), stride=(1,), padding=(1,))",
                &valid
            ),
            "Conv1d(6, 6, kernel_size=(5,), stride=(1,), padding=(1,))"
        );
        let inplace = [arg("inplace", "True", Printed::Absent(None))];
        assert_eq!(written("ReLU()", &inplace), "ReLU(inplace=True)");
        assert_eq!(
            written("LeakyReLU(negative_slope=0.1)", &inplace),
            "LeakyReLU(negative_slope=0.1, inplace=True)"
        );
        assert_eq!(written("Tanh()", &[]), "Tanh()");
    }

    #[test]
    fn an_argument_too_long_to_hold_is_written_as_it_is() {
        let long =
            "X(name=(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19), beta=2.0)";
        let beta = [arg("beta", "2", Printed::Same)];
        assert_eq!(
            written(long, &beta),
            "X(name=(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19), beta=2)"
        );
    }
}
