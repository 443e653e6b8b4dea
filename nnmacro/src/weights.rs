//! `#[weights = "models/temp.safetensors"]`: the model's trained values, read from a
//! safetensors file when the crate compiles, as `const TRAINED: Self`.
//!
//! The path is relative to the `Cargo.toml` directory of the crate using the macro. The file
//! must hold exactly the model's `state_dict` keys, F32 (I64 for BatchNorm's
//! `num_batches_tracked`), with PyTorch's shapes; anything else
//! is a compile error naming the key and both shapes. An `include_bytes!` of the file makes
//! cargo rebuild when it changes.

use std::path::PathBuf;

use proc_macro2::{Literal, TokenStream};
use quote::quote;
use safetensors::{Dtype, SafeTensors};
use syn::{Attribute, Expr, ExprLit, Lit, LitStr, Meta};

use crate::ir::{Layer, Model};

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

/// One tensor the model declares: its key, shape, dtype, and the layer that declares it.
struct Expected<'a> {
    key: String,
    shape: Vec<usize>,
    int64: bool,
    layer: &'a Layer,
}

/// The model's parameters then its buffers, each in `state_dict` order, or an error for a size
/// the macro cannot read (a constant rather than a literal).
fn expected(model: &Model) -> syn::Result<(Vec<Expected<'_>>, Vec<Expected<'_>>)> {
    let (mut params, mut buffers) = (Vec::new(), Vec::new());
    for (layer, input) in model.layers_with_inputs() {
        let module = layer.field.module_name();
        let tensors = layer.kind.params(input).into_iter().map(|t| (t, false));
        let tensors = tensors.chain(layer.kind.buffers(input).into_iter().map(|t| (t, true)));
        for (tensor, buffer) in tensors {
            let Some(shape) = tensor
                .dims
                .iter()
                .map(|d| d.literal.map(|v| v as usize))
                .collect()
            else {
                return Err(syn::Error::new_spanned(
                    &layer.call,
                    format_args!(
                        "`#[weights]` needs the sizes of `{}` as integer literals, to check them against the file",
                        layer.call
                    ),
                ));
            };
            let expected = Expected {
                key: format!("{module}.{}", tensor.name),
                shape,
                int64: tensor.int64,
                layer,
            };
            if buffer {
                buffers.push(expected)
            } else {
                params.push(expected)
            }
        }
    }
    Ok((params, buffers))
}

/// `impl Model { pub const TRAINED: Self = ...; }` and the `include_bytes!`, or the errors.
pub fn expand(model: &Model, path: &LitStr) -> TokenStream {
    match trained(model, path) {
        Ok(tokens) => tokens,
        Err(error) => failed(model, error),
    }
}

/// The errors about the weights file, and `TRAINED` as the zero model, so that the code that
/// uses it reports nothing more.
pub fn failed(model: &Model, error: syn::Error) -> TokenStream {
    let (ident, error) = (&model.ident, error.to_compile_error());
    quote! {
        #error
        #[allow(dead_code)]
        impl #ident {
            pub const TRAINED: Self = Self::ZERO;
        }
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
            format_args!(
                "cannot read the weights file `{relative}`, a path relative to the directory of this crate's `Cargo.toml`: {e}"
            ),
        )
    })?;
    let file = SafeTensors::deserialize(&bytes).map_err(|e| {
        syn::Error::new_spanned(
            path,
            format_args!("`{relative}` is not a valid safetensors file: {e}"),
        )
    })?;
    let (params, buffers) = expected(model)?;

    let mut errors: Option<syn::Error> = None;
    let mut push = |e: syn::Error| match &mut errors {
        Some(all) => all.combine(e),
        None => errors = Some(e),
    };
    let (mut values, mut buffer_values) = (Vec::new(), Vec::new());
    for (p, is_buffer) in params
        .iter()
        .map(|p| (p, false))
        .chain(buffers.iter().map(|b| (b, true)))
    {
        let dtype = if p.int64 { Dtype::I64 } else { Dtype::F32 };
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
        if tensor.dtype() != dtype {
            push(syn::Error::new_spanned(
                &p.layer.call,
                format_args!(
                    "`{}` is {} in `{relative}`, but the model holds {dtype}",
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
        } else if p.int64 {
            buffer_values.extend(tensor.data().chunks_exact(8).map(|b| {
                let value = i64::from_le_bytes(b.try_into().expect("8 bytes")) as f32;
                let bits = Literal::u32_suffixed(value.to_bits());
                quote!(::core::primitive::f32::from_bits(#bits))
            }));
        } else {
            let out = if is_buffer {
                &mut buffer_values
            } else {
                &mut values
            };
            out.extend(tensor.data().chunks_exact(4).map(|b| {
                let bits = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
                let bits = Literal::u32_suffixed(bits);
                quote!(::core::primitive::f32::from_bits(#bits))
            }));
        }
    }
    let mut unexpected: Vec<&str> = file
        .names()
        .into_iter()
        .filter(|name| !params.iter().chain(&buffers).any(|p| p.key == *name))
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
            pub const TRAINED: Self = Self::from_state(&[#(#values),*], &[#(#buffer_values),*]);
        }
        // Rebuilds the model when the file changes.
        const _: &[::core::primitive::u8] = ::core::include_bytes!(#full);
    })
}
