//! The model's constructors: `ZERO`, `init`, `from_state`, `with_state`, `from_params`,
//! `reset_parameters` and `init_boxed`.

use proc_macro2::TokenStream;
use quote::quote;

use super::{f32_type, local};
use crate::ir::{Layer, Model};

/// `Self { a: .., b: .. }` or `Self(.., ..)`.
pub(super) fn construct(model: &Model, values: impl Iterator<Item = TokenStream>) -> TokenStream {
    let members = model.layers.iter().map(Layer::member);
    quote!(Self { #(#members: #values,)* })
}

/// A layer's value with every parameter zero, in a `const`.
pub(super) fn zero(layer: &Layer, input: &[crate::shape::Size]) -> TokenStream {
    layer.kind.zero(&layer.ty(input))
}

/// Whether any layer of the model has buffers: such a model is built `from_state`.
pub(super) fn has_buffers(model: &Model) -> bool {
    model
        .layers_with_inputs()
        .any(|(layer, input)| !layer.kind.buffers(input).is_empty())
}

pub(super) fn constructors(model: &Model) -> TokenStream {
    let ident = &model.ident;
    let (f32, rng, params, buffers, model_var) = (
        f32_type(),
        local("rng"),
        local("params"),
        local("buffers"),
        local("model"),
    );
    let zero_value = construct(model, model.layers_with_inputs().map(|(l, i)| zero(l, i)));
    // Each layer takes its own values off the front of what is left.
    let mut steps = Vec::new();
    let mut values = Vec::new();
    for (i, (layer, input)) in model.layers_with_inputs().enumerate() {
        let member = layer.member();
        if layer.has_state(input) {
            let (ty, value) = (layer.ty(input), local(&format!("l{i}")));
            steps.push(quote! {
                let (__nn_p, __nn_rest) = #params.split_at(<#ty as ::nncore::Module>::NUM_PARAMS);
                #params = __nn_rest;
                let (__nn_b, __nn_rest) = #buffers.split_at(<#ty as ::nncore::Module>::NUM_BUFFERS);
                #buffers = __nn_rest;
                let #value = self.#member.with_state(__nn_p, __nn_b);
            });
            values.push(quote!(#value));
        } else {
            values.push(quote!(self.#member));
        }
    }
    let with_state = construct(model, values.into_iter());
    let resets = model
        .layers_with_inputs()
        .filter(|(layer, input)| layer.has_state(input))
        .map(|(layer, _)| {
            let member = layer.member();
            quote!(self.#member.reset_parameters(#rng);)
        });
    let from_params = (!has_buffers(model)).then(|| {
        quote! {
            /// The model whose parameters, in `parameters()` order and row-major, are `params`;
            /// a `const fn`, so a model can be a constant (see `nncore::export`).
            #[must_use]
            pub const fn from_params(#params: &[#f32; <#ident as ::nncore::Module>::NUM_PARAMS]) -> Self {
                Self::from_state(#params, &[])
            }
        }
    });
    quote! {
        impl #ident {
            /// The model with every parameter zero.
            pub const ZERO: Self = #zero_value;

            /// A model with PyTorch's default initialization, drawn from `rng`: the same seed
            /// gives the same model.
            pub fn init<__NnR: ::nncore::__private::Rng + ?::core::marker::Sized>(#rng: &mut __NnR) -> Self {
                let mut #model_var = Self::ZERO;
                #model_var.reset_parameters(#rng);
                #model_var
            }

            /// The model whose parameters are `params` and whose buffers are `buffers`, each in
            /// `state_dict` order and row-major (an int64 buffer as its `f32` value).
            #[must_use]
            pub const fn from_state(
                #params: &[#f32; <#ident as ::nncore::Module>::NUM_PARAMS],
                #buffers: &[#f32; <#ident as ::nncore::Module>::NUM_BUFFERS],
            ) -> Self {
                Self::ZERO.with_state(#params, #buffers)
            }

            /// This model with its parameters and buffers read from `params` and `buffers`, in
            /// `state_dict` order; a model nested in another is built this way.
            #[must_use]
            #[allow(unused_mut)]
            pub const fn with_state(self, mut #params: &[#f32], mut #buffers: &[#f32]) -> Self {
                #(#steps)*
                #with_state
            }

            #from_params

            /// Draws every parameter anew, in place, as [`Self::init`] does.
            pub fn reset_parameters<__NnR: ::nncore::__private::Rng + ?::core::marker::Sized>(&mut self, #rng: &mut __NnR) {
                #(#resets)*
            }
        }

        ::nncore::__private::with_alloc! {
            impl #ident {
                /// [`Self::init`] on the heap, never built on the stack: for large models.
                pub fn init_boxed<__NnR: ::nncore::__private::Rng + ?::core::marker::Sized>(
                    #rng: &mut __NnR,
                ) -> ::nncore::__private::Box<Self> {
                    let mut #model_var = <Self as ::nncore::Module>::zeros_boxed();
                    #model_var.reset_parameters(#rng);
                    #model_var
                }
            }
        }
    }
}
