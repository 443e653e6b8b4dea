//! The `sequential!` macro of `nncore`. Depend on `nncore`, which re-exports it.
//!
//! The macro runs in three phases, one file each: `ast` parses the input keeping every token,
//! `valid` checks it and works out the shapes, `expand` writes the code.

use proc_macro::TokenStream;

mod ast;
mod expand;
mod valid;

/// Declares a model as a list of layers; see `nncore` for the syntax and what it generates.
#[proc_macro]
pub fn sequential(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as ast::Input);
    match valid::validate(input) {
        Ok(model) => expand::expand(&model),
        Err(failed) => {
            let (error, stub) = *failed;
            expand::fallback(&stub, error)
        }
    }
    .into()
}
