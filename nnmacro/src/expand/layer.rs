//! A model is a layer: the `Layer` impl that lets a model declared with `sequential!` be a
//! layer of another, its passes those of the model.

use proc_macro2::TokenStream;
use quote::quote;

use super::plan::Plan;
use super::{f32_type, local, usize_type};

pub fn layer_impl(plan: &Plan) -> TokenStream {
    let ident = &plan.model.ident;
    let (input, output) = (plan.input(), plan.output());
    let (f32, usize) = (f32_type(), usize_type());
    let (x, y, dy, dx, grads, cache, rng) = (
        local("x"),
        local("y"),
        local("dy"),
        local("dx"),
        local("grads"),
        local("cache"),
        local("rng"),
    );
    let passes = quote!(<#ident as ::nncore::__private::Passes<#input, #output>>);
    let ws_len = quote!({ #passes::EVAL_WS });
    let block = quote!({ ::nncore::__private::block_size(#passes::EVAL_WS) });
    let some = quote!(::core::option::Option::Some);
    let none = quote!(::core::option::Option::None);
    let one = |v: &syn::Ident| quote!(::core::slice::from_ref(#v));
    let (x1, y1, dy1) = (one(&x), one(&y), one(&dy));
    let (xs, out, dys, loss_fn, targets) = (
        local("xs"),
        local("out"),
        local("dys"),
        local("loss_fn"),
        local("targets"),
    );
    let arena = local("arena");
    let model = quote!(<Self as ::nncore::Model<#input, #output>>);
    quote! {
        // The model's own methods, so that a call is not ambiguous between `Model` and `Layer`
        // (both in the prelude).
        impl #ident {
            /// The model's output for one sample ([`Model::forward`](::nncore::Model::forward)).
            #[inline]
            #[must_use]
            pub fn forward(&self, #x: &#input) -> #output {
                #model::forward(self, #x)
            }

            /// [`Model::forward_into`](::nncore::Model::forward_into).
            ///
            /// # Errors
            /// [`nncore::Error::BatchLength`] if `out` has not one row per sample.
            #[inline]
            pub fn forward_into(&self, #xs: &[#input], #out: &mut [#output]) -> ::core::result::Result<(), ::nncore::Error> {
                #model::forward_into(self, #xs, #out)
            }

            /// Runs `xs` forward into `out` with every value in `arena`, which the caller
            /// provides: `ARENA_BYTES / 4` floats a sample (a `static` buffer on a
            /// microcontroller). Allocates nothing, and needs no stack beyond the layers' own.
            /// `out` holds values of the pass before it holds the outputs.
            ///
            /// # Errors
            /// [`nncore::Error::BatchLength`] if `out` has not one row per sample,
            /// [`nncore::Error::Arena`] if `arena` is too small.
            #[inline]
            pub fn forward_in(
                &self,
                #xs: &[#input],
                #out: &mut [#output],
                #arena: &mut [#f32],
            ) -> ::core::result::Result<(), ::nncore::Error> {
                ::nncore::__private::check_arena::<Self, #input, #output>(#xs.len(), #out.len(), #arena.len())?;
                let #arena = &mut #arena[..#xs.len() * #passes::ARENA];
                #passes::forward_in(self, #xs, #out, #arena);
                ::core::result::Result::Ok(())
            }

            /// [`Model::backward`](::nncore::Model::backward).
            ///
            /// # Errors
            /// [`nncore::Error::BatchLength`] if `dys` has not one row per sample.
            #[inline]
            pub fn backward(&self, #xs: &[#input], #dys: &[#output], #grads: &mut ::nncore::Grads<Self>) -> ::core::result::Result<(), ::nncore::Error> {
                #model::backward(self, #xs, #dys, #grads)
            }

            /// [`Model::backward_loss`](::nncore::Model::backward_loss).
            ///
            /// # Errors
            /// As [`Model::backward_loss`](::nncore::Model::backward_loss).
            #[inline]
            pub fn backward_loss<__NnL: ::nncore::Loss<#output>>(
                &self,
                #loss_fn: &__NnL,
                #xs: &[#input],
                #targets: &[__NnL::Target],
                #grads: &mut ::nncore::Grads<Self>,
            ) -> ::core::result::Result<#f32, ::nncore::Error> {
                #model::backward_loss(self, #loss_fn, #xs, #targets, #grads)
            }
        }

        ::nncore::__private::with_alloc! {
            impl #ident {
                /// [`Model::forward_batch`](::nncore::Model::forward_batch): `model(x)` for a
                /// batch.
                #[must_use]
                #[inline]
                pub fn forward_batch(&self, #xs: &[#input]) -> ::nncore::__private::Vec<#output> {
                    #model::forward_batch(self, #xs)
                }
            }
        }

        impl ::nncore::Layer<#input, #output> for #ident {
            #[inline]
            fn forward(&self, #x: &#input) -> #output {
                <Self as ::nncore::Model<#input, #output>>::forward(self, #x)
            }

            #[inline]
            fn backward_params(&self, #x: &#input, #y: &#output, #dy: &#output, #grads: &mut Self) {
                ::nncore::Layer::<#input, #output>::backward_batch(self, #x1, #y1, #dy1, #some(#grads), #none);
            }

            #[inline]
            fn backward_input(&self, #x: &#input, #y: &#output, #dy: &#output) -> #input {
                let mut #dx = <#input as ::nncore::Tensor>::ZERO;
                let __nn_dxs = ::core::slice::from_mut(&mut #dx);
                ::nncore::Layer::<#input, #output>::backward_batch(self, #x1, #y1, #dy1, #none, #some(__nn_dxs));
                #dx
            }

            #[inline]
            fn forward_batch(&self, #x: &[#input], #y: &mut [#output]) {
                // Cannot fail: a layer's batches have one row per sample.
                let _ = <Self as ::nncore::Model<#input, #output>>::forward_into(self, #x, #y);
            }

            #[inline]
            fn backward_params_batch(&self, #x: &[#input], #y: &[#output], #dy: &[#output], #grads: &mut Self) {
                ::nncore::Layer::<#input, #output>::backward_batch(self, #x, #y, #dy, #some(#grads), #none);
            }

            #[inline]
            fn backward_input_batch(&self, #x: &[#input], #y: &[#output], #dy: &[#output], #dx: &mut [#input]) {
                ::nncore::Layer::<#input, #output>::backward_batch(self, #x, #y, #dy, #none, #some(#dx));
            }

            #[inline]
            fn backward_batch(
                &self,
                #x: &[#input],
                _: &[#output],
                #dy: &[#output],
                #grads: ::core::option::Option<&mut Self>,
                #dx: ::core::option::Option<&mut [#input]>,
            ) {
                ::nncore::__private::eval_backward::<#ws_len, #block, Self, #input, #output>(
                    self, #x, #grads, |__nn_b, _| #dy[__nn_b], #dx,
                );
            }

            const SCRATCH: #usize = #passes::ARENA;

            #[inline]
            fn forward_scratch(&self, #x: &[#input], #y: &mut [#output], #cache: &mut [#f32]) {
                #passes::forward_in(self, #x, #y, #cache);
            }

            const TRAIN_CACHE: #usize = #ident::__NN_TRAIN.0;
            const TRAIN_CACHE_FIXED: #usize = #ident::__NN_TRAIN.1;

            #[inline]
            fn forward_train<__NnR: ::nncore::__private::Rng + ?::core::marker::Sized>(
                &mut self,
                #x: &[#input],
                #y: &mut [#output],
                #cache: &mut [#f32],
                #rng: &mut __NnR,
            ) {
                self.__nn_train_forward(#x, #some(#y), #cache, #rng);
            }

            #[inline]
            fn backward_train(
                &self,
                #x: &[#input],
                #y: &[#output],
                #dy: &[#output],
                #cache: &mut [#f32],
                #grads: ::core::option::Option<&mut Self>,
                #dx: ::core::option::Option<&mut [#input]>,
            ) {
                // The forward wrote the output into `y`, not the workspace.
                let __nn_given = #some((#y, #dy));
                #passes::backward_ws(self, #x, #cache, #grads, |__nn_b, _| #dy[__nn_b], #dx, __nn_given, true);
            }
        }
    }
}
