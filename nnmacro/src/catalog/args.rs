//! Reading a layer's arguments as Python binds them: by position or by PyTorch's keyword.

use quote::ToTokens;
use syn::{Expr, ExprLit, ExprTuple, ExprUnary, Lit, UnOp};

use super::usage;
use crate::ast::{Arg, LayerCall};
use crate::errors::Errors;
use crate::shape::Size;
use crate::suggest::closest;

/// The most parameters a model may have; a size past it is refused at once.
pub const MAX_PARAMS: u128 = 1 << 24;

/// Binds a layer's arguments to its parameters `names` as Python does: positional arguments fill
/// the first `positional` parameters in order, keywords name any of them, no positional argument
/// follows a keyword, and no parameter is given twice. `extra` words the error for a positional
/// argument past the last (each layer says what it takes). One value or `None` (the default) per
/// name, and whether every argument could be bound.
pub fn bind<'a>(
    call: &LayerCall,
    args: &[&'a Arg],
    names: &[&str],
    positional: usize,
    extra: impl Fn(&Expr) -> String,
    errors: &mut Errors,
) -> (Vec<Option<&'a Expr>>, bool) {
    let layer = call.name();
    let usage = usage(&layer.to_string());
    let mut values: Vec<Option<&Expr>> = vec![None; names.len()];
    let (mut ok, mut by_position, mut keyword_seen) = (true, 0, false);
    for arg in args {
        match arg {
            Arg::Positional(value) if keyword_seen => {
                errors.spanned(
                    value,
                    format_args!(
                        "positional argument after a keyword argument; give it by keyword, or before the keywords\nexpected {usage}"
                    ),
                );
                ok = false;
            }
            Arg::Positional(value) if by_position < positional => {
                values[by_position] = Some(value);
                by_position += 1;
            }
            Arg::Positional(value) => {
                errors.spanned(value, extra(value));
                ok = false;
            }
            Arg::Keyword { name, value, .. } => {
                keyword_seen = true;
                let Some(slot) = names.iter().position(|known| name == known) else {
                    let hint = closest(&name.to_string(), names.iter().copied())
                        .map(|known| format!("; did you mean `{known}`?"))
                        .unwrap_or_default();
                    errors.spanned(
                        name,
                        format_args!(
                            "unknown argument `{name}` for `{layer}`{hint}\nexpected {usage}"
                        ),
                    );
                    ok = false;
                    continue;
                };
                if values[slot].is_some() {
                    let how = if slot < by_position {
                        "by position and by keyword"
                    } else {
                        "by keyword twice"
                    };
                    errors.spanned(
                        name,
                        format_args!("`{layer}` is given `{name}` {how}; give it once"),
                    );
                    ok = false;
                    continue;
                }
                values[slot] = Some(value);
            }
        }
    }
    (values, ok)
}

/// [`bind`] with every parameter positional and the usual message for one too many.
pub fn bind_all<'a>(
    call: &LayerCall,
    args: &[&'a Arg],
    names: &[&str],
    errors: &mut Errors,
) -> (Vec<Option<&'a Expr>>, bool) {
    let layer = call.name();
    let usage = usage(&layer.to_string());
    let takes = names.len();
    let extra = |_: &Expr| format!("`{layer}` takes at most {takes} arguments\nexpected {usage}");
    bind(call, args, names, names.len(), extra, errors)
}

/// A layer without arguments: `Tanh` or `Tanh()`.
pub fn no_args(call: &LayerCall, args: &[&Arg], errors: &mut Errors) -> bool {
    if args.is_empty() {
        return true;
    }
    let name = call.name();
    let (_, written) = call
        .args
        .as_ref()
        .expect("a layer with arguments has parentheses");
    let count = match args.len() {
        1 => "1 is given".to_owned(),
        n => format!("{n} are given"),
    };
    errors.spanned(
        written,
        format_args!("`{name}` takes no arguments, but {count}; write `{name}`"),
    );
    false
}

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

/// The tokens as the user wrote them, for messages: `-0.1`, `(2, 2)`, `"same"` (not `- 0.1`, `(2 , 2)`).
pub fn written(tokens: &impl ToTokens) -> String {
    let text = tokens.to_token_stream().to_string();
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(c) = rest.chars().next() {
        let before = out.trim_end();
        let unary = c == '-' && (before.is_empty() || before.ends_with(['(', '[', ',', '=']));
        rest = &rest[c.len_utf8()..];
        if c == ' ' && (out.ends_with(['(', '[']) || rest.starts_with([',', ')', ']'])) {
            continue;
        }
        out.push(c);
        if unary {
            rest = rest.trim_start();
        }
    }
    out
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

/// `10_000_100_000`: a large count, readable.
pub fn grouped(n: u128) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push('_');
        }
        out.push(digit);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{grouped, string, written};
    use syn::{Expr, parse_quote};

    #[test]
    fn tokens_are_quoted_as_written() {
        let cases: [(Expr, &str); 5] = [
            (parse_quote!(-0.1), "-0.1"),
            (parse_quote!((2, -3)), "(2, -3)"),
            (parse_quote!([1, 2]), "[1, 2]"),
            (parse_quote!(N - 1), "N - 1"),
            (parse_quote!("same"), "\"same\""),
        ];
        for (expr, text) in cases {
            assert_eq!(written(&expr), text);
        }
        assert_eq!(string(&parse_quote!("valid")), Some("valid".to_owned()));
        assert_eq!(string(&parse_quote!('x')), None);
        assert_eq!(string(&parse_quote!(1)), None);
    }

    #[test]
    fn groups_digits_by_three() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1000), "1_000");
        assert_eq!(grouped(10_000_100_000), "10_000_100_000");
    }
}
