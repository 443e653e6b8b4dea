//! The inference pass of a generated model, in its planned arena, and the `Model` impl, whose
//! methods hand the model's passes to `nncore`'s drivers. The workspace passes (evaluation-mode
//! backward, training mode) are in `train.rs`.
//!
//! The plan lists every value of the forward graph with the steps it is alive in (node `k`
//! computes value `k + 1`; a value lives until the last node that reads it, the output until
//! the end) and each nested model's scratch for the one step it runs; `nncore::__private::plan`
//! places them when the crate compiles.

use proc_macro2::TokenStream;
use quote::{ToTokens, quote, quote_spanned};

use super::plan::Plan;
use super::{f32_type, local, usize_type};
use crate::ir::Op;

pub fn model_impl(plan: &Plan) -> TokenStream {
    let model = plan.model;
    let ident = &model.ident;
    let (input, output) = (plan.input(), plan.output());
    let (f32, usize) = (f32_type(), usize_type());
    let graph = &model.graph;
    let count = plan.nodes();
    let len = |v: usize| {
        let s = &plan.samples[v];
        quote!(<#s as ::nncore::Tensor>::LEN)
    };
    // The last step that reads each value; the output is read after the last node.
    let mut last = vec![0; count + 1];
    for k in 0..count {
        for v in graph.inputs(k) {
            last[v] = last[v].max(k);
        }
    }
    last[graph.output] = count;
    // A step that runs several nodes (a convolution and its batch norm, a batch norm or a sum
    // and its `ReLU`) writes the last one's value, which lives from that step; the others'
    // values take no room.
    let run = plan.inference_steps();
    let step_of = |k: usize| (0..=k).rev().find(|&s| run[s] > 0).unwrap_or(k);
    let mut items: Vec<TokenStream> = (1..=count)
        .map(|v| {
            let step = step_of(v - 1);
            if step + run[step] > v {
                return quote!((0, #step, #step));
            }
            let (len, last) = (len(v), last[v].max(v - 1));
            quote!((#len, #step, #last))
        })
        .collect();
    // Each layer's scratch, for its own step, after the values.
    let mut scratch = Vec::with_capacity(count);
    for k in 0..count {
        scratch.push(plan.layer(k).map(|node| {
            let (ty, s_in, s_out) = (&node.ty, &plan.samples[node.input], &plan.samples[k + 1]);
            let len = quote!(<#ty as ::nncore::Layer<#s_in, #s_out>>::SCRATCH);
            items.push(quote!((#len, #k, #k)));
            (items.len() - 1, len)
        }));
    }
    let slots = items.len();
    let (xs, out, arena, n) = (local("xs"), local("out"), local("arena"), local("n"));
    // Where item `index` lives: `(in the output, offset)`.
    let at = |index: usize| {
        let plan = quote!(#ident::__NN_PLAN);
        quote!(#plan.in_output[#index], #plan.offsets[#index])
    };
    let span_of = |v: usize| {
        let (at, len) = (at(v - 1), len(v));
        quote!((#at, #len))
    };
    let region = |name: &proc_macro2::Ident, v: usize| {
        let s = &plan.samples[v];
        quote!(&*<#s as ::nncore::Tensor>::batch_mut(#name))
    };
    // The last node writes the output straight into `out`, which nothing reads before the end;
    // values dead by then may live in it before.
    let direct = graph.output == count && count > 0;
    let output_value = if direct {
        let (last, len) = (count - 1, len(count));
        quote!(::core::option::Option::Some((#last, #len)))
    } else {
        quote!(::core::option::Option::None)
    };
    let output_flat = quote!(<#output as ::nncore::Tensor>::flat_batch_mut(&mut *#out));
    let steps = (0..count).map(|k| {
        if run[k] == 0 {
            return quote!();
        }
        // The value this step writes: its last node's.
        let v = k + run[k];
        let y = local("y");
        let s_out = &plan.samples[v];
        let to_out = direct && v == count;
        let (y_name, y_span) = if to_out {
            (None, None)
        } else {
            (Some(y.clone()), Some(span_of(v)))
        };
        let dest = if to_out {
            quote!(&mut *#out)
        } else {
            quote!(<#s_out as ::nncore::Tensor>::batch_mut(#y))
        };
        // The output, for the values that live in it; not the step that writes it.
        let in_output = if to_out {
            quote!(&mut [])
        } else {
            output_flat.clone()
        };
        match (plan.layer(k), graph.nodes[k].op) {
            (Some(node), _) => {
                let (path, member) = (&node.trait_path, &node.member);
                let (s, x) = (local("s"), local("x"));
                let (slot, scratch_len) = scratch[k].clone().expect("a layer has a scratch slot");
                let scratch_at = at(slot);
                let (mut names, mut spans) = (vec![quote!(#s)], vec![quote!((#scratch_at, #scratch_len))]);
                let input = if node.input == 0 {
                    quote!(#xs)
                } else {
                    names.push(quote!(#x));
                    spans.push(span_of(node.input));
                    region(&x, node.input)
                };
                names.splice(0..0, y_name.map(|y| quote!(#y)));
                spans.splice(0..0, y_span);
                let this = super::this();
                let (ty, s_in) = (&node.ty, &plan.samples[node.input]);
                let call = if plan.norm[k] {
                    let norm = plan.layer(k + 1).expect("a batch norm is a layer");
                    let (s_out, norm_ty, norm_member) = (&plan.samples[k + 1], &norm.ty, &norm.member);
                    let relu = run[k] == 3;
                    let fused = quote!(<#ty as ::nncore::__private::ConvNorm<#s_in, #s_out, #norm_ty>>);
                    quote_spanned!(node.span=> #fused::forward_norm(&#this.#member, &#this.#norm_member, #relu, #input, #dest);)
                } else if run[k] == 2 {
                    let fused = quote!(<#ty as ::nncore::__private::BatchNormReLU<#s_in>>);
                    quote_spanned!(node.span=> #fused::forward_relu(&#this.#member, #input, #dest);)
                } else {
                    quote_spanned!(node.span=> #path::forward_scratch(&#this.#member, #input, #dest, #s);)
                };
                quote_spanned! {node.span=>
                    {
                        let [#(#names),*] = ::nncore::__private::regions(&mut *#arena, #in_output, #n, [#(#spans),*]);
                        #call
                    }
                }
            }
            (None, Op::Add(p, q)) => {
                let mut names: Vec<proc_macro2::Ident> = y_name.into_iter().collect();
                let mut spans: Vec<TokenStream> = y_span.into_iter().collect();
                let mut views = Vec::new();
                let mut operand = |v: usize, name: proc_macro2::Ident| -> TokenStream {
                    if v == 0 {
                        return quote!(#xs);
                    }
                    let view = local(&format!("v{v}"));
                    if !names.contains(&name) && !views.iter().any(|(w, _)| *w == v) {
                        let bound = region(&name, v);
                        views.push((v, quote!(let #view = #bound;)));
                        names.push(name);
                        spans.push(span_of(v));
                    }
                    quote!(#view)
                };
                let add = if run[k] == 2 {
                    quote!(::nncore::__private::add_relu_batch)
                } else {
                    quote!(::nncore::__private::add_batch)
                };
                let first = operand(p, local("a"));
                let second = operand(q, local("b"));
                let bind = views.iter().map(|(_, b)| b);
                quote! {
                    {
                        let [#(#names),*] = ::nncore::__private::regions(&mut *#arena, #in_output, #n, [#(#spans),*]);
                        #(#bind)*
                        #add(#first, #second, #dest);
                    }
                }
            }
            (None, Op::Layer { .. }) => unreachable!("a layer node has a layer"),
        }
    });
    let result = if graph.output == 0 {
        quote!(#out.copy_from_slice(#xs);)
    } else if direct {
        quote!()
    } else {
        let (y, span) = (local("y"), span_of(graph.output));
        let view = region(&y, graph.output);
        quote! {
            let [#y] = ::nncore::__private::regions(&mut *#arena, &mut [], #n, [#span]);
            #out.copy_from_slice(#view);
        }
    };
    let passes = quote!(<#ident as ::nncore::__private::Passes<#input, #output>>);
    let (floats, ws_floats) = (quote!(#passes::ARENA), quote!(#passes::EVAL_WS));
    let forward_block = quote!({ ::nncore::__private::forward_block_size(#floats) });
    let block = quote!({ ::nncore::__private::block_size(#ws_floats) });
    let (arena_len, ws_len) = (quote!({ #floats }), quote!({ #ws_floats }));
    let (x, grads, loss_grad, dys, loss_fn, targets) = (
        local("x"),
        local("grads"),
        local("loss_grad"),
        local("dys"),
        local("loss_fn"),
        local("targets"),
    );
    let workspace = super::train::workspace_impl(plan);
    let forward_one = one_sample(plan).unwrap_or_else(|| {
        quote!(::nncore::__private::forward_one::<#arena_len, #forward_block, Self, #input, #output>(self, #x))
    });
    quote! {
        impl #ident {
            /// Where each value of the forward pass lives in the arena.
            #[doc(hidden)]
            pub const __NN_PLAN: ::nncore::__private::Plan<#slots> =
                ::nncore::__private::plan([#(#items),*], #output_value);
        }

        impl ::nncore::__private::Passes<#input, #output> for #ident {
            const ARENA: #usize = #ident::__NN_PLAN.total;

            #workspace

            #[allow(unused_variables)]
            #[inline]
            fn forward_in(&self, #xs: &[#input], #out: &mut [#output], #arena: &mut [#f32]) {
                let #n = #xs.len();
                #(#steps)*
                #result
            }
        }

        impl ::nncore::Model<#input, #output> for #ident {
            #[inline]
            fn forward(&self, #x: &#input) -> #output {
                #forward_one
            }

            #[inline]
            fn backward_sample(
                &self,
                #x: &#input,
                #grads: &mut Self,
                #loss_grad: impl ::core::ops::FnOnce(&#output) -> #output,
            ) {
                ::nncore::__private::backward_one::<#ws_len, #block, Self, #input, #output>(self, #x, #grads, #loss_grad);
            }

            #[inline]
            fn forward_into(
                &self,
                #xs: &[#input],
                #out: &mut [#output],
            ) -> ::core::result::Result<(), ::nncore::Error> {
                ::nncore::__private::forward_blocks::<#arena_len, #forward_block, Self, #input, #output>(self, #xs, #out)
            }

            #[inline]
            fn backward(
                &self,
                #xs: &[#input],
                #dys: &[#output],
                #grads: &mut ::nncore::Grads<Self>,
            ) -> ::core::result::Result<(), ::nncore::Error> {
                ::nncore::__private::backward_blocks::<#ws_len, #block, Self, #input, #output>(self, #xs, #dys, #grads)
            }

            #[inline]
            fn backward_loss<__NnL: ::nncore::Loss<#output>>(
                &self,
                #loss_fn: &__NnL,
                #xs: &[#input],
                #targets: &[__NnL::Target],
                #grads: &mut ::nncore::Grads<Self>,
            ) -> ::core::result::Result<#f32, ::nncore::Error> {
                ::nncore::__private::backward_loss_blocks::<#ws_len, #block, Self, __NnL, #input, #output>(self, #loss_fn, #xs, #targets, #grads)
            }
        }
    }
}

/// The most floats a model's values may add up to, one sample's, for its one-sample forward to
/// keep each value in a local of its own rather than in the arena: 16 KiB.
const LOCALS: u128 = 4096;

/// The one-sample forward of a small model, each value a local: one call per layer, nothing
/// to clear or place. `None` for a model whose values add up to more than [`LOCALS`] floats
/// or whose sizes only the compiler knows; those run in their arena.
fn one_sample(plan: &Plan) -> Option<TokenStream> {
    let graph = &plan.model.graph;
    let mut total = 0;
    for v in 0..=graph.nodes.len() {
        total += crate::shape::numel(graph.shape(v))?;
    }
    if total > LOCALS {
        return None;
    }
    let x = |v: usize| local(&format!("x{v}"));
    let by_ref = |v: usize| {
        if v == 0 {
            local("x").into_token_stream()
        } else {
            let x = x(v);
            quote!(&#x)
        }
    };
    let steps = (0..plan.nodes()).map(|k| {
        let out = x(k + 1);
        match (plan.layer(k), graph.nodes[k].op) {
            (Some(node), _) => {
                let (path, member, input) = (&node.trait_path, &node.member, by_ref(node.input));
                let this = super::this();
                quote_spanned! {node.span=>
                    let #out = #path::forward(&#this.#member, #input);
                }
            }
            (None, Op::Add(p, q)) => {
                let (p, q) = (by_ref(p), by_ref(q));
                quote!(let #out = ::nncore::__private::add(#p, #q);)
            }
            (None, Op::Layer { .. }) => unreachable!("a layer node has a layer"),
        }
    });
    let result = if graph.output == 0 {
        let x = local("x");
        quote!(*#x)
    } else {
        x(graph.output).into_token_stream()
    };
    Some(quote! {
        #(#steps)*
        #result
    })
}
