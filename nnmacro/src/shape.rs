//! Sizes and shapes as the macro knows them: integer literals it can check itself, or constant
//! expressions that only the compiler can evaluate, each named by a `const` item (`consts.rs`)
//! and checked by `const` assertions.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote};
use syn::spanned::Spanned;
use syn::{Expr, LitInt};

use crate::consts;

/// One dimension: `13`, or an expression such as `HIDDEN`.
#[derive(Clone)]
pub struct Size {
    /// The user's tokens the size comes from, for error spans.
    pub expr: Box<Expr>,
    /// The value, when the macro can know it.
    pub literal: Option<u64>,
    /// A constant expression's row in the model's table of sizes.
    named: Option<consts::Named>,
    /// The size as the user would write it, for messages: `13`, `HIDDEN`, `H - 2`.
    text: Text,
}

/// A size's text for messages, keeping enough of its form to print sums and products of
/// constants as a reader would write them: `(H - 4) / 2 + 1`, `8×(H - 2)×(H - 2)`.
#[derive(Clone)]
enum Text {
    /// A literal, a name, or text that needs no parentheses as a factor.
    Atom(String),
    /// `base + offset`.
    Sum(String, i128),
    /// Factors, each ready to print.
    Product(Vec<String>),
    /// An expression with an operator at its top level.
    Expr(String),
}

impl Text {
    fn render(&self) -> String {
        match self {
            Text::Atom(s) | Text::Expr(s) => s.clone(),
            Text::Sum(base, 0) => base.clone(),
            Text::Sum(base, o) if *o > 0 => format!("{base} + {o}"),
            Text::Sum(base, o) => format!("{base} - {}", o.unsigned_abs()),
            Text::Product(factors) => factors.join("×"),
        }
    }

    /// As an operand of `×` or `/`: in parentheses unless it binds as tightly.
    fn factor(&self) -> String {
        match self {
            Text::Atom(_) | Text::Product(_) | Text::Sum(_, 0) => self.render(),
            Text::Sum(..) | Text::Expr(_) => format!("({})", self.render()),
        }
    }

    fn of_user(text: String) -> Self {
        if text.contains(' ') {
            Text::Expr(text)
        } else {
            Text::Atom(text)
        }
    }
}

/// A sample's shape, outermost first: `[13]`, `[channels, length]`, `[channels, height, width]`.
pub type Dims = Vec<Size>;

impl Size {
    /// The literal `value`, spanned on `span`.
    pub fn new(value: u64, span: Span) -> Self {
        Size {
            expr: Box::new(Expr::Lit(syn::ExprLit {
                attrs: Vec::new(),
                lit: syn::Lit::Int(LitInt::new(&value.to_string(), span)),
            })),
            literal: Some(value),
            named: None,
            text: Text::Atom(value.to_string()),
        }
    }

    /// A literal the user wrote, `value` read from `expr`.
    pub fn written(value: u64, expr: &Expr) -> Self {
        Size {
            expr: Box::new(expr.clone()),
            literal: Some(value),
            named: None,
            text: Text::Atom(value.to_string()),
        }
    }

    /// A constant expression the user wrote, such as `HIDDEN` or `sizes::N + 1`: a row of the
    /// model's table of sizes (the same expression twice is one row).
    pub fn constant(expr: &Expr) -> Self {
        let text = expr.to_token_stream().to_string();
        let named = consts::given(&text, expr);
        Size {
            expr: Box::new(expr.clone()),
            literal: None,
            named: Some(named),
            text: Text::of_user(text),
        }
    }

    /// The length as generated code writes it, in an array type or as a const generic argument:
    /// `13`, or the name of the constant, `__NN_Net_0`.
    pub fn len(&self) -> TokenStream {
        match (self.literal, &self.named) {
            (Some(value), _) => {
                let value = value as usize;
                quote!(#value)
            }
            (None, Some(named)) => named.used.to_token_stream(),
            (None, None) => unreachable!("a size is a literal or a constant"),
        }
    }

    /// A const generic argument: the same as [`Size::len`].
    pub fn generic(&self) -> TokenStream {
        self.len()
    }

    /// The value the user asked for, for `const` checks: a size's array length may be made
    /// smaller when the model is over the limits, so that its error comes fast.
    pub fn raw(&self) -> TokenStream {
        match (self.literal, &self.named) {
            (Some(value), _) => {
                let value = value as usize;
                quote!(#value)
            }
            (None, Some(named)) => named.raw.to_token_stream(),
            (None, None) => unreachable!("a size is a literal or a constant"),
        }
    }

    /// Whether `self` and `other` are the same size: the same literal, or the same constant
    /// expression.
    pub fn same(&self, other: &Size) -> bool {
        match (self.literal, other.literal) {
            (Some(a), Some(b)) => a == b,
            (None, None) => self.named == other.named,
            _ => false,
        }
    }

    /// The size described as `text` in messages: `8×8×8 = 512` for what `Flatten` gives.
    pub fn described(mut self, text: String) -> Self {
        self.text = Text::Expr(text);
        self
    }

    /// The size as the user wrote it, for messages: `13`, `HIDDEN`, `H - 2`.
    pub fn text(&self) -> String {
        self.text.render()
    }

    pub fn span(&self) -> Span {
        self.expr.span()
    }

    /// `self op other`: a literal when both are, else a new constant. `None` when literals
    /// would go below zero (the caller reports that). Constants saturate at 0 instead: a
    /// `const` check reports what went wrong.
    fn combine(&self, other: &Size, op: Op) -> Option<Size> {
        let identity = match op {
            Op::Add | Op::Sub => 0,
            Op::Mul | Op::Div => 1,
        };
        if other.literal == Some(identity) {
            return Some(self.clone());
        }
        if let (Some(a), Some(b)) = (self.literal, other.literal) {
            let value = match op {
                Op::Add => a.checked_add(b)?,
                Op::Sub => a.checked_sub(b)?,
                Op::Mul => a.checked_mul(b)?,
                Op::Div => a.checked_div(b)?,
            };
            let mut size = Size::new(value, self.span());
            size.expr = self.expr.clone();
            return Some(size);
        }
        let text = match (op, other.literal) {
            (Op::Add | Op::Sub, Some(b)) => {
                let b = if matches!(op, Op::Add) {
                    i128::from(b)
                } else {
                    -i128::from(b)
                };
                match &self.text {
                    Text::Sum(base, o) => Text::Sum(base.clone(), o + b),
                    other => Text::Sum(other.render(), b),
                }
            }
            (Op::Add, None) => Text::Expr(format!("{} + {}", self.text(), other.text.factor())),
            (Op::Sub, None) => Text::Expr(format!("{} - {}", self.text(), other.text.factor())),
            (Op::Mul, _) => {
                let mut factors = Vec::new();
                for text in [&self.text, &other.text] {
                    match text {
                        Text::Product(inner) => factors.extend(inner.iter().cloned()),
                        other => factors.push(other.factor()),
                    }
                }
                Text::Product(factors)
            }
            (Op::Div, _) => Text::Expr(format!("{} / {}", self.text.factor(), other.text.factor())),
        };
        let method = match op {
            Op::Add => quote!(saturating_add),
            Op::Sub => quote!(saturating_sub),
            Op::Mul => quote!(saturating_mul),
            Op::Div => quote!(wrapping_div),
        };
        let (raw_a, raw_b, used_a, used_b) = (self.raw(), other.raw(), self.len(), other.len());
        // A divisor of 0 (a constant `groups`) is reported by a check; here it gives 0.
        let apply = |a: TokenStream, b: TokenStream| match op {
            Op::Div => quote!(if #b == 0 { 0 } else { (#a).#method(#b) }),
            _ => quote!((#a).#method(#b)),
        };
        let named = consts::derived(
            &format!("{op:?}({}, {})", self.key(), other.key()),
            apply(raw_a, raw_b),
            apply(used_a, used_b),
        );
        Some(Size {
            expr: self.expr.clone(),
            literal: None,
            named: Some(named),
            text,
        })
    }

    /// What makes two sizes the same row of the table.
    fn key(&self) -> String {
        match (self.literal, &self.named) {
            (Some(value), _) => value.to_string(),
            (None, Some(named)) => format!("#{}", named.id),
            (None, None) => unreachable!("a size is a literal or a constant"),
        }
    }

    pub fn add(&self, other: &Size) -> Option<Size> {
        self.combine(other, Op::Add)
    }
    pub fn sub(&self, other: &Size) -> Option<Size> {
        self.combine(other, Op::Sub)
    }
    pub fn mul(&self, other: &Size) -> Option<Size> {
        self.combine(other, Op::Mul)
    }
    pub fn div(&self, other: &Size) -> Option<Size> {
        self.combine(other, Op::Div)
    }
}

#[derive(Clone, Copy, Debug)]
enum Op {
    Add,
    Sub,
    Mul,
    Div,
}

/// The type of one sample of this shape: `[f32; 13]`, `[[[f32; 32]; 32]; 3]`.
pub fn sample_type(dims: &[Size]) -> TokenStream {
    let mut ty = quote!(::core::primitive::f32);
    for size in dims.iter().rev() {
        let len = size.len();
        ty = quote!([#ty; #len]);
    }
    ty
}

/// A shape for messages: `13`, `8×8×8`, `8×(H - 2)`.
pub fn describe(dims: &[Size]) -> String {
    match dims {
        [one] => one.text(),
        _ => dims
            .iter()
            .map(|d| d.text.factor())
            .collect::<Vec<_>>()
            .join("×"),
    }
}

/// The number of values in a sample of this shape, if the macro can know it.
pub fn numel(dims: &[Size]) -> Option<u128> {
    dims.iter()
        .try_fold(1u128, |n, size| Some(n * u128::from(size.literal?)))
}

/// The number of values the user asked for in a sample of this shape, as a `usize` expression
/// that saturates rather than overflows, for `const` checks.
pub fn numel_raw(dims: &[Size]) -> TokenStream {
    let lens = dims.iter().map(Size::raw);
    quote!(1usize #(.saturating_mul(#lens))*)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn constant(text: &str) -> Size {
        Size::constant(&syn::parse_str(text).expect("an expression"))
    }

    #[test]
    fn sizes_worked_out_from_constants_read_as_written() {
        let ident = syn::parse_str("Net").expect("a name");
        let ((), _) = consts::collect(&ident, || {
            let span = Span::call_site();
            let h = constant("H");
            // A convolution of kernel 3, then a pool of 2: PyTorch's formulas.
            let conv = h
                .sub(&Size::new(3, span))
                .unwrap()
                .add(&Size::new(1, span))
                .unwrap();
            assert_eq!(conv.text(), "H - 2");
            let pool = conv
                .sub(&Size::new(2, span))
                .unwrap()
                .div(&Size::new(2, span))
                .unwrap();
            let pool = pool.add(&Size::new(1, span)).unwrap();
            assert_eq!(pool.text(), "(H - 4) / 2 + 1");
            let flat = Size::new(8, span).mul(&pool).unwrap().mul(&pool).unwrap();
            assert_eq!(flat.text(), "8×((H - 4) / 2 + 1)×((H - 4) / 2 + 1)");
            assert_eq!(
                describe(&[Size::new(8, span), conv.clone(), h]),
                "8×(H - 2)×H"
            );
            // The same expression twice is one constant.
            assert!(constant("N + 1").same(&constant("N + 1")));
            assert!(!constant("N + 1").same(&constant("N + 2")));
            // Literals stay literals, and adding 0 changes nothing.
            assert_eq!(
                Size::new(6, span).mul(&Size::new(7, span)).unwrap().literal,
                Some(42)
            );
            assert!(conv.add(&Size::new(0, span)).unwrap().same(&conv));
        });
    }
}
