//! The backward pieces of the workspace passes: each value's gradient buffer, and each node's
//! backward, from the output back to the input. A value whose gradient several nodes reach
//! takes the first one's in its own buffer and adds the others'.

use proc_macro2::TokenStream;
use quote::{ToTokens, quote, quote_spanned};

use super::train::{Pass, a, c, fused_path, g};
use super::{local, this};
use crate::ir::Op;

impl Pass<'_> {
    /// Value `v`'s gradient buffer: carved, shared with the sum it feeds, or the caller's
    /// `dxs` for the input where it asks for one.
    pub(super) fn gradient(&self, v: usize) -> TokenStream {
        let (sums, dxs, n) = (&self.plan.sums, &self.dxs, &self.n);
        let (g, slice, s) = (
            g(v),
            self.take(&self.plan.samples[v]),
            &self.plan.samples[v],
        );
        if sums.shared[v] {
            quote!(let _ = #slice; let mut #g: &[#s] = &[];)
        } else if sums.taken.iter().any(|&(_, _, w)| w == v) {
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
    }

    /// Whether value `v`'s gradient is computed: always where a parameter's gradient needs it,
    /// else where the caller wants the input's.
    fn needed(&self, v: usize) -> TokenStream {
        if self.plan.need[v] {
            quote!(true)
        } else {
            self.want.to_token_stream()
        }
    }

    /// Where node `k`'s gradient for its `j`-th input `v` goes: written into the value's
    /// buffer if it is the first to reach it, else into a buffer of its own, added after.
    /// The carving, the destination and the addition.
    fn target(&self, k: usize, j: usize, v: usize) -> (TokenStream, TokenStream, TokenStream) {
        let gv = g(v);
        if self.plan.first[k][j] {
            (quote!(), quote!(&mut *#gv), quote!())
        } else {
            let t = local("t");
            let slice = self.take(&self.plan.samples[v]);
            (
                quote!(let #t = #slice;),
                quote!(&mut *#t),
                quote!(::nncore::__private::add_assign_batch(#gv, #t);),
            )
        }
    }

    /// Node `k`'s backward, run where its output's gradient is needed.
    pub(super) fn backward(&self, k: usize) -> TokenStream {
        let body = match (self.plan.layer(k), self.plan.model.graph.nodes[k].op) {
            (Some(_), _) => self.backward_layer(k),
            (None, Op::Add(p, q)) => self.backward_sum(k, p, q),
            (None, Op::Layer { .. }) => unreachable!("a layer node has a layer"),
        };
        let needed = self.needed(k + 1);
        quote!(if #needed { #body })
    }

    fn backward_layer(&self, k: usize) -> TokenStream {
        let plan = self.plan;
        let node = plan.layer(k).expect("a layer node");
        let (train, grads) = (&self.train, &self.grads);
        let (o, g_out) = (a(k + 1), g(k + 1));
        let (path, member, x, c) = (&node.trait_path, &node.member, self.view(node.input), c(k));
        let grads = if node.params {
            quote!(#grads.as_mut().map(|__nn_g| &mut __nn_g.#member))
        } else {
            quote!(::core::option::Option::None)
        };
        let (carve, dst, add) = self.target(k, 0, node.input);
        let dx_needed = self.needed(node.input);
        let this = this();
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
        let deferred = plan.sums.deferred.iter().filter(|d| d.3 == k);
        let sums = deferred.map(|&(sum, _, v, _)| {
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

    /// The sum `p + q` of node `k`: its gradient copied to both operands, or handed over.
    fn backward_sum(&self, k: usize, p: usize, q: usize) -> TokenStream {
        let sums = &self.plan.sums;
        let g_out = g(k + 1);
        let taken = sums
            .taken
            .iter()
            .find(|&&(at, _, _)| at == k)
            .map(|&(_, j, _)| j);
        let add = |j: usize, v: usize| {
            let needed = self.needed(v);
            if taken == Some(j) || sums.deferred.iter().any(|d| (d.0, d.1) == (k, j)) {
                return quote!();
            }
            if sums.shared[v] {
                let gv = g(v);
                return quote!(if #needed { #gv = &*#g_out; });
            }
            let (carve, dst, add) = self.target(k, j, v);
            quote!(if #needed { #carve ::nncore::__private::copy_batch(#dst, &*#g_out); #add })
        };
        let (first, second) = (add(0, p), add(1, q));
        // The operand whose gradient is the sum's takes its buffer, after the copy.
        let take = taken.map(|j| {
            let v = if j == 0 { p } else { q };
            let (gv, needed) = (g(v), self.needed(v));
            quote!(if #needed { #gv = #g_out; })
        });
        quote!(#first #second #take)
    }
}
