//! The `sequential!` macro of `nncore`. Depend on `nncore`, which re-exports it.
//!
//! The macro runs in three phases, one file each: `ast` parses the input keeping every token,
//! `valid` checks it and works out the shapes, `expand` writes the code.

use proc_macro::TokenStream;

mod ast;
mod expand;
mod valid;
mod weights;

/// Declares a model as a list of layers; see `nncore` for the syntax and what it generates.
#[proc_macro]
pub fn sequential(input: TokenStream) -> TokenStream {
    let mut input = syn::parse_macro_input!(input as ast::Input);
    let (ident, vis) = (input.ident.clone(), input.vis.clone());
    let weights = weights::take(&mut input.attrs);
    match (valid::validate(input), weights) {
        (Ok(model), Ok(weights)) => {
            let mut tokens = expand::expand(&model);
            if let Some(path) = weights {
                tokens.extend(weights::expand(&model, &path));
            }
            tokens
        }
        (Err(error), Ok(_)) | (Ok(_), Err(error)) => expand::fallback(&ident, &vis, error),
        (Err(mut error), Err(weights)) => {
            error.combine(weights);
            expand::fallback(&ident, &vis, error)
        }
    }
    .into()
}
