//! Arguments PyTorch prints as they were written. Python keeps the object a layer was given,
//! so `nn.Softplus(beta=2)` prints `beta=2`, `nn.MaxPool2d((2, 2))` prints `kernel_size=(2, 2)`
//! and `nn.Conv1d(..., padding='same')` prints `padding=same`, where the runtime layer, which
//! holds an `f32` or sizes, prints `beta=2.0`, `kernel_size=2` and `padding=(2,)`. The model's
//! `Display` prints such a layer through `nncore::__private::Written` with these spellings.

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};
use syn::{Expr, ExprLit, ExprUnary, Lit, UnOp};

/// One argument's spelling: see `nncore::__private::Spelled`.
#[derive(Clone)]
pub struct Spelled {
    pub key: &'static str,
    /// The value as Python prints what was written: `2`, `(1, 1)`, `same`, `True`.
    pub text: String,
    pub printed: Printed,
}

/// What the runtime layer prints for it: see `nncore::__private::Printed`.
#[derive(Clone)]
pub enum Printed {
    Same,
    As(String),
    Absent(Option<&'static str>),
}

impl ToTokens for Spelled {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        let (key, text) = (self.key, &self.text);
        let printed = match &self.printed {
            Printed::Same => quote!(::nncore::__private::Printed::Same),
            Printed::As(text) => quote!(::nncore::__private::Printed::As(#text)),
            Printed::Absent(None) => quote!(::nncore::__private::Printed::Absent(None)),
            Printed::Absent(Some(after)) => {
                quote!(::nncore::__private::Printed::Absent(Some(#after)))
            }
        };
        tokens.extend(quote! {
            ::nncore::__private::Spelled { key: #key, text: #text, printed: #printed }
        });
    }
}

/// The spelling of a float hyperparameter written as a literal, where Python's `repr` of it
/// differs from the runtime's `f32`: an int (`2`, where the layer prints `2.0`) or a decimal
/// that `f32` rounds (`0.123456789`).
pub fn float(key: &'static str, expr: Option<&Expr>) -> Option<Spelled> {
    let (negative, lit) = literal(expr?)?;
    let sign = if negative { "-" } else { "" };
    let text = match lit {
        Lit::Int(int) => format!("{sign}{}", int.base10_parse::<u128>().ok()?),
        Lit::Float(float) => {
            let value: f64 = float.base10_parse().ok()?;
            let python = repr(value, format!("{value}"), format!("{value:e}"));
            let value32 = value as f32;
            let runtime = repr(
                f64::from(value32),
                format!("{value32}"),
                format!("{value32:e}"),
            );
            if python == runtime {
                return None;
            }
            format!("{sign}{python}")
        }
        _ => return None,
    };
    Some(Spelled {
        key,
        text,
        printed: Printed::Same,
    })
}

/// The spelling of a size written as a tuple (`(2, 2)`, `(2,)`), which PyTorch prints as one
/// where the runtime layer prints one int for equal sizes.
pub fn tuple(key: &'static str, expr: Option<&Expr>) -> Option<Spelled> {
    let elems = match expr? {
        Expr::Tuple(tuple) => &tuple.elems,
        Expr::Paren(paren) => return tuple(key, Some(&paren.expr)),
        _ => return None,
    };
    let mut values = Vec::new();
    for elem in elems {
        match literal(elem)? {
            (false, Lit::Int(int)) => values.push(int.base10_parse::<u64>().ok()?.to_string()),
            _ => return None,
        }
    }
    let text = match values.as_slice() {
        [one] => format!("({one},)"),
        _ => format!("({})", values.join(", ")),
    };
    Some(Spelled {
        key,
        text,
        printed: Printed::Same,
    })
}

/// A literal, and whether a minus sign is before it.
fn literal(expr: &Expr) -> Option<(bool, &Lit)> {
    match expr {
        Expr::Lit(ExprLit { lit, .. }) => Some((false, lit)),
        Expr::Unary(ExprUnary {
            op: UnOp::Neg(_),
            expr,
            ..
        }) => match literal(expr)? {
            (false, lit) => Some((true, lit)),
            _ => None,
        },
        Expr::Paren(paren) => literal(&paren.expr),
        _ => None,
    }
}

/// Python's `repr` of a float from the shortest digits that name it, positional (`shortest`)
/// and scientific (`scientific`, Rust's `1e-5`): positional from 1e-4 to 1e16 with at least one
/// decimal (`2.0`), else `1e-05`, `1.5e+16`.
fn repr(value: f64, shortest: String, scientific: String) -> String {
    let magnitude = value.abs();
    if magnitude != 0.0 && !(1e-4..1e16).contains(&magnitude) {
        let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
        let (sign, digits) = match exponent.strip_prefix('-') {
            Some(digits) => ('-', digits),
            None => ('+', exponent),
        };
        format!("{mantissa}e{sign}{digits:0>2}")
    } else if shortest.contains('.') {
        shortest
    } else {
        format!("{shortest}.0")
    }
}

#[cfg(test)]
mod tests {
    use super::{float, tuple};
    use syn::parse_quote;

    fn text(spelled: Option<super::Spelled>) -> Option<String> {
        spelled.map(|s| s.text)
    }

    #[test]
    fn floats_are_spelled_where_python_prints_them_otherwise() {
        assert_eq!(
            text(float("beta", Some(&parse_quote!(2)))),
            Some("2".into())
        );
        assert_eq!(
            text(float("eps", Some(&parse_quote!(-1)))),
            Some("-1".into())
        );
        assert_eq!(
            text(float("p", Some(&parse_quote!(1_000)))),
            Some("1000".into())
        );
        assert_eq!(text(float("p", Some(&parse_quote!(0.5)))), None);
        assert_eq!(text(float("eps", Some(&parse_quote!(1e-5)))), None);
        assert_eq!(
            text(float("x", Some(&parse_quote!(0.123456789)))),
            Some("0.123456789".into())
        );
        assert_eq!(text(float("x", Some(&parse_quote!(1e-20)))), None);
        assert_eq!(text(float("x", Some(&parse_quote!(SLOPE)))), None);
    }

    #[test]
    fn tuples_are_spelled_as_python_prints_them() {
        assert_eq!(
            text(tuple("k", Some(&parse_quote!((2, 2))))),
            Some("(2, 2)".into())
        );
        assert_eq!(
            text(tuple("k", Some(&parse_quote!((2,))))),
            Some("(2,)".into())
        );
        assert_eq!(text(tuple("k", Some(&parse_quote!(2)))), None);
        assert_eq!(text(tuple("k", Some(&parse_quote!((K, 2))))), None);
    }
}
