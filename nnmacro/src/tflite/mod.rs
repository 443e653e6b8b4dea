//! `tflite!`: a `.tflite` file compiled into an int8 model type when the crate compiles.
//!
//! ```text
//! nncore::tflite! {
//!     /// The keyword spotter.
//!     #[follow = "micro"]            // or "interpreter"; "micro" when absent
//!     pub struct Kws = "models/kws.tflite";
//! }
//! ```
//!
//! The phases: `read` reads the flatbuffer, `graph` (with `ops`) checks every operator and
//! tensor, `write` writes the type. The path is relative to the `Cargo.toml` directory of the
//! crate using the macro; an `include_bytes!` of the file makes cargo rebuild when it changes.

mod graph;
mod names;
mod ops;
mod read;
mod values;
mod write;

use proc_macro2::TokenStream;
use quote::quote;
use syn::parse::{Parse, ParseStream};
use syn::{Attribute, Expr, ExprLit, Ident, Lit, LitStr, Meta, Token, Visibility};

pub use write::Follow;

/// One `vis struct Name = "path";`.
struct Import {
    attrs: Vec<Attribute>,
    follow: Follow,
    vis: Visibility,
    ident: Ident,
    path: LitStr,
}

impl Parse for Import {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let mut attrs = input.call(Attribute::parse_outer)?;
        let mut follow = Follow::Micro;
        if let Some(at) = attrs.iter().position(|a| a.path().is_ident("follow")) {
            let attr = attrs.remove(at);
            follow = match &attr.meta {
                Meta::NameValue(nv) => match &nv.value {
                    Expr::Lit(ExprLit {
                        lit: Lit::Str(s), ..
                    }) if s.value() == "micro" => Follow::Micro,
                    Expr::Lit(ExprLit {
                        lit: Lit::Str(s), ..
                    }) if s.value() == "interpreter" => Follow::Interpreter,
                    other => {
                        return Err(syn::Error::new_spanned(
                            other,
                            "expected \"micro\" (TensorFlow Lite Micro) or \"interpreter\" (TensorFlow Lite's reference interpreter)",
                        ));
                    }
                },
                _ => {
                    return Err(syn::Error::new_spanned(
                        &attr,
                        "expected `#[follow = \"micro\"]` or `#[follow = \"interpreter\"]`",
                    ));
                }
            };
        }
        let vis = input.parse()?;
        input.parse::<Token![struct]>()?;
        let ident = input.parse()?;
        input.parse::<Token![=]>()?;
        let path = input.parse()?;
        input.parse::<Token![;]>()?;
        Ok(Import {
            attrs,
            follow,
            vis,
            ident,
            path,
        })
    }
}

/// The macro: each import, or its error on the path.
pub fn expand(input: TokenStream) -> TokenStream {
    let parsed = syn::parse::Parser::parse2(
        |input: ParseStream| {
            let mut all = Vec::new();
            while !input.is_empty() {
                all.push(input.parse::<Import>()?);
            }
            Ok(all)
        },
        input,
    );
    match parsed {
        Ok(imports) => imports.iter().map(import).collect(),
        Err(e) => e.to_compile_error(),
    }
}

fn import(i: &Import) -> TokenStream {
    let rel = i.path.value();
    let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
    let full = std::path::Path::new(&dir).join(&rel);
    let fail =
        |msg: String| syn::Error::new(i.path.span(), format!("`{rel}`: {msg}")).to_compile_error();
    let bytes = match std::fs::read(&full) {
        Ok(b) => b,
        Err(e) => {
            return fail(format!(
                "cannot read the file, a path relative to the directory of this crate's \
                 `Cargo.toml`: {e}"
            ));
        }
    };
    let checked = read::Model::parse(&bytes).and_then(|m| graph::check(&m));
    let graph = match checked {
        Ok(g) => g,
        Err(msg) => return fail(msg),
    };
    let code = write::model(&graph, &i.ident, &i.vis, &i.attrs, i.follow, &rel);
    let tracked = full.to_string_lossy().into_owned();
    quote! {
        #code
        const _: &[::core::primitive::u8] = ::core::include_bytes!(#tracked);
    }
}

#[cfg(test)]
mod tests {
    use super::{graph, read};

    /// A golden file of the workspace's tests.
    fn golden(name: &str) -> Vec<u8> {
        let dir = env!("CARGO_MANIFEST_DIR");
        std::fs::read(format!("{dir}/../tests/tflite/{name}/model.tflite")).unwrap()
    }

    fn check(bytes: &[u8]) -> Result<graph::Graph, String> {
        read::Model::parse(bytes).and_then(|m| graph::check(&m))
    }

    #[test]
    fn the_golden_files_check() {
        for name in ["digits_cnn_int8", "residual_cnn_int8", "ds_cnn_int8"] {
            let graph = check(&golden(name)).unwrap();
            assert!(!graph.float_input && !graph.float_output);
            assert!(graph.nodes.len() >= 6, "{name}");
        }
    }

    /// Cut or corrupted files give errors, never a panic.
    #[test]
    fn damaged_files_are_errors() {
        let bytes = golden("residual_cnn_int8");
        for cut in (0..bytes.len()).step_by(61) {
            assert!(check(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        let mut flipped = bytes.clone();
        let (ident, vis) = (syn::parse_quote!(Net), syn::parse_quote!(pub));
        for at in (0..bytes.len()).step_by(7) {
            flipped[at] ^= 0xa5;
            if let Ok(graph) = check(&flipped) {
                let _ = super::write::model(&graph, &ident, &vis, &[], super::Follow::Micro, "x");
            }
            flipped[at] = bytes[at];
        }
        assert!(check(b"TFL3").is_err());
    }
}
