//! The one place the macro's mistakes go, so that one compile reports all of them.

use quote::ToTokens;

/// Gathers errors, each spanned on the tokens it is about; [`Errors::finish`] folds them into
/// one `syn::Error` (serde_derive's `Ctxt`).
#[derive(Default)]
pub struct Errors(Option<syn::Error>);

impl Errors {
    pub fn push(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(error),
            None => self.0 = Some(error),
        }
    }

    /// An error on `tokens`.
    pub fn spanned(&mut self, tokens: impl ToTokens, message: impl std::fmt::Display) {
        self.push(syn::Error::new_spanned(tokens, message));
    }

    /// Every error, or `None`.
    pub fn finish(self) -> Option<syn::Error> {
        self.0
    }
}
