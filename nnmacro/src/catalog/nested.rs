//! A model declared earlier in the same `sequential!`, used as a layer: torchvision's
//! `layer1 = nn.Sequential(BasicBlock(...))`. Its names nest (`layer1.0.conv1.weight`) and it
//! prints inside the model that holds it.

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use super::{LayerKind, Link};
use crate::ir::TensorDef;
use crate::shape::{Dims, Size, describe};

/// What the models after a model know of it.
#[derive(Clone)]
pub struct Declared {
    pub ident: Ident,
    /// The shape it takes and the shape it gives.
    pub input: Dims,
    pub output: Dims,
    /// Its parameters and buffers with their names inside it (`conv1.weight`), in order.
    pub params: Vec<TensorDef>,
    pub buffers: Vec<TensorDef>,
    /// How many modules deep its deepest name is (`conv1.weight`: 1).
    pub depth: usize,
}

/// The models declared so far in one `sequential!`; `None` for one that did not check out, so
/// that its use reports nothing more.
pub type Known = Vec<(Ident, Option<Declared>)>;

impl Declared {
    /// The tensors of a model of `layers`, each `(field name, kind, input shape)`, named inside
    /// the model.
    pub fn tensors<'a>(
        layers: impl Iterator<Item = (String, &'a dyn LayerKind, &'a Dims)>,
    ) -> (Vec<TensorDef>, Vec<TensorDef>, usize) {
        let mut depth = 0;
        let mut named = |field: &str, defs: Vec<TensorDef>| -> Vec<TensorDef> {
            defs.into_iter()
                .map(|def| {
                    depth = depth.max(def.name.matches('.').count() + 1);
                    let name: &'static str = Box::leak(format!("{field}.{}", def.name).into());
                    TensorDef { name, ..def }
                })
                .collect()
        };
        let mut params = Vec::new();
        let mut buffers = Vec::new();
        for (field, kind, input) in layers {
            params.extend(named(&field, kind.params(input)));
            buffers.extend(named(&field, kind.buffers(input)));
        }
        (params, buffers, depth)
    }
}

impl LayerKind for Declared {
    fn input(&self) -> Option<Dims> {
        Some(self.input.clone())
    }

    fn nominal_input(&self) -> Dims {
        self.input.clone()
    }

    fn output(&self, input: &[Size], link: &mut Link) -> Option<Dims> {
        let (name, given, takes) = (&self.ident, describe(input), describe(&self.input));
        let message = format!(
            "`{name}` takes samples of shape {takes}, but {} gives {given}",
            link.source
        );
        if input.len() != self.input.len() {
            link.error(message);
            return None;
        }
        // Reported on the nested model where it is used: its sizes' own tokens are in its
        // declaration, which has nothing to change.
        let differ = self.input.iter().zip(input).any(
            |(takes, given)| matches!((takes.literal, given.literal), (Some(t), Some(g)) if t != g),
        );
        if differ {
            link.error(format_args!(
                "{message}\nchange the layer before to give {takes}"
            ));
            return None;
        }
        let span = syn::spanned::Spanned::span(link.call);
        for (takes, given) in self.input.iter().zip(input) {
            if !takes.same(given) {
                let (t, g) = (takes.raw(), given.raw());
                link.check(span, quote!(#t == #g), message.clone());
            }
        }
        Some(self.output.clone())
    }

    fn ty(&self, _: &[Size]) -> TokenStream {
        self.ident_tokens()
    }

    fn zero(&self, ty: &TokenStream) -> TokenStream {
        quote!(<#ty>::ZERO)
    }

    fn restore(&self, place: &TokenStream) -> Option<TokenStream> {
        Some(quote!(#place.__nn_restore();))
    }

    fn params(&self, _: &[Size]) -> Vec<TensorDef> {
        self.params.clone()
    }

    fn buffers(&self, _: &[Size]) -> Vec<TensorDef> {
        self.buffers.clone()
    }

    fn nested(&self) -> bool {
        true
    }

    fn depth(&self) -> usize {
        self.depth
    }
}

impl Declared {
    fn ident_tokens(&self) -> TokenStream {
        let ident = &self.ident;
        quote!(#ident)
    }
}
