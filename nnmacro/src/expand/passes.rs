//! The evaluation-mode passes of a generated model: one sample (`Model::forward`,
//! `backward_sample`) and batches in blocks on the stack (`Blocked`). Training mode is in
//! `train.rs`.
//!
//! Each pass walks the forward graph: node `k` computes value `k + 1`. Backward walks it in
//! reverse; the first gradient to reach a value is written into its buffer and later ones are
//! added (a value two nodes read, as a residual block's input).

use proc_macro2::{Ident, TokenStream};
use quote::{ToTokens, quote, quote_spanned};

use super::plan::Plan;
use super::{f32_type, local, usize_type};
use crate::ir::Op;

fn x(v: usize) -> Ident {
    local(&format!("x{v}"))
}

fn d(v: usize) -> Ident {
    local(&format!("d{v}"))
}

fn a(v: usize) -> Ident {
    local(&format!("a{v}"))
}

fn g(v: usize) -> Ident {
    local(&format!("g{v}"))
}

pub fn model_impl(plan: &Plan) -> TokenStream {
    let model = plan.model;
    let ident = &model.ident;
    let (input, output) = (plan.input(), plan.output());
    let (grads, loss_grad) = (local("grads"), local("loss_grad"));
    let x0 = x(0);
    // `x0` is the caller's reference; later values are arrays on the stack.
    let by_ref = |v: usize| {
        if v == 0 {
            x0.to_token_stream()
        } else {
            let x = x(v);
            quote!(&#x)
        }
    };
    let forward: Vec<TokenStream> = (0..plan.nodes())
        .map(|k| {
            let out = x(k + 1);
            match (plan.layer(k), model.graph.nodes[k].op) {
                (Some(node), _) => {
                    let (path, member, input) =
                        (&node.trait_path, &node.member, by_ref(node.input));
                    quote_spanned! {node.span=>
                        let #out = #path::forward(&self.#member, #input);
                    }
                }
                (None, Op::Add(p, q)) => {
                    let (p, q) = (by_ref(p), by_ref(q));
                    quote!(let #out = ::nncore::__private::add(#p, #q);)
                }
                (None, Op::Layer { .. }) => unreachable!("a layer node has a layer"),
            }
        })
        .collect();
    let (y, dy) = (by_ref(model.graph.output), d(model.graph.output));
    let result = if model.graph.output == 0 {
        quote!(*#x0)
    } else {
        x(model.graph.output).to_token_stream()
    };
    // A gradient's first contribution binds it; later ones add to it.
    let contribute = |k: usize, j: usize, v: usize, value: TokenStream| {
        let d = d(v);
        if plan.first[k][j] {
            quote!(let mut #d = #value;)
        } else {
            quote!(::nncore::__private::add_assign(&mut #d, &#value);)
        }
    };
    let backward = (0..plan.nodes()).rev().filter(|&k| plan.need[k + 1]).map(|k| {
        let (out, d_out) = (x(k + 1), d(k + 1));
        match (plan.layer(k), model.graph.nodes[k].op) {
            (Some(node), _) => {
                let (path, member, input) = (&node.trait_path, &node.member, by_ref(node.input));
                let params = node.params.then(|| {
                    quote_spanned! {node.span=>
                        #path::backward_params(&self.#member, #input, &#out, &#d_out, &mut #grads.#member);
                    }
                });
                let inputs = plan.need[node.input].then(|| {
                    contribute(k, 0, node.input, quote_spanned! {node.span=>
                        #path::backward_input(&self.#member, #input, &#out, &#d_out)
                    })
                });
                quote!(#params #inputs)
            }
            (None, Op::Add(p, q)) => {
                let first = plan.need[p].then(|| contribute(k, 0, p, quote!(#d_out)));
                let second = plan.need[q].then(|| contribute(k, 1, q, quote!(#d_out)));
                quote!(#first #second)
            }
            (None, Op::Layer { .. }) => unreachable!("a layer node has a layer"),
        }
    });

    let blocked = blocked_impl(plan);
    let overrides = overrides(plan);
    quote! {
        #blocked

        impl ::nncore::Model<#input, #output> for #ident {
            #overrides

            #[inline]
            fn forward(&self, #x0: &#input) -> #output {
                #(#forward)*
                #result
            }

            #[allow(unused_mut)]
            fn backward_sample(
                &self,
                #x0: &#input,
                #grads: &mut Self,
                #loss_grad: impl ::core::ops::FnOnce(&#output) -> #output,
            ) {
                #(#forward)*
                let mut #dy = #loss_grad(#y);
                #(#backward)*
            }
        }
    }
}

/// The evaluation-mode batch paths: samples go through in blocks whose values stay on the
/// stack, bounded by `forward_block_size` and `block_size`, each layer running its batch form
/// over the block. The backward gives the input gradients too when asked (a model nested in
/// another).
fn blocked_impl(plan: &Plan) -> TokenStream {
    let model = plan.model;
    let ident = &model.ident;
    let (input, output) = (plan.input(), plan.output());
    let usize = usize_type();
    let (xs, out, grads, n, dxs, want) = (
        local("xs"),
        local("out"),
        local("grads"),
        local("n"),
        local("dxs"),
        local("want"),
    );
    let loss_grad = local("loss_grad");
    // The block's samples of value `v`: the caller's slice for the input.
    let view = |v: usize| {
        if v == 0 {
            xs.to_token_stream()
        } else {
            let a = a(v);
            quote!(&#a[..#n])
        }
    };
    let forward: Vec<TokenStream> = (0..plan.nodes())
        .map(|k| {
            let (out, s_out) = (a(k + 1), &plan.samples[k + 1]);
            let compute = match (plan.layer(k), model.graph.nodes[k].op) {
                (Some(node), _) => {
                    let (path, member, input) = (&node.trait_path, &node.member, view(node.input));
                    quote_spanned! {node.span=>
                        #path::forward_batch(&self.#member, #input, &mut #out[..#n]);
                    }
                }
                (None, Op::Add(p, q)) => {
                    let (p, q) = (view(p), view(q));
                    quote!(::nncore::__private::add_batch(#p, #q, &mut #out[..#n]);)
                }
                (None, Op::Layer { .. }) => unreachable!("a layer node has a layer"),
            };
            quote! {
                let mut #out = [<#s_out as ::nncore::Tensor>::ZERO; __NN_B];
                #compute
            }
        })
        .collect();
    let y = view(model.graph.output);
    let buffers = (0..=plan.nodes()).map(|v| {
        let (g, s) = (g(v), &plan.samples[v]);
        quote!(let mut #g = [<#s as ::nncore::Tensor>::ZERO; __NN_B];)
    });
    // Where node `k`'s gradient for value `v` goes: written into its buffer if it is the first,
    // else into a buffer of its own that is then added.
    let into = |k: usize, j: usize, v: usize, write: &dyn Fn(TokenStream) -> TokenStream| {
        let (gv, s) = (g(v), &plan.samples[v]);
        if plan.first[k][j] {
            write(quote!(&mut #gv[..#n]))
        } else {
            let t = local("t");
            let body = write(quote!(&mut #t[..#n]));
            quote! {{
                let mut #t = [<#s as ::nncore::Tensor>::ZERO; __NN_B];
                #body
                ::nncore::__private::add_assign_batch(&mut #gv[..#n], &#t[..#n]);
            }}
        }
    };
    let backward = (0..plan.nodes()).rev().map(|k| {
        let (o, g_out) = (a(k + 1), g(k + 1));
        let body = match (plan.layer(k), model.graph.nodes[k].op) {
            (Some(node), _) => {
                let (path, member, x) = (&node.trait_path, &node.member, view(node.input));
                let grads = if node.params {
                    quote!(#grads.as_mut().map(|__nn_g| &mut __nn_g.#member))
                } else {
                    quote!(::core::option::Option::None)
                };
                let y = quote!(&#o[..#n]);
                let call = |dx: TokenStream| {
                    quote_spanned! {node.span=>
                        #path::backward_batch(&self.#member, #x, #y, &#g_out[..#n], #grads, #dx);
                    }
                };
                let dx_needed = needed(plan, node.input, &want);
                let with_dx = into(k, 0, node.input, &|dx| {
                    call(quote!(::core::option::Option::Some(#dx)))
                });
                let without = call(quote!(::core::option::Option::None));
                quote!(if #dx_needed { #with_dx } else { #without })
            }
            (None, Op::Add(p, q)) => {
                let add = |j: usize, v: usize| {
                    let needed = needed(plan, v, &want);
                    let body = into(
                        k,
                        j,
                        v,
                        &|dst| quote!((#dst).copy_from_slice(&#g_out[..#n]);),
                    );
                    quote!(if #needed { #body })
                };
                let (first, second) = (add(0, p), add(1, q));
                quote!(#first #second)
            }
            (None, Op::Layer { .. }) => unreachable!("a layer node has a layer"),
        };
        let needed = needed(plan, k + 1, &want);
        quote!(if #needed { #body })
    });
    let (g_y, g0) = (g(model.graph.output), g(0));
    quote! {
        impl ::nncore::__private::Blocked<#input, #output> for #ident {
            #[inline]
            fn forward_block<const __NN_B: #usize>(&self, #xs: &[#input], #out: &mut [#output]) {
                let #n = #xs.len();
                #(#forward)*
                #out.copy_from_slice(#y);
            }

            #[inline]
            #[allow(unused_variables, unused_mut, clippy::needless_bool)]
            fn backward_block<const __NN_B: #usize>(
                &self,
                #xs: &[#input],
                mut #grads: ::core::option::Option<&mut Self>,
                #loss_grad: impl ::core::ops::FnMut(#usize, &#output) -> #output,
                #dxs: ::core::option::Option<&mut [#input]>,
            ) {
                let #n = #xs.len();
                let #want = #dxs.is_some();
                #(#forward)*
                #(#buffers)*
                ::nncore::__private::output_grads(#y, &mut #g_y[..#n], #loss_grad);
                #(#backward)*
                if let ::core::option::Option::Some(#dxs) = #dxs {
                    #dxs.copy_from_slice(&#g0[..#n]);
                }
            }
        }
    }
}

/// Whether value `v`'s gradient is computed: always where a layer with parameters leads to it,
/// else only when the input gradient is asked for.
fn needed(plan: &Plan, v: usize, want: &Ident) -> TokenStream {
    if plan.need[v] {
        quote!(true)
    } else {
        want.to_token_stream()
    }
}

/// `Model`'s batch methods, on the block paths.
fn overrides(plan: &Plan) -> TokenStream {
    let (input, output) = (plan.input(), plan.output());
    let (f32, usize) = (f32_type(), usize_type());
    let (xs, out, dys, grads) = (local("xs"), local("out"), local("dys"), local("grads"));
    let (loss_fn, targets) = (local("loss_fn"), local("targets"));
    let lens: Vec<TokenStream> = plan
        .samples
        .iter()
        .map(|s| quote!(<#s as ::nncore::Tensor>::LEN))
        .collect();
    let block = quote!(::nncore::__private::block_size(&[#(#lens),*]));
    let forward_block = quote!(::nncore::__private::forward_block_size(&[#(#lens),*]));
    quote! {
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
    }
}

/// The block sizes, for the nested-model `Layer` impl.
pub fn block_size(plan: &Plan) -> TokenStream {
    let lens = plan
        .samples
        .iter()
        .map(|s| quote!(<#s as ::nncore::Tensor>::LEN));
    quote!(::nncore::__private::block_size(&[#(#lens),*]))
}
