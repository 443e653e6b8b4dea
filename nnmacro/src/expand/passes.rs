//! The passes of a generated model: one sample (`Model::forward`, `backward_sample`), batches
//! in evaluation mode (blocks on the stack, `Blocked`), and training mode (`TrainModel`, a whole
//! batch one layer at a time in the caller's workspace).

use proc_macro2::{Ident, TokenStream};
use quote::{ToTokens, quote, quote_spanned};

use super::{f32_type, local, usize_type};
use crate::ir::Model;
use crate::shape::sample_type;

/// The type of the samples that go into layer `i` (`i` = the number of layers for the model's
/// output): `[f32; 13]`.
fn samples(model: &Model) -> Vec<TokenStream> {
    model.shapes.iter().map(|dims| sample_type(dims)).collect()
}

pub fn model_impl(model: &Model) -> TokenStream {
    let ident = &model.ident;
    let samples = samples(model);
    let (input, output) = (&samples[0], &samples[samples.len() - 1]);
    let (grads, loss_grad) = (local("grads"), local("loss_grad"));
    let x = |i: usize| local(&format!("x{i}"));
    let d = |i: usize| local(&format!("d{i}"));
    let x0 = x(0);
    // `x0` is the caller's reference; later activations are arrays on the stack.
    let by_ref = |i: usize| {
        if i == 0 {
            x0.to_token_stream()
        } else {
            let x = x(i);
            quote!(&#x)
        }
    };

    let forward: Vec<TokenStream> = model
        .layers
        .iter()
        .enumerate()
        .map(|(i, layer)| {
            let (member, (s_in, s_out)) = (layer.member(), (&samples[i], &samples[i + 1]));
            let (input, out) = (by_ref(i), x(i + 1));
            quote_spanned! {layer.span()=>
                let #out = ::nncore::Layer::<#s_in, #s_out>::forward(&self.#member, #input);
            }
        })
        .collect();

    let last = model.layers.len();
    let (y, dy) = (x(last), d(last));
    let backward = model.layers.iter().enumerate().rev().map(|(i, layer)| {
        let (member, (s_in, s_out)) = (layer.member(), (&samples[i], &samples[i + 1]));
        let (input, out, d_out, d_in) = (by_ref(i), x(i + 1), d(i + 1), d(i));
        let params = layer.has_params(&model.shapes[i]).then(|| {
            quote_spanned! {layer.span()=>
                ::nncore::Layer::<#s_in, #s_out>::backward_params(&self.#member, #input, &#out, &#d_out, &mut #grads.#member);
            }
        });
        let inputs = (i > 0).then(|| {
            quote_spanned! {layer.span()=>
                let #d_in = ::nncore::Layer::<#s_in, #s_out>::backward_input(&self.#member, #input, &#out, &#d_out);
            }
        });
        quote!(#params #inputs)
    });

    let (blocked, overrides) = blocked_impl(model, &samples);
    let train = train_impl(model, &samples);

    quote! {
        #blocked
        #train

        impl ::nncore::Model<#input, #output> for #ident {
            #overrides

            #[inline]
            fn forward(&self, #x0: &#input) -> #output {
                #(#forward)*
                #y
            }

            fn backward_sample(
                &self,
                #x0: &#input,
                #grads: &mut Self,
                #loss_grad: impl ::core::ops::FnOnce(&#output) -> #output,
            ) {
                #(#forward)*
                let #dy = #loss_grad(&#y);
                #(#backward)*
            }
        }
    }
}

/// The evaluation-mode batch paths. Samples go through in blocks whose activations stay on the
/// stack, bounded by `forward_block_size` and `block_size`, each layer running its batch form
/// over the block.
fn blocked_impl(model: &Model, samples: &[TokenStream]) -> (TokenStream, TokenStream) {
    let ident = &model.ident;
    let (input, output) = (&samples[0], &samples[samples.len() - 1]);
    let (f32, usize) = (f32_type(), usize_type());
    let (xs, out, dys, grads, n) = (
        local("xs"),
        local("out"),
        local("dys"),
        local("grads"),
        local("n"),
    );
    let (loss_fn, loss_grad, targets) = (local("loss_fn"), local("loss_grad"), local("targets"));
    let a = |i: usize| local(&format!("a{i}"));
    let g = |i: usize| local(&format!("g{i}"));
    // The block's samples of activation `i`: the caller's slice for the input.
    let view = |i: usize| {
        if i == 0 {
            xs.to_token_stream()
        } else {
            let a = a(i);
            quote!(&#a[..#n])
        }
    };
    let last = model.layers.len();
    let (y, dy) = (a(last), g(last));

    let forward: Vec<TokenStream> = model
        .layers
        .iter()
        .enumerate()
        .map(|(i, layer)| {
            let (member, (s_in, s_out)) = (layer.member(), (&samples[i], &samples[i + 1]));
            let (input, out) = (view(i), a(i + 1));
            quote_spanned! {layer.span()=>
                let mut #out = [<#s_out as ::nncore::Tensor>::ZERO; __NN_B];
                ::nncore::Layer::<#s_in, #s_out>::forward_batch(&self.#member, #input, &mut #out[..#n]);
            }
        })
        .collect();

    let backward = model.layers.iter().enumerate().rev().map(|(i, layer)| {
        let (member, (s_in, s_out)) = (layer.member(), (&samples[i], &samples[i + 1]));
        let (input, out, d_out, d_in) = (view(i), a(i + 1), g(i + 1), g(i));
        let params = layer.has_params(&model.shapes[i]).then(|| {
            quote_spanned! {layer.span()=>
                ::nncore::Layer::<#s_in, #s_out>::backward_params_batch(&self.#member, #input, &#out[..#n], &#d_out[..#n], &mut #grads.#member);
            }
        });
        let inputs = (i > 0).then(|| {
            quote_spanned! {layer.span()=>
                let mut #d_in = [<#s_in as ::nncore::Tensor>::ZERO; __NN_B];
                ::nncore::Layer::<#s_in, #s_out>::backward_input_batch(&self.#member, #input, &#out[..#n], &#d_out[..#n], &mut #d_in[..#n]);
            }
        });
        quote!(#params #inputs)
    });

    let blocked = quote! {
        impl ::nncore::__private::Blocked<#input, #output> for #ident {
            #[inline]
            fn forward_block<const __NN_B: #usize>(&self, #xs: &[#input], #out: &mut [#output]) {
                let #n = #xs.len();
                #(#forward)*
                #out.copy_from_slice(&#y[..#n]);
            }

            #[inline]
            #[allow(unused_variables)]
            fn backward_block<const __NN_B: #usize>(
                &self,
                #xs: &[#input],
                #grads: &mut Self,
                #loss_grad: impl ::core::ops::FnMut(#usize, &#output) -> #output,
            ) {
                let #n = #xs.len();
                #(#forward)*
                let mut #dy = [<#output as ::nncore::Tensor>::ZERO; __NN_B];
                ::nncore::__private::output_grads(&#y[..#n], &mut #dy[..#n], #loss_grad);
                #(#backward)*
            }
        }
    };

    let lens = samples
        .iter()
        .map(|s| quote!(<#s as ::nncore::Tensor>::LEN));
    let lens: Vec<TokenStream> = lens.collect();
    let block = quote!(::nncore::__private::block_size(&[#(#lens),*]));
    let forward_block = quote!(::nncore::__private::forward_block_size(&[#(#lens),*]));
    let overrides = quote! {
        fn forward_into(
            &self,
            #xs: &[#input],
            #out: &mut [#output],
        ) -> ::core::result::Result<(), ::nncore::Error> {
            const __NN_BLOCK: #usize = #forward_block;
            ::nncore::__private::forward_blocks::<__NN_BLOCK, _, #input, #output>(self, #xs, #out)
        }

        fn backward(
            &self,
            #xs: &[#input],
            #dys: &[#output],
            #grads: &mut ::nncore::Grads<Self>,
        ) -> ::core::result::Result<(), ::nncore::Error> {
            const __NN_BLOCK: #usize = #block;
            ::nncore::__private::backward_blocks::<__NN_BLOCK, _, #input, #output>(self, #xs, #dys, #grads)
        }

        fn backward_loss<__NnL: ::nncore::Loss<#output>>(
            &self,
            #loss_fn: &__NnL,
            #xs: &[#input],
            #targets: &[__NnL::Target],
            #grads: &mut ::nncore::Grads<Self>,
        ) -> ::core::result::Result<#f32, ::nncore::Error> {
            const __NN_BLOCK: #usize = #block;
            ::nncore::__private::backward_loss_blocks::<__NN_BLOCK, _, _, #input, #output>(self, #loss_fn, #xs, #targets, #grads)
        }
    };
    (blocked, overrides)
}

/// Training mode: the whole batch through one layer at a time (BatchNorm couples the samples),
/// every activation, gradient and layer cache carved from the caller's workspace.
fn train_impl(model: &Model, samples: &[TokenStream]) -> TokenStream {
    let ident = &model.ident;
    let (input, output) = (&samples[0], &samples[samples.len() - 1]);
    let (f32, usize) = (f32_type(), usize_type());
    let (xs, out, grads, n) = (local("xs"), local("out"), local("grads"), local("n"));
    let (ws, rng, loss_grad, batch) = (
        local("workspace"),
        local("rng"),
        local("loss_grad"),
        local("batch"),
    );
    let a = |i: usize| local(&format!("a{i}"));
    let g = |i: usize| local(&format!("g{i}"));
    let c = |i: usize| local(&format!("c{i}"));
    let view = |i: usize| {
        if i == 0 {
            xs.to_token_stream()
        } else {
            let a = a(i);
            quote!(&*#a)
        }
    };
    let cache_len = |i: usize, count: &Ident| {
        let (s_in, s_out) = (&samples[i], &samples[i + 1]);
        let ty = model.layers[i].ty(&model.shapes[i]);
        quote!(<#ty as ::nncore::Layer<#s_in, #s_out>>::train_cache_len(#count))
    };
    let last = model.layers.len();
    let sizes = (0..last).map(|i| {
        let s_out = &samples[i + 1];
        let cache = cache_len(i, &batch);
        quote!(+ 2 * #batch * <#s_out as ::nncore::Tensor>::LEN + #cache)
    });
    let forward: Vec<TokenStream> = model
        .layers
        .iter()
        .enumerate()
        .map(|(i, layer)| {
            let (member, (s_in, s_out)) = (layer.member(), (&samples[i], &samples[i + 1]));
            let (input, out, cache) = (view(i), a(i + 1), c(i));
            let cache_len = cache_len(i, &n);
            quote_spanned! {layer.span()=>
                let #out = <#s_out as ::nncore::Tensor>::batch_mut(
                    ::nncore::__private::take(&mut #ws, #n * <#s_out as ::nncore::Tensor>::LEN),
                );
                let #cache = ::nncore::__private::take(&mut #ws, #cache_len);
                ::nncore::Layer::<#s_in, #s_out>::forward_train(&mut self.#member, #input, #out, #cache, #rng);
            }
        })
        .collect();
    let backward = model.layers.iter().enumerate().rev().map(|(i, layer)| {
        let (member, (s_in, s_out)) = (layer.member(), (&samples[i], &samples[i + 1]));
        let (input, out, d_out, d_in, cache) = (view(i), a(i + 1), g(i + 1), g(i), c(i));
        let params = layer.has_params(&model.shapes[i]).then(|| {
            quote_spanned! {layer.span()=>
                ::nncore::Layer::<#s_in, #s_out>::backward_params_train(&self.#member, #input, #out, #d_out, #cache, &mut #grads.#member);
            }
        });
        let inputs = (i > 0).then(|| {
            quote_spanned! {layer.span()=>
                let #d_in = <#s_in as ::nncore::Tensor>::batch_mut(
                    ::nncore::__private::take(&mut #ws, #n * <#s_in as ::nncore::Tensor>::LEN),
                );
                ::nncore::Layer::<#s_in, #s_out>::backward_input_train(&self.#member, #input, #out, #d_out, #cache, #d_in);
            }
        });
        quote!(#params #inputs)
    });
    let (y, dy) = (a(last), g(last));
    quote! {
        ::nncore::__private::with_alloc! {
            impl ::nncore::TrainModel<#input, #output> for #ident {
                fn workspace_len(#batch: #usize) -> #usize {
                    0 #(#sizes)*
                }

                #[allow(unused_variables)]
                fn forward_train<__NnR: ::nncore::__private::Rng + ?::core::marker::Sized>(
                    &mut self,
                    #xs: &[#input],
                    #out: &mut [#output],
                    mut #ws: &mut [#f32],
                    #rng: &mut __NnR,
                ) {
                    let #n = #xs.len();
                    #(#forward)*
                    #out.copy_from_slice(#y);
                }

                #[allow(unused_variables)]
                fn backward_train<__NnR: ::nncore::__private::Rng + ?::core::marker::Sized>(
                    &mut self,
                    #xs: &[#input],
                    #grads: &mut Self,
                    mut #ws: &mut [#f32],
                    #rng: &mut __NnR,
                    #loss_grad: impl ::core::ops::FnMut(#usize, &#output) -> #output,
                ) {
                    let #n = #xs.len();
                    #(#forward)*
                    let #dy = <#output as ::nncore::Tensor>::batch_mut(
                        ::nncore::__private::take(&mut #ws, #n * <#output as ::nncore::Tensor>::LEN),
                    );
                    ::nncore::__private::output_grads(#y, #dy, #loss_grad);
                    let #y = &*#y;
                    #(#backward)*
                }
            }
        }
    }
}
