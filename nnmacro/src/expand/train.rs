//! The workspace passes: a whole batch through one node at a time (BatchNorm couples the
//! samples in training mode), every value, gradient and layer cache carved from a workspace in
//! one fixed order. The forward leaves its values there for the backward, which carves the same
//! slices again, so that a model nested in another runs its two halves in two calls. One
//! backward serves both modes; evaluation mode carves no caches. This file writes the
//! forward pieces; `train_backward.rs` the backward ones.

use proc_macro2::{Ident, TokenStream};
use quote::{ToTokens, quote, quote_spanned};

use super::plan::Plan;
use super::{f32_type, local, usize_type};
use crate::ir::Op;

pub(super) fn a(v: usize) -> Ident {
    local(&format!("a{v}"))
}

pub(super) fn g(v: usize) -> Ident {
    local(&format!("g{v}"))
}

pub(super) fn c(k: usize) -> Ident {
    local(&format!("c{k}"))
}

/// `<Bn as ::nncore::__private::BatchNormReLU<X>>` for the batch norm of node `k`, fused with
/// the `ReLU` after it.
pub(super) fn fused_path(plan: &Plan, k: usize) -> TokenStream {
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

/// The plan and the generated code's names, which every piece reads.
pub(super) struct Pass<'p> {
    pub(super) plan: &'p Plan<'p>,
    pub(super) xs: Ident,
    pub(super) grads: Ident,
    pub(super) n: Ident,
    pub(super) want: Ident,
    pub(super) ws: Ident,
    rng: Ident,
    pub(super) train: Ident,
    out: Ident,
    outputs: Ident,
    pub(super) dxs: Ident,
}

impl<'p> Pass<'p> {
    fn new(plan: &'p Plan<'p>) -> Self {
        Pass {
            plan,
            xs: local("xs"),
            grads: local("grads"),
            n: local("n"),
            want: local("want"),
            ws: local("workspace"),
            rng: local("rng"),
            train: local("train"),
            out: local("out"),
            outputs: local("outputs"),
            dxs: local("dxs"),
        }
    }

    /// Value `v`: the input, or its slice of the workspace.
    pub(super) fn view(&self, v: usize) -> TokenStream {
        if v == 0 {
            self.xs.to_token_stream()
        } else {
            let a = a(v);
            quote!(&*#a)
        }
    }

    /// The batch's samples of type `s`, carved from the workspace.
    pub(super) fn take(&self, s: &TokenStream) -> TokenStream {
        let (ws, n) = (&self.ws, &self.n);
        quote! {
            <#s as ::nncore::Tensor>::batch_mut(
                ::nncore::__private::take(&mut #ws, #n * <#s as ::nncore::Tensor>::LEN),
            )
        }
    }

    /// Item `name` of node `k`'s `Layer` impl, if the node is a layer.
    fn layer_const(&self, k: usize, name: TokenStream) -> Option<TokenStream> {
        self.plan.layer(k).map(|node| {
            let (ty, s_in) = (&node.ty, &self.plan.samples[node.input]);
            let s_out = &self.plan.samples[k + 1];
            quote!(<#ty as ::nncore::Layer<#s_in, #s_out>>::#name)
        })
    }

    fn cache_len(&self, k: usize) -> Option<TokenStream> {
        let n = &self.n;
        self.layer_const(k, quote!(train_cache_len(#n)))
    }

    /// Node `k`'s forward: its value (and in training mode its cache) carved, then computed.
    fn forward(&self, k: usize, training: bool) -> TokenStream {
        let (plan, model) = (self.plan, self.plan.model);
        let (ws, out, rng) = (&self.ws, &self.out, &self.rng);
        let (value, mut slice) = (a(k + 1), self.take(&plan.samples[k + 1]));
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
                let len = self.cache_len(k);
                let c = c(k);
                quote! {
                    let #value = #slice;
                    let #c = ::nncore::__private::take(&mut #ws, #len);
                }
            }
            (Some(node), _) if training && k > 0 && plan.relu[k - 1] => {
                let bn = plan.layer(k - 1).expect("a fused batch norm is a layer");
                let (member, x, c) = (&bn.member, self.view(bn.input), c(k - 1));
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
                let (p, q, c, len) = (self.view(p), self.view(q), c(k), self.cache_len(k));
                quote! {
                    let #value = #slice;
                    let #c = ::nncore::__private::take(&mut #ws, #len);
                    ::nncore::__private::add_relu_batch(#p, #q, #value);
                }
            }
            (Some(node), _) => {
                let (path, member, x, c) =
                    (&node.trait_path, &node.member, self.view(node.input), c(k));
                if training {
                    let len = self.cache_len(k);
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
                let (p, q) = (self.view(p), self.view(q));
                quote! {
                    let #value = #slice;
                    ::nncore::__private::add_batch(#p, #q, #value);
                }
            }
            (None, Op::Layer { .. }) => unreachable!("a layer node has a layer"),
        }
    }

    /// Node `k`'s value and cache, carved again by the backward in the forward's order.
    fn carve(&self, k: usize) -> TokenStream {
        let (ws, train, outputs) = (&self.ws, &self.train, &self.outputs);
        let (value, slice) = (a(k + 1), self.take(&self.plan.samples[k + 1]));
        let cache = self.cache_len(k).map(|len| {
            let c = c(k);
            quote!(let #c = ::nncore::__private::take(&mut #ws, if #train { #len } else { 0 });)
        });
        let given = (k + 1 == self.plan.model.graph.output).then(|| {
            quote! {
                let #value: &[_] = match #outputs {
                    ::core::option::Option::Some((__nn_ys, _)) => __nn_ys,
                    ::core::option::Option::None => &*#value,
                };
            }
        });
        quote!(let #value = #slice; #cache #given)
    }
}

pub(super) fn pieces(plan: &Plan) -> Pieces {
    let (model, pass) = (plan.model, Pass::new(plan));
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
    let caches = (0..plan.nodes()).filter_map(|k| pass.layer_const(k, quote!(TRAIN_CACHE)));
    let fixed = (0..plan.nodes()).filter_map(|k| pass.layer_const(k, quote!(TRAIN_CACHE_FIXED)));
    Pieces {
        eval_forward: (0..plan.nodes()).map(|k| pass.forward(k, false)).collect(),
        train_forward: (0..plan.nodes()).map(|k| pass.forward(k, true)).collect(),
        carve: (0..plan.nodes()).map(|k| pass.carve(k)).collect(),
        gradients: (0..=plan.nodes()).map(|v| pass.gradient(v)).collect(),
        backward: (0..plan.nodes()).rev().map(|k| pass.backward(k)).collect(),
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
