//! Reading one argument's value: a size, an integer or a pair of them, a boolean, a number, a
//! string.

use quote::ToTokens;
use syn::{Expr, ExprLit, ExprTuple, ExprUnary, Lit, UnOp};

use super::{MAX_PARAMS, grouped, written};
use crate::errors::Errors;
use crate::shape::Size;

/// A count of features or channels: a positive integer literal (`13`, `13usize`), or any other
/// expression (a `const`, `sizes::N + 1`, a `const fn` call), which the compiler evaluates as a
/// `usize`. Parentheses and braces around one expression are dropped, so that `{ N }` is `N`.
pub fn size(expr: &Expr, role: &str, errors: &mut Errors) -> Option<Size> {
    let expr = unwrap_delimiters(expr);
    let found = written(expr);
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Int(int), ..
        }) => {
            let suffix = int.suffix();
            if !suffix.is_empty() && suffix != "usize" {
                let digits = int.base10_digits();
                errors.spanned(
                    expr,
                    format_args!(
                        "`{found}` is {} `{suffix}`, but a size is a `usize`: write `{digits}`",
                        article(suffix)
                    ),
                );
                // Taken as the number meant, so that the shapes go on past it and the model's
                // stub has its shapes: code using the model reports nothing more.
                return int
                    .base10_parse::<u64>()
                    .ok()
                    .filter(|&n| n > 0 && u128::from(n) <= MAX_PARAMS)
                    .map(|n| Size::written(n, expr));
            }
            match int.base10_parse::<u64>() {
                Ok(0) => {
                    errors.spanned(expr, format_args!("0 {role}: a layer needs at least one"));
                    None
                }
                Ok(value) => Some(Size::written(value, expr)),
                Err(_) => {
                    let max = grouped(MAX_PARAMS);
                    errors.spanned(
                        expr,
                        format_args!(
                            "{found} {role} is more than any model can hold (at most {max} parameters)"
                        ),
                    );
                    None
                }
            }
        }
        Expr::Lit(_)
        | Expr::Unary(ExprUnary {
            op: UnOp::Neg(_), ..
        }) => {
            errors.spanned(
                expr,
                format_args!("the number of {role} must be a positive integer, found `{found}`"),
            );
            None
        }
        _ => Some(Size::constant(expr)),
    }
}

/// `expr` without the parentheses or braces around it: `(N)` and `{ N }` are `N`.
fn unwrap_delimiters(expr: &Expr) -> &Expr {
    match expr {
        Expr::Paren(paren) if paren.attrs.is_empty() => unwrap_delimiters(&paren.expr),
        Expr::Group(group) if group.attrs.is_empty() => unwrap_delimiters(&group.expr),
        Expr::Block(block)
            if block.attrs.is_empty() && block.label.is_none() && block.block.stmts.len() == 1 =>
        {
            match &block.block.stmts[0] {
                syn::Stmt::Expr(inner, None) => unwrap_delimiters(inner),
                _ => expr,
            }
        }
        _ => expr,
    }
}

/// A non-negative integer literal (a kernel size, a stride): the macro needs its value to work
/// out shapes. `min` is the least value allowed.
pub fn int(expr: &Expr, what: &str, min: u64, errors: &mut Errors) -> Option<u64> {
    let found = written(expr);
    let value = match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Int(int), ..
        }) => {
            let suffix = int.suffix();
            if !suffix.is_empty() && suffix != "usize" {
                let digits = int.base10_digits();
                errors.spanned(
                    expr,
                    format_args!(
                        "`{found}` is {} `{suffix}`, but `{what}` is a `usize`: write `{digits}`",
                        article(suffix)
                    ),
                );
                // Taken as the number meant, as in `size`.
                return int.base10_parse::<u64>().ok().filter(|&n| n >= min);
            }
            int.base10_parse::<u64>().ok()
        }
        _ => None,
    };
    match value {
        Some(value) if value >= min => Some(value),
        _ => {
            let least = if min == 0 { "0 or more" } else { "1 or more" };
            errors.spanned(
                expr,
                format_args!("`{what}` must be an integer literal, {least}; found `{found}`"),
            );
            None
        }
    }
}

/// `3` or `(3, 3)`: one integer for both axes of a 2-D layer, or a pair, as PyTorch takes them.
pub fn int_pair(expr: &Expr, what: &str, min: u64, errors: &mut Errors) -> Option<[u64; 2]> {
    match expr {
        Expr::Tuple(ExprTuple { elems, .. }) | Expr::Array(syn::ExprArray { elems, .. }) => {
            if elems.len() != 2 {
                errors.spanned(
                    expr,
                    format_args!(
                        "`{what}` takes one integer or two, `(height, width)`; found {} values",
                        elems.len()
                    ),
                );
                return None;
            }
            let h = int(&elems[0], what, min, errors);
            let w = int(&elems[1], what, min, errors);
            Some([h?, w?])
        }
        Expr::Paren(inner) => int_pair(&inner.expr, what, min, errors),
        _ => int(expr, what, min, errors).map(|v| [v, v]),
    }
}

/// `true` or `false`.
pub fn boolean(expr: &Expr, what: &str, errors: &mut Errors) -> Option<bool> {
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Bool(b), ..
        }) => Some(b.value),
        _ => {
            let found = written(expr);
            let python = match found.as_str() {
                "True" => "; Rust writes it `true`",
                "False" => "; Rust writes it `false`",
                _ => "",
            };
            errors.spanned(
                expr,
                format_args!("`{what}` must be `true` or `false`, found `{found}`{python}"),
            );
            None
        }
    }
}

/// A number for a hyperparameter: a literal (`0.1`, `-1`), or a constant the compiler checks.
pub fn number(expr: &Expr, what: &str, layer: &str, errors: &mut Errors) -> Option<Expr> {
    let literal = |expr: &Expr| {
        matches!(
            expr,
            Expr::Lit(ExprLit {
                lit: Lit::Float(_) | Lit::Int(_),
                ..
            })
        )
    };
    match expr {
        Expr::Unary(ExprUnary {
            op: UnOp::Neg(_),
            expr: inner,
            ..
        }) if literal(inner) => Some(expr.clone()),
        Expr::Path(_) => Some(expr.clone()),
        _ if literal(expr) => Some(expr.clone()),
        _ => {
            let found = written(expr);
            errors.spanned(
                expr,
                format_args!("`{what}` of `{layer}` must be a number, e.g. `1.0`; found `{found}`"),
            );
            None
        }
    }
}

/// The value of a number literal, where the macro needs it (`p` of `Dropout`).
pub fn literal_value(expr: &Expr) -> Option<f64> {
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Float(f), ..
        }) => f.base10_parse().ok(),
        Expr::Lit(ExprLit {
            lit: Lit::Int(i), ..
        }) => i.base10_parse().ok(),
        Expr::Unary(ExprUnary {
            op: UnOp::Neg(_),
            expr,
            ..
        }) => literal_value(expr).map(|v| -v),
        _ => None,
    }
}

/// A string argument: `"same"`, or Python's `'same'`, which rustc has already reported with
/// "use double quotes" (so that the layer is checked as meant, and nothing more is said).
pub fn string(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Str(text),
            ..
        }) => Some(text.value()),
        Expr::Lit(ExprLit { lit, .. }) => {
            let text = lit.to_token_stream().to_string();
            let inner = text.strip_prefix('\'')?.strip_suffix('\'')?;
            (inner.chars().count() > 1).then(|| inner.to_owned())
        }
        _ => None,
    }
}

/// "a" or "an" before an integer type's name: a `u8`, an `i32`.
fn article(ty: &str) -> &'static str {
    if ty.starts_with('i') { "an" } else { "a" }
}
