//! Sizes and shapes as the macro knows them: integer literals it can check itself, or constant
//! expressions that only the compiler can evaluate, checked by `const` assertions.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Expr, LitInt};

/// One dimension: `13`, or an expression such as `HIDDEN`.
#[derive(Clone)]
pub struct Size {
    pub expr: Box<Expr>,
    /// The value, when the macro can know it.
    pub literal: Option<u64>,
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
        }
    }

    /// An array length: `13`, or the expression as written.
    pub fn len(&self) -> TokenStream {
        let expr = &self.expr;
        match self.literal {
            Some(value) => {
                let value = value as usize;
                quote_spanned!(expr.span()=> #value)
            }
            None => quote_spanned!(expr.span()=> #expr),
        }
    }

    /// A const generic argument: `13`, or `{ HIDDEN + 1 }` for an expression.
    pub fn generic(&self) -> TokenStream {
        let expr = &self.expr;
        match self.literal {
            Some(_) => self.len(),
            // A path or a literal is a const argument as it is; braces would be linted as unused.
            None if matches!(**expr, Expr::Path(_) | Expr::Lit(_)) => self.len(),
            None => quote_spanned!(expr.span()=> { #expr }),
        }
    }

    /// The size as the user wrote it, for messages: `13`, `HIDDEN`.
    pub fn text(&self) -> String {
        match self.literal {
            Some(value) => value.to_string(),
            None => self.expr.to_token_stream().to_string(),
        }
    }

    pub fn span(&self) -> Span {
        self.expr.span()
    }

    /// `self op other`: a literal when both are, else the expression for the compiler. `None`
    /// when literals would go below zero (the caller reports that).
    fn combine(&self, other: &Size, op: Op) -> Option<Size> {
        if let (Some(a), Some(b)) = (self.literal, other.literal) {
            let value = match op {
                Op::Add => a.checked_add(b)?,
                Op::Sub => a.checked_sub(b)?,
                Op::Div => a.checked_div(b)?,
            };
            return Some(Size::new(value, self.span()));
        }
        let (a, b) = (self.len(), other.len());
        let expr: Expr = match op {
            Op::Add => syn::parse_quote_spanned!(self.span()=> (#a) + (#b)),
            Op::Sub => syn::parse_quote_spanned!(self.span()=> (#a) - (#b)),
            Op::Div => syn::parse_quote_spanned!(self.span()=> (#a) / (#b)),
        };
        Some(Size {
            expr: Box::new(expr),
            literal: None,
        })
    }

    pub fn add(&self, other: &Size) -> Option<Size> {
        self.combine(other, Op::Add)
    }
    pub fn sub(&self, other: &Size) -> Option<Size> {
        self.combine(other, Op::Sub)
    }
    pub fn div(&self, other: &Size) -> Option<Size> {
        self.combine(other, Op::Div)
    }
}

#[derive(Clone, Copy)]
enum Op {
    Add,
    Sub,
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

/// A shape for messages: `13`, `8×8×8`.
pub fn describe(dims: &[Size]) -> String {
    dims.iter().map(Size::text).collect::<Vec<_>>().join("×")
}

/// The number of values in a sample of this shape, if the macro can know it.
pub fn numel(dims: &[Size]) -> Option<u128> {
    dims.iter()
        .try_fold(1u128, |n, size| Some(n * u128::from(size.literal?)))
}

/// The number of values in a sample of this shape, as a `usize` expression.
pub fn numel_tokens(dims: &[Size]) -> TokenStream {
    let lens = dims.iter().map(Size::len);
    quote!((1 #(* (#lens))*))
}
