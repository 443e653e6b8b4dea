//! The statements of an int8 `forward_into`, the output written into the caller's storage. A
//! chain's: one buffer for the values before it (`nncore::quant::chain`). A graph's: each value a
//! local in a block ending after its last reader (`scopes.rs`), but the output in the caller's
//! `y`, as are the values below it that a layer of the same shape alone reads (a BatchNorm or
//! ReLU that may be absorbed into the node before it, else rewriting `y`).

use proc_macro2::{Ident, TokenStream};
use quote::{ToTokens, format_ident, quote, quote_spanned};

use super::local;
use super::quantized_graph::by_ref;
use super::scopes::{Step, scoped_into};
use crate::ir::{Graph, Model, Op};

/// How many nodes read value `v` (a node reading it twice counts once).
fn readers(graph: &Graph, v: usize) -> usize {
    (0..graph.nodes.len())
        .filter(|&k| graph.inputs(k).contains(&v))
        .count()
}

/// The values the caller's output holds in turn, the output first: none if it is the input or
/// a node reads it, else it and, down from it, each value that the node of the one above alone
/// reads, a layer of the same shape.
fn output_run(model: &Model, samples: &[TokenStream]) -> Vec<usize> {
    let graph = &model.graph;
    let mut v = graph.output;
    if v == 0 || readers(graph, v) > 0 {
        return Vec::new();
    }
    let mut run = vec![v];
    while let Op::Layer { input, .. } = graph.nodes[v - 1].op {
        if input == 0
            || samples[input].to_string() != samples[v].to_string()
            || readers(graph, input) > 1
        {
            break;
        }
        run.push(input);
        v = input;
    }
    run
}

/// The value whose local holds each value: its own, or, for a layer of the same shape that
/// alone reads a value of the model's (not the output), its input's, rewritten in place.
fn homes(model: &Model, samples: &[TokenStream], run: &[usize]) -> Vec<usize> {
    let graph = &model.graph;
    let mut home: Vec<usize> = (0..=graph.nodes.len()).collect();
    for (k, node) in graph.nodes.iter().enumerate() {
        let v = k + 1;
        if let Op::Layer { input, .. } = node.op {
            if input > 0
                && input != graph.output
                && !run.contains(&v)
                && !run.contains(&input)
                && samples[input].to_string() == samples[v].to_string()
                && readers(graph, input) == 1
            {
                home[v] = home[input];
            }
        }
    }
    home
}

/// The steps of the graph (for `scopes::arena`) and the body of `forward_into`, writing `y`:
/// `adds` is the field of the `ADD`s, `sums` the nodes that are `+`s.
pub(super) fn graph_steps(
    model: &Model,
    samples: &[TokenStream],
    members: &[TokenStream],
    (adds, sums): (&TokenStream, &[usize]),
) -> (Vec<Step>, TokenStream) {
    let graph = &model.graph;
    let x = |v: usize| local(&format!("x{v}"));
    let (this, y) = (super::this(), local("y"));
    let run = output_run(model, samples);
    let home = homes(model, samples, &run);
    let (mut steps, mut arena_steps) = (Vec::new(), Vec::new());
    for (k, node) in graph.nodes.iter().enumerate() {
        let (out, value) = (x(k + 1), k + 1);
        let inputs = graph.inputs(k);
        let reads = |of: &dyn Fn(usize) -> usize| -> Vec<usize> {
            inputs
                .iter()
                .map(|&v| of(v))
                .filter(|&v| v > 0)
                .map(|v| v - 1)
                .collect()
        };
        let (base, above) = (run.last() == Some(&value), run.contains(&value));
        let aliased = home[value] != value;
        let code = match node.op {
            Op::Layer { layer, input } => {
                let (s_in, s_out) = (&samples[input], &samples[value]);
                let (member, arg) = (&members[layer], by_ref(home[input]));
                let span = model.layers[layer].span();
                let absorbable = s_in.to_string() == s_out.to_string();
                let x_in = if input == 0 {
                    quote!(*#arg)
                } else {
                    x(home[input]).into_token_stream()
                };
                if (above && !base) || aliased {
                    // Its input's storage, `y` or a local, rewritten.
                    let at = if aliased {
                        let h = x(home[value]);
                        quote!(&mut #h)
                    } else {
                        y.to_token_stream()
                    };
                    quote_spanned! {span=>
                        if !__NN_ABSORBED[#k] {
                            ::nncore::__private::rewrite::<_, #s_out>(&#this.#member, #at);
                        }
                    }
                } else if base {
                    let run = quote_spanned! {span=>
                        ::nncore::quant::QuantLayer::<#s_in, #s_out>::forward_into(&#this.#member, #arg, #y)
                    };
                    // A BatchNorm folded or a ReLU fused into the node before it is left out.
                    if absorbable {
                        quote!(if __NN_ABSORBED[#k] { *#y = #x_in; } else { #run; })
                    } else {
                        quote!(#run;)
                    }
                } else {
                    // Storage of its own, then written in place of a copy.
                    let run = quote_spanned! {span=>
                        #out = <#s_out as ::nncore::quant::Int8Sample>::ZERO;
                        ::nncore::quant::QuantLayer::<#s_in, #s_out>::forward_into(&#this.#member, #arg, &mut #out);
                    };
                    if absorbable {
                        quote!(if __NN_ABSORBED[#k] { #out = #x_in; } else { #run })
                    } else {
                        run
                    }
                }
            }
            Op::Add(a, b) => {
                let j = sums.iter().position(|&s| s == k).unwrap_or_default();
                let (a, b) = (by_ref(home[a]), by_ref(home[b]));
                let (init, into) = if base {
                    (TokenStream::new(), quote!(#y))
                } else {
                    let s_out = &samples[value];
                    (
                        quote!(#out = <#s_out as ::nncore::quant::Int8Sample>::ZERO;),
                        quote!(&mut #out),
                    )
                };
                quote! {
                    #init
                    #this.#adds[#j].add_slices(
                        ::nncore::quant::Int8Sample::flat(#a),
                        ::nncore::quant::Int8Sample::flat(#b),
                        ::nncore::quant::Int8Sample::flat_mut(#into),
                    );
                }
            }
        };
        let ty = samples[value].clone();
        steps.push(Step {
            value: out.clone(),
            ty: ty.clone(),
            reads: reads(&|v| home[v]),
            code,
        });
        arena_steps.push(Step {
            value: out,
            ty,
            reads: reads(&|v| v),
            code: TokenStream::new(),
        });
    }
    let body = match graph.output {
        0 => {
            let x0 = x(0);
            quote!(*#y = *#x0;)
        }
        v if run.is_empty() => {
            let caller: Vec<usize> = (1..=graph.nodes.len())
                .filter(|&w| home[w] != w)
                .map(|w| w - 1)
                .collect();
            let body = scoped_into(&steps, home[v] - 1, &caller);
            let out = x(home[v]);
            quote!(#body *#y = #out;)
        }
        v => {
            let caller: Vec<usize> = (1..=graph.nodes.len())
                .filter(|&w| home[w] != w || run.contains(&w))
                .map(|w| w - 1)
                .collect();
            scoped_into(&steps, v - 1, &caller)
        }
    };
    (arena_steps, body)
}

/// The body of the int8 `forward_into` of a chain: one buffer (`nncore::quant::chain`), the
/// first layer reading the caller's `x0` and writing the buffer's front, each later one writing
/// the end its input is not at, or where its input lies if it works in place; the last layer not
/// working in place writing the caller's output, those after it rewriting that. With `skip`, the
/// layers `__NN_ABSORBED` (an associated constant) says fold or fuse into the one before are
/// left out. Also `BUFFER_BYTES` and `__NN_IN_PLACE`.
pub(super) fn buffer_chain(
    model: &Model,
    types: &[TokenStream],
    samples: &[TokenStream],
    (int8, skip): (&Ident, bool),
) -> (TokenStream, TokenStream) {
    let this = super::this();
    let (buffer, at_back, x0, out) = (local("buffer"), local("at_back"), local("x0"), local("y"));
    let last = format_ident!("__NN_LAST", span = proc_macro2::Span::mixed_site());
    let n = model.layers.len();
    let flags = types.iter().enumerate().map(|(i, ty)| {
        let (s_in, s_out) = (&samples[i], &samples[i + 1]);
        let flag = quote!(<#ty as ::nncore::quant::QuantLayer<#s_in, #s_out>>::IN_PLACE);
        if skip {
            quote!(#flag || Self::__NN_ABSORBED[#i])
        } else {
            flag
        }
    });
    let values: Vec<TokenStream> = samples[1..]
        .iter()
        .map(|s| quote!(<#s as ::nncore::quant::Int8Sample>::LEN))
        .collect();
    let input = &samples[0];
    let input_len = quote!(<#input as ::nncore::quant::Int8Sample>::LEN);
    // A model among the layers runs its own steps inside the buffer.
    let each_inside = model.layers.iter().zip(types).map(|(layer, ty)| {
        if layer.kind.nested() {
            quote!(<#ty>::__NN_INSIDE)
        } else {
            quote!(0)
        }
    });
    // A BatchNorm folded or a ReLU fused into the layer before it is left out.
    let unless_absorbed = |i: usize, code: TokenStream| {
        if skip {
            quote!(if !#int8::__NN_ABSORBED[#i] { #code })
        } else {
            code
        }
    };
    let calls = model.layers.iter().enumerate().map(|(i, layer)| {
        let (member, s_in, s_out) = (layer.member(), &samples[i], &samples[i + 1]);
        if i == 0 {
            return quote_spanned! {layer.span()=>
                ::nncore::__private::first::<_, #s_in, #s_out>(&#this.#member, #x0, &mut #buffer, #last, #out);
            };
        }
        let step = quote_spanned! {layer.span()=>
            ::nncore::__private::step::<_, #s_in, #s_out>(&#this.#member, #i, #last, &mut #buffer, &mut #at_back, #out);
        };
        let step = if layer.kind.nested() {
            quote! {
                if #i < #last {
                    #this.#member.__nn_inside(&mut #buffer, &mut #at_back);
                } else {
                    #step
                }
            }
        } else {
            step
        };
        unless_absorbed(i, step)
    });
    let (buffer_ref, at_back_ref) = (local("buffer"), local("at_back"));
    let insides = model.layers.iter().enumerate().map(|(i, layer)| {
        let (member, s_in, s_out) = (layer.member(), &samples[i], &samples[i + 1]);
        let step = if layer.kind.nested() {
            quote!(#this.#member.__nn_inside(#buffer_ref, #at_back_ref);)
        } else {
            quote_spanned! {layer.span()=>
                ::nncore::__private::inside::<_, #s_in, #s_out>(&#this.#member, #buffer_ref, #at_back_ref);
            }
        };
        unless_absorbed(i, step)
    });
    let body = quote! {
        const #last: ::core::primitive::usize = ::nncore::__private::written_last(&#int8::__NN_IN_PLACE);
        let #out = ::nncore::quant::Int8Sample::flat_mut(#out);
        let mut #buffer = [0i8; #int8::BUFFER_BYTES];
        #[allow(unused_mut)]
        let mut #at_back = false;
        #(#calls)*
    };
    let usize = super::usize_type();
    let consts = quote! {
        /// Bytes of the buffer `forward_into` keeps on the stack: the widest layer's input and
        /// output together, among the layers before the one writing the caller's output (a
        /// model among them running its own layers in it).
        pub const BUFFER_BYTES: #usize = ::nncore::__private::two_ended(&Self::__NN_IN_PLACE, &[#(#values),*], &Self::__NN_EACH_INSIDE);
        /// Whether each layer works in place (`QuantLayer::IN_PLACE`) or is left out.
        #[doc(hidden)]
        pub const __NN_IN_PLACE: [::core::primitive::bool; #n] = [#(#flags),*];
        /// The bytes each layer that is a model takes running inside the buffer, else 0.
        #[doc(hidden)]
        pub const __NN_EACH_INSIDE: [#usize; #n] = [#(#each_inside),*];
        /// The bytes `__nn_inside` takes in its caller's buffer.
        #[doc(hidden)]
        pub const __NN_INSIDE: #usize = ::nncore::__private::inside_bytes(&Self::__NN_IN_PLACE, #input_len, &[#(#values),*], &Self::__NN_EACH_INSIDE);

        /// The layers run inside the buffer of a chain holding this model, from its input at the
        /// back of `buffer` if `at_back`, else at its front.
        #[doc(hidden)]
        #[inline]
        pub fn __nn_inside(&self, #buffer_ref: &mut [::core::primitive::i8], #at_back_ref: &mut ::core::primitive::bool) {
            #(#insides)*
        }
    };
    (body, consts)
}
