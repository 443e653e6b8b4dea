//! The `sequential!` macro of `nncore`. Depend on `nncore`, which re-exports it.
//!
//! The macro runs in three phases: `ast` parses the input keeping every token (and reads
//! PyTorch's spellings as what they mean, reporting them), `valid` (with `chain`, the shapes
//! between layers, and `limits`, the size limits) checks it into the model of `ir`, and
//! `expand` writes the code. What each layer kind means to every phase is in one place,
//! `catalog`. Sizes given as constant expressions become `const` items (`consts`). `weights`
//! reads the file named by `#[weights = "..."]`.

use proc_macro::TokenStream;

mod ast;
mod catalog;
mod chain;
mod consts;
mod errors;
mod expand;
mod ir;
mod limits;
mod shape;
mod suggest;
mod tflite;
mod valid;
mod weights;

#[cfg(test)]
mod snapshots;

/// Declares a model as a list of layers; see `nncore` for the syntax and what it generates.
#[proc_macro]
pub fn sequential(input: TokenStream) -> TokenStream {
    expand_sequential(input.into()).into()
}

/// Compiles a `.tflite` file into an int8 model type; see `nncore` for the syntax and what it
/// generates.
#[proc_macro]
pub fn tflite(input: TokenStream) -> TokenStream {
    tflite::expand(input.into()).into()
}

/// The macro on `proc_macro2` tokens, so that tests can run it.
/// Each model may be a layer of the models after it.
fn expand_sequential(input: proc_macro2::TokenStream) -> proc_macro2::TokenStream {
    let mut known = catalog::nested::Known::new();
    ast::parse(input)
        .into_iter()
        .map(|model| match model {
            Ok(model) => expand_model(model, &mut known),
            Err(error) => error.to_compile_error(),
        })
        .collect()
}

/// One model: checked, then written, or its errors and a stub in its place.
fn expand_model(
    mut input: ast::Input,
    known: &mut catalog::nested::Known,
) -> proc_macro2::TokenStream {
    let ident = input.ident.clone();
    if known.iter().any(|(name, _)| *name == ident) {
        // Only the first is written, so that this is the one error: two definitions would each
        // conflict with the other in every impl.
        let message = format!(
            "a model named `{ident}` is declared above in this `sequential!`; give this one another name"
        );
        return syn::Error::new(ident.span(), message).to_compile_error();
    }
    let weights = weights::take(&mut input.attrs);
    let checked = valid::validate(input, known);
    known.push((ident, checked.as_ref().ok().map(valid::declared)));
    match (checked, weights) {
        (Ok(model), Ok(weights)) => {
            let mut tokens = expand::expand(&model);
            if let Some(path) = weights {
                tokens.extend(weights::expand(&model, &path));
            }
            tokens
        }
        // The model itself is sound: write it, so that only the weights file is reported.
        (Ok(model), Err(error)) => {
            let mut tokens = expand::expand(&model);
            tokens.extend(weights::failed(&model, error));
            tokens
        }
        (Err(failed), weights) => {
            let (mut error, stub) = *failed;
            if let Err(weights) = weights {
                error.combine(weights);
            }
            expand::fallback(&stub, error)
        }
    }
}
