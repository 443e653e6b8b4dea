//! Reading a layer's arguments as Python binds them: by position or by PyTorch's keyword.

use quote::ToTokens;
use syn::Expr;

use super::usage;
use crate::ast::{Arg, LayerCall};
use crate::errors::Errors;
use crate::suggest::closest;

mod values;

pub use values::{boolean, int, int_pair, literal_value, number, size, string};

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
