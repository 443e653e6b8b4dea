//! `#[weights = "models/temp.safetensors"]`: the model's trained values, read from a
//! safetensors file when the crate compiles, as `const TRAINED: Self`.
//!
//! The path is relative to the `Cargo.toml` directory of the crate using the macro. The file
//! must hold exactly the model's `state_dict` keys, F32, with PyTorch's shapes; anything else
//! is a compile error naming the key and both shapes. An `include_bytes!` of the file makes
//! cargo rebuild when it changes.

use std::path::PathBuf;

use proc_macro2::{Literal, TokenStream};
use quote::quote;
use safetensors::{Dtype, SafeTensors};
use syn::{Attribute, Expr, ExprLit, Lit, LitStr, Meta};

use crate::valid::{Field, Kind, Model};

/// Removes `#[weights = "..."]` from the struct's attributes and returns its path.
pub fn take(attrs: &mut Vec<Attribute>) -> syn::Result<Option<LitStr>> {
    let Some(index) = attrs.iter().position(|a| a.path().is_ident("weights")) else {
        return Ok(None);
    };
    let attr = attrs.remove(index);
    if let Some(again) = attrs.iter().find(|a| a.path().is_ident("weights")) {
        return Err(syn::Error::new_spanned(
            again,
            "a model takes one `#[weights = \"...\"]` file",
        ));
    }
    match &attr.meta {
        Meta::NameValue(nv) => match &nv.value {
            Expr::Lit(ExprLit {
                lit: Lit::Str(path),
                ..
            }) => Ok(Some(path.clone())),
            other => Err(syn::Error::new_spanned(
                other,
                "expected a path in quotes: `#[weights = \"models/net.safetensors\"]`",
            )),
        },
        _ => Err(syn::Error::new_spanned(
            &attr,
            "expected `#[weights = \"models/net.safetensors\"]`, a path relative to Cargo.toml",
        )),
    }
}

/// One parameter the model declares: its key, shape, and the layer that declares it.
struct Expected<'a> {
    key: String,
    shape: Vec<usize>,
    layer: &'a crate::valid::Layer,
}

/// The model's parameters in `parameters()` order, or an error for a size the macro cannot
/// read (a constant rather than a literal).
fn expected(model: &Model) -> syn::Result<Vec<Expected<'_>>> {
    let mut params = Vec::new();
    for layer in &model.layers {
        let Kind::Linear {
            inputs,
            outputs,
            bias,
        } = &layer.kind
        else {
            continue;
        };
        let (Some(i), Some(o)) = (inputs.literal, outputs.literal) else {
            return Err(syn::Error::new_spanned(
                &layer.call,
                format_args!(
                    "`#[weights]` needs the sizes of `{}` as integer literals, to check them against the file",
                    layer.call
                ),
            ));
        };
        let module = match &layer.field {
            Field::Named(ident) => ident.to_string(),
            Field::Index(index) => index.to_string(),
        };
        let (i, o) = (i as usize, o as usize);
        params.push(Expected {
            key: format!("{module}.weight"),
            shape: vec![o, i],
            layer,
        });
        if *bias {
            params.push(Expected {
                key: format!("{module}.bias"),
                shape: vec![o],
                layer,
            });
        }
    }
    Ok(params)
}

/// `impl Model { pub const TRAINED: Self = ...; }` and the `include_bytes!`, or the errors.
pub fn expand(model: &Model, path: &LitStr) -> TokenStream {
    match trained(model, path) {
        Ok(tokens) => tokens,
        Err(error) => error.to_compile_error(),
    }
}

fn trained(model: &Model, path: &LitStr) -> syn::Result<TokenStream> {
    let relative = path.value();
    let dir = std::env::var_os("CARGO_MANIFEST_DIR").ok_or_else(|| {
        syn::Error::new_spanned(path, "CARGO_MANIFEST_DIR is not set: build with cargo")
    })?;
    let full = PathBuf::from(dir).join(&relative);
    let bytes = std::fs::read(&full).map_err(|e| {
        syn::Error::new_spanned(
            path,
            format_args!("cannot read the weights file {}: {e}", full.display()),
        )
    })?;
    let file = SafeTensors::deserialize(&bytes).map_err(|e| {
        syn::Error::new_spanned(
            path,
            format_args!("`{relative}` is not a valid safetensors file: {e}"),
        )
    })?;
    let params = expected(model)?;

    let mut errors: Option<syn::Error> = None;
    let mut push = |e: syn::Error| match &mut errors {
        Some(all) => all.combine(e),
        None => errors = Some(e),
    };
    let mut values = Vec::new();
    for p in &params {
        let Ok(tensor) = file.tensor(&p.key) else {
            push(syn::Error::new_spanned(
                &p.layer.call,
                format_args!(
                    "`{relative}` has no tensor `{}` (shape {:?}) for `{}`",
                    p.key, p.shape, p.layer.call
                ),
            ));
            continue;
        };
        if tensor.dtype() != Dtype::F32 {
            push(syn::Error::new_spanned(
                &p.layer.call,
                format_args!(
                    "`{}` is {} in `{relative}`, but the model holds F32",
                    p.key,
                    tensor.dtype()
                ),
            ));
        } else if tensor.shape() != p.shape.as_slice() {
            push(syn::Error::new_spanned(
                &p.layer.call,
                format_args!(
                    "`{}` has shape {:?} in `{relative}` but `{}` needs {:?}",
                    p.key,
                    tensor.shape(),
                    p.layer.call,
                    p.shape
                ),
            ));
        } else {
            values.extend(tensor.data().chunks_exact(4).map(|b| {
                let bits = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
                let bits = Literal::u32_suffixed(bits);
                quote!(::core::primitive::f32::from_bits(#bits))
            }));
        }
    }
    let mut unexpected: Vec<&str> = file
        .names()
        .into_iter()
        .filter(|name| !params.iter().any(|p| p.key == *name))
        .collect();
    unexpected.sort_unstable();
    for name in unexpected {
        push(syn::Error::new_spanned(
            path,
            format_args!(
                "`{relative}` has a tensor `{name}` that `{}` does not have",
                model.ident
            ),
        ));
    }
    if let Some(errors) = errors {
        return Err(errors);
    }

    let ident = &model.ident;
    let full = full.to_string_lossy().into_owned();
    let doc = format!("The model with the values of `{relative}`, baked in at compile time.");
    Ok(quote! {
        impl #ident {
            #[doc = #doc]
            pub const TRAINED: Self = Self::from_params(&[#(#values),*]);
        }
        // Rebuilds the model when the file changes.
        const _: &[::core::primitive::u8] = ::core::include_bytes!(#full);
    })
}
