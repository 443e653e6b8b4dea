//! Training mode: the whole batch through one node at a time (BatchNorm couples the samples),
//! every value, gradient and layer cache carved from the caller's workspace in one fixed order.
//! The forward leaves its values there for the backward, which carves the same slices again,
//! so that a model nested in another runs its two halves in two calls.

use proc_macro2::{Ident, TokenStream};
use quote::{ToTokens, quote, quote_spanned};

use super::plan::Plan;
use super::{f32_type, local, usize_type};
use crate::ir::Op;

fn a(v: usize) -> Ident {
    local(&format!("a{v}"))
}

fn g(v: usize) -> Ident {
    local(&format!("g{v}"))
}

fn c(k: usize) -> Ident {
    local(&format!("c{k}"))
}

pub fn train_impl(plan: &Plan) -> TokenStream {
    let model = plan.model;
    let ident = &model.ident;
    let (input, output) = (plan.input(), plan.output());
    let (f32, usize) = (f32_type(), usize_type());
    let (xs, out, grads, n, dxs, want) = (
        local("xs"),
        local("out"),
        local("grads"),
        local("n"),
        local("dxs"),
        local("want"),
    );
    let (ws, rng, loss_grad, batch) = (
        local("workspace"),
        local("rng"),
        local("loss_grad"),
        local("batch"),
    );
    let view = |v: usize| {
        if v == 0 {
            xs.to_token_stream()
        } else {
            let a = a(v);
            quote!(&*#a)
        }
    };
    let take = |s: &TokenStream, count: &Ident| {
        quote! {
            <#s as ::nncore::Tensor>::batch_mut(
                ::nncore::__private::take(&mut #ws, #count * <#s as ::nncore::Tensor>::LEN),
            )
        }
    };
    let cache_len = |k: usize, count: &Ident| {
        plan.layer(k).map(|node| {
            let (ty, s_in, s_out) = (&node.ty, &plan.samples[node.input], &plan.samples[k + 1]);
            quote!(<#ty as ::nncore::Layer<#s_in, #s_out>>::train_cache_len(#count))
        })
    };
    // The values and caches, in the order both halves carve them.
    let carve: Vec<TokenStream> = (0..plan.nodes())
        .map(|k| {
            let (value, slice) = (a(k + 1), take(&plan.samples[k + 1], &n));
            let cache = cache_len(k, &n).map(|len| {
                let c = c(k);
                quote!(let #c = ::nncore::__private::take(&mut #ws, #len);)
            });
            quote!(let #value = #slice; #cache)
        })
        .collect();
    let forward: Vec<TokenStream> = (0..plan.nodes())
        .map(|k| {
            let (value, carve) = (a(k + 1), &carve[k]);
            let compute = match (plan.layer(k), model.graph.nodes[k].op) {
                (Some(node), _) => {
                    let (path, member, x, c) =
                        (&node.trait_path, &node.member, view(node.input), c(k));
                    quote_spanned! {node.span=>
                        #path::forward_train(&mut self.#member, #x, #value, #c, #rng);
                    }
                }
                (None, Op::Add(p, q)) => {
                    let (p, q) = (view(p), view(q));
                    quote!(::nncore::__private::add_batch(#p, #q, #value);)
                }
                (None, Op::Layer { .. }) => unreachable!("a layer node has a layer"),
            };
            quote!(#carve #compute)
        })
        .collect();
    let y = view(model.graph.output);
    let gradients = (0..=plan.nodes()).map(|v| {
        let (g, slice) = (g(v), take(&plan.samples[v], &n));
        quote!(let #g = #slice;)
    });
    let into = |k: usize, j: usize, v: usize, write: &dyn Fn(TokenStream) -> TokenStream| {
        let (gv, s) = (g(v), &plan.samples[v]);
        if plan.first[k][j] {
            write(quote!(&mut *#gv))
        } else {
            let t = local("t");
            let slice = take(s, &n);
            let body = write(quote!(&mut *#t));
            quote! {{
                let #t = #slice;
                #body
                ::nncore::__private::add_assign_batch(#gv, #t);
            }}
        }
    };
    let needed = |v: usize| {
        if plan.need[v] {
            quote!(true)
        } else {
            want.to_token_stream()
        }
    };
    let backward = (0..plan.nodes()).rev().map(|k| {
        let (o, g_out) = (a(k + 1), g(k + 1));
        let body = match (plan.layer(k), model.graph.nodes[k].op) {
            (Some(node), _) => {
                let (path, member, x, c) = (&node.trait_path, &node.member, view(node.input), c(k));
                let grads = if node.params {
                    quote!(#grads.as_mut().map(|__nn_g| &mut __nn_g.#member))
                } else {
                    quote!(::core::option::Option::None)
                };
                let call = |dx: TokenStream| {
                    quote_spanned! {node.span=>
                        #path::backward_train(&self.#member, #x, &*#o, &*#g_out, &mut *#c, #grads, #dx);
                    }
                };
                let dx_needed = needed(node.input);
                let with_dx = into(k, 0, node.input, &|dx| call(quote!(::core::option::Option::Some(#dx))));
                let without = call(quote!(::core::option::Option::None));
                quote!(if #dx_needed { #with_dx } else { #without })
            }
            (None, Op::Add(p, q)) => {
                let add = |j: usize, v: usize| {
                    let needed = needed(v);
                    let body = into(k, j, v, &|dst| quote!((#dst).copy_from_slice(&*#g_out);));
                    quote!(if #needed { #body })
                };
                let (first, second) = (add(0, p), add(1, q));
                quote!(#first #second)
            }
            (None, Op::Layer { .. }) => unreachable!("a layer node has a layer"),
        };
        let needed = needed(k + 1);
        quote!(if #needed { #body })
    });
    // Workspace: values and caches, gradients of every value, and one buffer per gradient that
    // is added rather than written.
    let len = |s: &TokenStream| quote!(#batch * <#s as ::nncore::Tensor>::LEN);
    let values = (1..=plan.nodes()).map(|v| len(&plan.samples[v]));
    let caches = (0..plan.nodes()).filter_map(|k| cache_len(k, &batch));
    let grads_len = (0..=plan.nodes()).map(|v| len(&plan.samples[v]));
    let temps = (0..plan.nodes()).flat_map(|k| {
        let inputs = model.graph.inputs(k);
        let first = &plan.first[k];
        inputs
            .into_iter()
            .zip(first.clone())
            .filter(|(_, first)| !first)
            .map(|(v, _)| len(&plan.samples[v]))
            .collect::<Vec<_>>()
    });
    let (g_y, g0) = (g(model.graph.output), g(0));
    let carve_all = &carve;
    quote! {
        impl #ident {
            /// The floats of training workspace a batch of `batch` samples needs.
            #[doc(hidden)]
            #[must_use]
            pub fn __nn_train_len(#batch: #usize) -> #usize {
                0 #(+ #values)* #(+ #caches)* #(+ #grads_len)* #(+ #temps)*
            }

            /// The training-mode forward of a batch, its values left in `workspace`, the
            /// output copied into `out` if given.
            #[doc(hidden)]
            #[allow(unused_variables, unused_mut)]
            pub fn __nn_train_forward<__NnR: ::nncore::__private::Rng + ?::core::marker::Sized>(
                &mut self,
                #xs: &[#input],
                #out: ::core::option::Option<&mut [#output]>,
                mut #ws: &mut [#f32],
                #rng: &mut __NnR,
            ) {
                let #n = #xs.len();
                #(#forward)*
                if let ::core::option::Option::Some(#out) = #out {
                    #out.copy_from_slice(#y);
                }
            }

            /// The backward of the forward that left its values in `workspace`: parameter
            /// gradients into `grads`, input gradients into `dxs`, each where given.
            #[doc(hidden)]
            #[allow(unused_variables, unused_mut, clippy::needless_bool)]
            pub fn __nn_train_backward(
                &self,
                #xs: &[#input],
                mut #ws: &mut [#f32],
                mut #grads: ::core::option::Option<&mut Self>,
                #loss_grad: impl ::core::ops::FnMut(#usize, &#output) -> #output,
                #dxs: ::core::option::Option<&mut [#input]>,
            ) {
                let #n = #xs.len();
                let #want = #dxs.is_some();
                #(#carve_all)*
                #(#gradients)*
                ::nncore::__private::output_grads(#y, #g_y, #loss_grad);
                #(#backward)*
                if let ::core::option::Option::Some(#dxs) = #dxs {
                    #dxs.copy_from_slice(#g0);
                }
            }
        }

        ::nncore::__private::with_alloc! {
            impl ::nncore::TrainModel<#input, #output> for #ident {
                fn workspace_len(#batch: #usize) -> #usize {
                    Self::__nn_train_len(#batch)
                }

                fn forward_train<__NnR: ::nncore::__private::Rng + ?::core::marker::Sized>(
                    &mut self,
                    #xs: &[#input],
                    #out: &mut [#output],
                    #ws: &mut [#f32],
                    #rng: &mut __NnR,
                ) {
                    self.__nn_train_forward(#xs, ::core::option::Option::Some(#out), #ws, #rng);
                }

                fn backward_train<__NnR: ::nncore::__private::Rng + ?::core::marker::Sized>(
                    &mut self,
                    #xs: &[#input],
                    #grads: &mut Self,
                    #ws: &mut [#f32],
                    #rng: &mut __NnR,
                    #loss_grad: impl ::core::ops::FnMut(#usize, &#output) -> #output,
                ) {
                    self.__nn_train_forward(#xs, ::core::option::Option::None, #ws, #rng);
                    self.__nn_train_backward(#xs, #ws, ::core::option::Option::Some(#grads), #loss_grad, ::core::option::Option::None);
                }
            }
        }
    }
}
