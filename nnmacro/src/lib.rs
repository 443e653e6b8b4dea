//! The `sequential!` macro of `nncore`. Depend on `nncore`, which re-exports it.
//!
//! The macro runs in three phases, one file each: `ast` parses the input keeping every token,
//! `valid` checks it and works out the shapes, `expand` writes the code. `weights` reads the
//! file named by `#[weights = "..."]`.

use proc_macro::TokenStream;

mod ast;
mod expand;
mod valid;
mod weights;

#[cfg(test)]
mod snapshots;

/// Declares a model as a list of layers; see `nncore` for the syntax and what it generates.
#[proc_macro]
pub fn sequential(input: TokenStream) -> TokenStream {
    expand_sequential(input.into()).into()
}

/// The macro on `proc_macro2` tokens, so that tests can run it.
fn expand_sequential(input: proc_macro2::TokenStream) -> proc_macro2::TokenStream {
    let mut input = match syn::parse2::<ast::Input>(input) {
        Ok(input) => input,
        Err(error) => return error.to_compile_error(),
    };
    let weights = weights::take(&mut input.attrs);
    match (valid::validate(input), weights) {
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
            tokens.extend(error.to_compile_error());
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
