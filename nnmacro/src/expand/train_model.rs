//! Training mode: the training-mode forward of a batch into the caller's workspace (the
//! pieces `train.rs` writes), and the model's `TrainModel` impl.

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};

use super::plan::Plan;
use super::train::{a, pieces};
use super::{f32_type, local, usize_type};

/// Training mode: the training-mode forward into the caller's workspace, and `TrainModel`.
pub fn train_impl(plan: &Plan) -> TokenStream {
    let model = plan.model;
    let ident = &model.ident;
    let (input, output) = (plan.input(), plan.output());
    let (f32, usize) = (f32_type(), usize_type());
    let (xs, out, grads, n, ws, rng, loss_grad, batch) = (
        local("xs"),
        local("out"),
        local("grads"),
        local("n"),
        local("workspace"),
        local("rng"),
        local("loss_grad"),
        local("batch"),
    );
    let p = pieces(plan);
    let train_forward = &p.train_forward;
    let y = if model.graph.output == 0 {
        xs.to_token_stream()
    } else {
        let a = a(model.graph.output);
        quote!(&*#a)
    };
    let passes = quote!(<#ident as ::nncore::__private::Passes<#input, #output>>);
    let (per_sample, fixed) = (&p.cache_len, &p.cache_fixed);
    quote! {
        impl #ident {
            /// Floats of training workspace per sample (values, gradients, caches) and per
            /// batch (BatchNorm's statistics).
            #[doc(hidden)]
            pub const __NN_TRAIN: (#usize, #usize) = (#passes::EVAL_WS + #per_sample, #fixed);

            /// The floats of training workspace a batch of `batch` samples needs.
            #[doc(hidden)]
            #[must_use]
            #[inline]
            pub fn __nn_train_len(#batch: #usize) -> #usize {
                #batch * Self::__NN_TRAIN.0 + Self::__NN_TRAIN.1
            }

            /// The training-mode forward of a batch, its values left in `workspace`, the
            /// output copied into `out` if given.
            #[doc(hidden)]
            #[allow(unused_variables, unused_mut)]
            #[inline]
            pub fn __nn_train_forward<__NnR: ::nncore::__private::Rng + ?::core::marker::Sized>(
                &mut self,
                #xs: &[#input],
                mut #out: ::core::option::Option<&mut [#output]>,
                mut #ws: &mut [#f32],
                #rng: &mut __NnR,
            ) {
                let #n = #xs.len();
                #(#train_forward)*
                if let ::core::option::Option::Some(#out) = #out {
                    #out.copy_from_slice(#y);
                }
            }
        }

        ::nncore::__private::with_alloc! {
            impl ::nncore::TrainModel<#input, #output> for #ident {
                #[inline]
                fn workspace_len(#batch: #usize) -> #usize {
                    Self::__nn_train_len(#batch)
                }

                #[inline]
                fn forward_train<__NnR: ::nncore::__private::Rng + ?::core::marker::Sized>(
                    &mut self,
                    #xs: &[#input],
                    #out: &mut [#output],
                    #ws: &mut [#f32],
                    #rng: &mut __NnR,
                ) {
                    self.__nn_train_forward(#xs, ::core::option::Option::Some(#out), #ws, #rng);
                }

                #[inline]
                fn backward_train<__NnR: ::nncore::__private::Rng + ?::core::marker::Sized>(
                    &mut self,
                    #xs: &[#input],
                    #grads: &mut Self,
                    #ws: &mut [#f32],
                    #rng: &mut __NnR,
                    #loss_grad: impl ::core::ops::FnMut(#usize, &#output) -> #output,
                ) {
                    self.__nn_train_forward(#xs, ::core::option::Option::None, &mut *#ws, #rng);
                    #passes::backward_ws(self, #xs, #ws, ::core::option::Option::Some(#grads), #loss_grad, ::core::option::Option::None, ::core::option::Option::None, true);
                }
            }
        }
    }
}
