//! Sizes given as constant expressions (`HIDDEN`, `sizes::N + 1`, `{ 2 * K }`, `f(3)`): each
//! becomes a `const` item of the generated code, so that it is written once, whatever its form.
//!
//! A size the user wrote is `const __NN_Net_R0: usize = <the expression>;`: a wrong type or an
//! unknown name is one error there, on the user's tokens, and nowhere else. Every array length
//! and const generic argument names `__NN_Net_0`, which is the same value, or 1 when the model
//! is over its limits: a model of `Linear(H, H)` with `H = 1 << 30` then fails on the limit's
//! `const` assertion at once, without the compiler first laying out its gigabyte arrays. Sizes
//! worked out from others (a convolution's output length) are rows too, computed in both
//! versions with saturating arithmetic, so that only the macro's checks report a mistake.
//!
//! The table is filled while one model is validated (a thread-local, set by [`collect`]).

use std::cell::RefCell;

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};
use syn::Expr;
use syn::ext::IdentExt;

/// The constant sizes of one model.
#[derive(Default)]
pub struct Table {
    prefix: String,
    rows: Vec<Row>,
}

struct Row {
    /// What makes two rows the same: the expression's text.
    key: String,
    /// The value asked for, in terms of the user's expression or of other rows' raw values.
    raw: TokenStream,
    /// The value array lengths use; `None` for a size the user wrote (it is clamped).
    used: Option<TokenStream>,
}

thread_local! {
    static TABLE: RefCell<Option<Table>> = const { RefCell::new(None) };
}

/// Runs `f` (the validation of the model `model`) and returns what it gave with the table of
/// the constant sizes made meanwhile.
pub fn collect<R>(model: &Ident, f: impl FnOnce() -> R) -> (R, Table) {
    let table = Table {
        prefix: format!("__NN_{}", model.unraw()),
        rows: Vec::new(),
    };
    let previous = TABLE.with(|t| t.borrow_mut().replace(table));
    let result = f();
    let table = TABLE.with(|t| std::mem::replace(&mut *t.borrow_mut(), previous));
    (result, table.expect("the table set above"))
}

/// A row of the table: its index, and the names of its used and raw values.
#[derive(Clone, PartialEq)]
pub struct Named {
    pub id: usize,
    pub used: Ident,
    pub raw: Ident,
}

fn row(key: &str, make: impl FnOnce() -> Row) -> Named {
    TABLE.with(|t| {
        let mut t = t.borrow_mut();
        let table = t
            .as_mut()
            .expect("constant sizes are made while a model is validated");
        let id = match table.rows.iter().position(|row| row.key == key) {
            Some(id) => id,
            None => {
                table.rows.push(make());
                table.rows.len() - 1
            }
        };
        Named {
            id,
            used: ident(&table.prefix, id, false),
            raw: ident(&table.prefix, id, true),
        }
    })
}

fn ident(prefix: &str, id: usize, raw: bool) -> Ident {
    let kind = if raw { "R" } else { "" };
    Ident::new(&format!("{prefix}_{kind}{id}"), Span::call_site())
}

/// The row of a size the user wrote, `expr` (the same text twice is one row).
pub fn given(text: &str, expr: &Expr) -> Named {
    row(text, || Row {
        key: text.to_owned(),
        raw: quote!(#expr),
        used: None,
    })
}

/// The row of a size worked out from others: its raw and used values.
pub fn derived(key: &str, raw: TokenStream, used: TokenStream) -> Named {
    row(key, || Row {
        key: key.to_owned(),
        raw,
        used: Some(used),
    })
}

impl Table {
    /// The name of the `bool` that says whether the model is within its limits.
    pub fn fits(&self) -> Ident {
        format_ident!("{}_FITS", self.prefix)
    }

    /// The `const` items, with `fits` (an expression of the raw values) deciding whether the
    /// sizes the user wrote are used as they are or as 1.
    pub fn definitions(&self, fits: &TokenStream) -> TokenStream {
        if self.rows.is_empty() {
            return TokenStream::new();
        }
        let usize = quote!(::core::primitive::usize);
        let fits_name = self.fits();
        let rows = self.rows.iter().enumerate().map(|(id, row)| {
            let (raw_name, used_name) = (
                ident(&self.prefix, id, true),
                ident(&self.prefix, id, false),
            );
            let raw = &row.raw;
            let used = row
                .used
                .clone()
                .unwrap_or_else(|| quote!(if #fits_name { #raw_name } else { 1 }));
            quote! {
                #[allow(non_upper_case_globals, dead_code)]
                const #raw_name: #usize = #raw;
                #[allow(non_upper_case_globals, dead_code)]
                const #used_name: #usize = #used;
            }
        });
        quote! {
            #[allow(non_upper_case_globals, dead_code)]
            const #fits_name: ::core::primitive::bool = #fits;
            #(#rows)*
        }
    }
}
