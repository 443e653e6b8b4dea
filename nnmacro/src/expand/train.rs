//! The workspace passes: a whole batch through one node at a time (BatchNorm couples the
//! samples in training mode), every value, gradient and layer cache carved from a workspace in
//! one fixed order. The forward leaves its values there for the backward, which carves the same
//! slices again, so that a model nested in another runs its two halves in two calls. One
//! backward serves both modes; evaluation mode carves no caches.

use proc_macro2::{Ident, TokenStream};
use quote::{ToTokens, quote, quote_spanned};

use super::plan::Plan;
use super::{f32_type, local, usize_type};
use crate::ir::Op;

pub(super) fn a(v: usize) -> Ident {
    local(&format!("a{v}"))
}

fn g(v: usize) -> Ident {
    local(&format!("g{v}"))
}

fn c(k: usize) -> Ident {
    local(&format!("c{k}"))
}

/// `<Bn as ::nncore::__private::BatchNormReLU<X>>` for the batch norm of node `k`, fused with
/// the `ReLU` after it.
fn fused_path(plan: &Plan, k: usize) -> TokenStream {
    let node = plan.layer(k).expect("a fused batch norm is a layer");
    let (ty, s) = (&node.ty, &plan.samples[node.input]);
    quote!(<#ty as ::nncore::__private::BatchNormReLU<#s>>)
}

/// The pieces of both workspace passes.
pub(super) struct Pieces {
    /// Each node's forward: its value (and in training mode its cache) carved, then computed.
    eval_forward: Vec<TokenStream>,
    pub(super) train_forward: Vec<TokenStream>,
    /// The values and caches carved again by the backward, in the same order.
    carve: Vec<TokenStream>,
    gradients: Vec<TokenStream>,
    backward: Vec<TokenStream>,
    /// Per sample: the values, the gradients and the added gradients' buffers.
    ws_len: TokenStream,
    /// Per sample and per batch: the layers' training caches.
    pub(super) cache_len: TokenStream,
    pub(super) cache_fixed: TokenStream,
}

pub(super) fn pieces(plan: &Plan) -> Pieces {
    let model = plan.model;
    let (xs, grads, n, want, ws, rng, train) = (
        local("xs"),
        local("grads"),
        local("n"),
        local("want"),
        local("workspace"),
        local("rng"),
        local("train"),
    );
    let view = |v: usize| {
        if v == 0 {
            xs.to_token_stream()
        } else {
            let a = a(v);
            quote!(&*#a)
        }
    };
    let take = |s: &TokenStream| {
        quote! {
            <#s as ::nncore::Tensor>::batch_mut(
                ::nncore::__private::take(&mut #ws, #n * <#s as ::nncore::Tensor>::LEN),
            )
        }
    };
    let layer_const = |k: usize, name: TokenStream| {
        plan.layer(k).map(|node| {
            let (ty, s_in, s_out) = (&node.ty, &plan.samples[node.input], &plan.samples[k + 1]);
            quote!(<#ty as ::nncore::Layer<#s_in, #s_out>>::#name)
        })
    };
    let cache_len = |k: usize| layer_const(k, quote!(train_cache_len(#n)));
    // In training mode the output's value goes straight into the caller's `out` where it
    // gives one (its slice of the workspace is carved all the same, for the layout).
    let out = local("out");
    let forward = |k: usize, training: bool| {
        let (value, mut slice) = (a(k + 1), take(&plan.samples[k + 1]));
        if training && k + 1 == model.graph.output {
            slice = quote! {{
                let __nn_ws = #slice;
                match #out.take() {
                    ::core::option::Option::Some(__nn_out) => __nn_out,
                    ::core::option::Option::None => __nn_ws,
                }
            }};
        }
        match (plan.layer(k), model.graph.nodes[k].op) {
            // The batch norm's value is carved but left unwritten: the `ReLU` after it computes
            // both.
            (Some(_), _) if training && plan.relu[k] => {
                let len = cache_len(k);
                let c = c(k);
                quote! {
                    let #value = #slice;
                    let #c = ::nncore::__private::take(&mut #ws, #len);
                }
            }
            (Some(node), _) if training && k > 0 && plan.relu[k - 1] => {
                let bn = plan.layer(k - 1).expect("a fused batch norm is a layer");
                let (member, x, c) = (&bn.member, view(bn.input), c(k - 1));
                let fused = fused_path(plan, k - 1);
                let this = super::this();
                quote_spanned! {node.span=>
                    let #value = #slice;
                    #fused::forward_train_relu(&mut #this.#member, #x, #value, #c);
                }
            }
            // The sum's `ReLU` writes both: `relu(a + b)`, in one pass.
            (Some(_), _) if training && k > 0 && plan.add_relu[k - 1] => {
                let Op::Add(p, q) = model.graph.nodes[k - 1].op else {
                    unreachable!("a fused sum is a sum")
                };
                let (p, q, c, len) = (view(p), view(q), c(k), cache_len(k));
                quote! {
                    let #value = #slice;
                    let #c = ::nncore::__private::take(&mut #ws, #len);
                    ::nncore::__private::add_relu_batch(#p, #q, #value);
                }
            }
            (Some(node), _) => {
                let (path, member, x, c) = (&node.trait_path, &node.member, view(node.input), c(k));
                if training {
                    let len = cache_len(k);
                    let this = super::this();
                    quote_spanned! {node.span=>
                        let #value = #slice;
                        let #c = ::nncore::__private::take(&mut #ws, #len);
                        #path::forward_train(&mut #this.#member, #x, #value, #c, #rng);
                    }
                } else {
                    let this = super::this();
                    quote_spanned! {node.span=>
                        let #value = #slice;
                        #path::forward_batch(&#this.#member, #x, #value);
                    }
                }
            }
            // The sum's value is carved but left unwritten: the `ReLU` after it computes both.
            (None, Op::Add(..)) if training && plan.add_relu[k] => quote!(let #value = #slice;),
            (None, Op::Add(p, q)) => {
                let (p, q) = (view(p), view(q));
                quote! {
                    let #value = #slice;
                    ::nncore::__private::add_batch(#p, #q, #value);
                }
            }
            (None, Op::Layer { .. }) => unreachable!("a layer node has a layer"),
        }
    };
    let outputs = local("outputs");
    let carve = (0..plan.nodes())
        .map(|k| {
            let (value, slice) = (a(k + 1), take(&plan.samples[k + 1]));
            let cache = cache_len(k).map(|len| {
                let c = c(k);
                quote!(let #c = ::nncore::__private::take(&mut #ws, if #train { #len } else { 0 });)
            });
            let given = (k + 1 == model.graph.output).then(|| {
                quote! {
                    let #value: &[_] = match #outputs {
                        ::core::option::Option::Some((__nn_ys, _)) => __nn_ys,
                        ::core::option::Option::None => &*#value,
                    };
                }
            });
            quote!(let #value = #slice; #cache #given)
        })
        .collect();
    // The input's gradient goes straight into the caller's `dxs` where it asks for one.
    let dxs = local("dxs");
    let (shared, taken, deferred) = (&plan.sums.shared, &plan.sums.taken, &plan.sums.deferred);
    let gradients = (0..=plan.nodes())
        .map(|v| {
            let (g, slice, s) = (g(v), take(&plan.samples[v]), &plan.samples[v]);
            if shared[v] {
                quote!(let _ = #slice; let mut #g: &[#s] = &[];)
            } else if taken.iter().any(|&(_, _, w)| w == v) {
                quote!(let mut #g = #slice;)
            } else if v == 0 {
                quote! {
                    let #g = match #dxs {
                        ::core::option::Option::Some(__nn_dxs) => {
                            ::core::assert_eq!(__nn_dxs.len(), #n);
                            __nn_dxs
                        }
                        ::core::option::Option::None => #slice,
                    };
                }
            } else {
                quote!(let #g = #slice;)
            }
        })
        .collect();
    let needed = |v: usize| {
        if plan.need[v] {
            quote!(true)
        } else {
            want.to_token_stream()
        }
    };
    // Where node `k`'s gradient for its `j`-th input `v` goes: written into the value's buffer
    // if it is the first to reach it, else into a buffer of its own, added after.
    let target = |k: usize, j: usize, v: usize| -> (TokenStream, TokenStream, TokenStream) {
        let gv = g(v);
        if plan.first[k][j] {
            (quote!(), quote!(&mut *#gv), quote!())
        } else {
            let t = local("t");
            let slice = take(&plan.samples[v]);
            (
                quote!(let #t = #slice;),
                quote!(&mut *#t),
                quote!(::nncore::__private::add_assign_batch(#gv, #t);),
            )
        }
    };
    let backward = (0..plan.nodes())
        .rev()
        .map(|k| {
            let (o, g_out) = (a(k + 1), g(k + 1));
            let body = match (plan.layer(k), model.graph.nodes[k].op) {
                (Some(node), _) => {
                    let (path, member, x, c) =
                        (&node.trait_path, &node.member, view(node.input), c(k));
                    let grads = if node.params {
                        quote!(#grads.as_mut().map(|__nn_g| &mut __nn_g.#member))
                    } else {
                        quote!(::core::option::Option::None)
                    };
                    let (carve, dst, add) = target(k, 0, node.input);
                    let dx_needed = needed(node.input);
                    let this = super::this();
                    let span = node.span;
                    let mut call = quote_spanned! {span=>
                        #path::backward_mode(&#this.#member, #x, &*#o, &*#g_out, &mut *#c, #grads, __nn_dx, #train);
                    };
                    if plan.relu[k] {
                        // In training mode, from the ReLU's output gradient, masked.
                        let (fused, g_relu) = (fused_path(plan, k), g(k + 2));
                        call = quote_spanned! {span=>
                            if #train {
                                #fused::backward_train_relu(&#this.#member, #x, &*#g_relu, &mut *#c, #grads, __nn_dx);
                            } else {
                                #call
                            }
                        };
                    }
                    // The gradient of a sum that reached the input first, added after.
                    let sums = deferred.iter().filter(|d| d.3 == k).map(|&(sum, _, v, _)| {
                        let (gv, g_sum) = (g(v), g(sum + 1));
                        quote!(::nncore::__private::add_assign_batch(#gv, &*#g_sum);)
                    });
                    let body = quote_spanned! {node.span=>
                        #carve
                        let __nn_dx = if #dx_needed { ::core::option::Option::Some(#dst) } else { ::core::option::Option::None };
                        #call
                        if #dx_needed { #add #(#sums)* }
                    };
                    // The ReLU of a fused pair has no backward of its own in training mode.
                    if k > 0 && plan.relu[k - 1] {
                        quote!(if !#train { #body })
                    } else {
                        body
                    }
                }
                (None, Op::Add(p, q)) => {
                    let taken = taken.iter().find(|&&(at, _, _)| at == k).map(|&(_, j, _)| j);
                    let add = |j: usize, v: usize| {
                        let needed = needed(v);
                        if taken == Some(j) || deferred.iter().any(|d| (d.0, d.1) == (k, j)) {
                            return quote!();
                        }
                        if shared[v] {
                            let gv = g(v);
                            return quote!(if #needed { #gv = &*#g_out; });
                        }
                        let (carve, dst, add) = target(k, j, v);
                        quote!(if #needed { #carve ::nncore::__private::copy_batch(#dst, &*#g_out); #add })
                    };
                    let (first, second) = (add(0, p), add(1, q));
                    // The operand whose gradient is the sum's takes its buffer, after the copy.
                    let take = taken.map(|j| {
                        let v = if j == 0 { p } else { q };
                        let (gv, needed) = (g(v), needed(v));
                        quote!(if #needed { #gv = #g_out; })
                    });
                    quote!(#first #second #take)
                }
                (None, Op::Layer { .. }) => unreachable!("a layer node has a layer"),
            };
            let needed = needed(k + 1);
            quote!(if #needed { #body })
        })
        .collect();
    let len = |v: usize| {
        let s = &plan.samples[v];
        quote!(<#s as ::nncore::Tensor>::LEN)
    };
    let values = (1..=plan.nodes()).map(len);
    let grads_len = (0..=plan.nodes()).map(len);
    let temps = (0..plan.nodes()).flat_map(|k| {
        let inputs = model.graph.inputs(k);
        inputs
            .into_iter()
            .zip(plan.first[k].clone())
            .filter(|(_, first)| !first)
            .map(|(v, _)| len(v))
            .collect::<Vec<_>>()
    });
    let caches = (0..plan.nodes()).filter_map(|k| layer_const(k, quote!(TRAIN_CACHE)));
    let fixed = (0..plan.nodes()).filter_map(|k| layer_const(k, quote!(TRAIN_CACHE_FIXED)));
    Pieces {
        eval_forward: (0..plan.nodes()).map(|k| forward(k, false)).collect(),
        train_forward: (0..plan.nodes()).map(|k| forward(k, true)).collect(),
        carve,
        gradients,
        backward,
        ws_len: quote!(0 #(+ #values)* #(+ #grads_len)* #(+ #temps)*),
        cache_len: quote!(0 #(+ #caches)*),
        cache_fixed: quote!(0 #(+ #fixed)*),
    }
}

/// The workspace passes inside the model's `Passes` impl: the evaluation-mode forward and the
/// backward of either mode.
pub fn workspace_impl(plan: &Plan) -> TokenStream {
    let (input, output) = (plan.input(), plan.output());
    let (f32, usize) = (f32_type(), usize_type());
    let (xs, grads, n, dxs, want, ws, loss_grad, train, outputs) = (
        local("xs"),
        local("grads"),
        local("n"),
        local("dxs"),
        local("want"),
        local("workspace"),
        local("loss_grad"),
        local("train"),
        local("outputs"),
    );
    let p = pieces(plan);
    let (ws_len, eval_forward, carve, gradients, backward) = (
        &p.ws_len,
        &p.eval_forward,
        &p.carve,
        &p.gradients,
        &p.backward,
    );
    let y = if plan.model.graph.output == 0 {
        xs.to_token_stream()
    } else {
        let a = a(plan.model.graph.output);
        quote!(&*#a)
    };
    let out_node = plan.model.graph.output;
    let g_y = g(out_node);
    // The output gradient: the caller's where it gives one and no node adds to it (read in
    // place), else `loss_grad`'s (or the caller's, copied).
    let consumed = (0..plan.nodes()).any(|k| plan.model.graph.inputs(k).contains(&out_node));
    let output_grads = if out_node == 0 || consumed {
        quote! {
            match #outputs {
                ::core::option::Option::Some((_, __nn_dys)) => #g_y.copy_from_slice(__nn_dys),
                ::core::option::Option::None => ::nncore::__private::output_grads(#y, #g_y, #loss_grad),
            }
        }
    } else {
        quote! {
            let #g_y: &[#output] = match #outputs {
                ::core::option::Option::Some((_, __nn_dys)) => __nn_dys,
                ::core::option::Option::None => {
                    ::nncore::__private::output_grads(#y, #g_y, #loss_grad);
                    &*#g_y
                }
            };
        }
    };
    quote! {
        const EVAL_WS: #usize = #ws_len;

        #[allow(unused_variables, unused_mut)]
        #[inline]
        fn eval_forward(&self, #xs: &[#input], mut #ws: &mut [#f32]) {
            let #n = #xs.len();
            #(#eval_forward)*
        }

        #[allow(unused_variables, unused_mut, unused_assignments, clippy::needless_bool, clippy::borrow_deref_ref)]
        #[inline]
        fn backward_ws(
            &self,
            #xs: &[#input],
            mut #ws: &mut [#f32],
            mut #grads: ::core::option::Option<&mut Self>,
            #loss_grad: impl ::core::ops::FnMut(#usize, &#output) -> #output,
            #dxs: ::core::option::Option<&mut [#input]>,
            #outputs: ::core::option::Option<(&[#output], &[#output])>,
            #train: bool,
        ) {
            let #n = #xs.len();
            let #want = #dxs.is_some();
            #(#carve)*
            #(#gradients)*
            #output_grads
            #(#backward)*
        }
    }
}
