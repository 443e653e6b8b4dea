//! What a model holding this one calls to quantize it (`__nn_check`, `__NN_VALUES`,
//! `__nn_observe`, `__nn_quantize_in`), written for every model with an int8 twin, chain or
//! graph, and the twin as an `Int8Layer`. The ranges of a nested model's values follow the outer
//! model's own; its input is quantized as the outer value it takes.

use proc_macro2::{Ident, TokenStream};
use quote::{ToTokens, quote, quote_spanned};

use super::quantized_graph::{adds_field, by_ref, node_list};
use super::{local, usize_type};
use crate::ast::Form;
use crate::ir::{Model, Op};

/// Each layer's `Quantize::ROLE`; a nested model's output is calibrated, nothing fused into it.
pub(super) fn roles(model: &Model, floats: &[TokenStream]) -> Vec<TokenStream> {
    model
        .layers
        .iter()
        .zip(floats)
        .map(|(layer, ty)| {
            if layer.kind.nested() {
                quote!(::nncore::quant::Role::Table(::core::option::Option::None))
            } else {
                quote!(<#ty as ::nncore::quant::Quantize>::ROLE)
            }
        })
        .collect()
}

/// `__NN_VALUES`, `__nn_observe` and `__nn_quantize_in` of any model with an int8 twin, that
/// with `adds` has an `adds` field.
pub(super) fn nested_impl(
    model: &Model,
    floats: &[TokenStream],
    float_samples: &[TokenStream],
    int8: &Ident,
    with_adds: bool,
) -> TokenStream {
    let (ident, graph) = (&model.ident, &model.graph);
    let (n, count, output) = (model.layers.len(), graph.nodes.len(), graph.output);
    let (ranges, norms, plans, input) = (
        local("ranges"),
        local("norms"),
        local("plans"),
        local("input"),
    );
    let x = |v: usize| local(&format!("x{v}"));
    let this = super::this();
    let usize = usize_type();
    // The ranges of nested layer `i` follow the model's own values and those of the nested
    // layers before it.
    let mut offset = quote!(#count + 1);
    let mut segments = Vec::new();
    for (layer, ty) in model.layers.iter().zip(floats) {
        if layer.kind.nested() {
            let end = quote!(#offset + <#ty>::__NN_VALUES);
            segments.push(Some(quote!(#offset..#end)));
            offset = end;
        } else {
            segments.push(None);
        }
    }
    let forward = graph.nodes.iter().enumerate().map(|(k, node)| {
        let out = x(k + 1);
        match node.op {
            Op::Layer { layer, input } => {
                let (s_in, s_out) = (&float_samples[input], &float_samples[k + 1]);
                let (member, arg) = (model.layers[layer].member(), by_ref(input));
                match &segments[layer] {
                    Some(range) => quote! {
                        let #out = #this.#member.__nn_observe(#arg, &mut #ranges[#range])?;
                    },
                    None => quote_spanned! {model.layers[layer].span()=>
                        let #out = ::nncore::Layer::<#s_in, #s_out>::forward(&#this.#member, #arg);
                    },
                }
            }
            Op::Add(a, b) => {
                let (a, b) = (by_ref(a), by_ref(b));
                quote!(let #out = ::nncore::__private::add(#a, #b);)
            }
        }
    });
    let observe = (0..=count).map(|v| {
        let value = by_ref(v);
        quote!(#ranges[#v].observe(::nncore::Tensor::flat(#value))?;)
    });
    let members: Vec<TokenStream> = model.layers.iter().map(|l| l.member()).collect();
    let names: Vec<String> = model.layers.iter().map(|l| l.field.module_name()).collect();
    let norm_values = model.layers.iter().zip(&members).map(|(layer, member)| {
        if layer.kind.nested() {
            quote!(::core::option::Option::None)
        } else {
            quote!(::nncore::quant::Quantize::norm(&self.#member))
        }
    });
    let values = (0..n).map(|i| {
        let (member, name, q) = (&members[i], &names[i], local(&format!("q{i}")));
        let uses: Vec<usize> = (0..count)
            .filter(|&k| matches!(graph.nodes[k].op, Op::Layer { layer, .. } if layer == i))
            .collect();
        let Some(range) = &segments[i] else {
            return quote! {
                let #q = #plans.quantize(&self.#member, #name, &[#(#uses),*], &#norms)?;
            };
        };
        let first = uses.first().copied().unwrap_or_default();
        let each = uses.iter().map(|&k| {
            let next = k + 1;
            quote! {
                let __nn_again = self.#member.__nn_quantize_in(&#ranges[#range], ::core::option::Option::Some(#plans.layer(#k, #name, &#norms).input))?;
                if __nn_again != #q || __nn_again.output_params() != #plans.value(#next) {
                    return ::core::result::Result::Err(::nncore::Error::NotQuantizable {
                        layer: #name,
                        reason: "its output is quantized otherwise than the value it gives (it ends in a layer quantized as its input), or it is applied to values quantized differently",
                    });
                }
            }
        });
        quote! {
            let #q = self.#member.__nn_quantize_in(&#ranges[#range], ::core::option::Option::Some(#plans.layer(#first, #name, &#norms).input))?;
            #(#each)*
        }
    });
    let qs: Vec<Ident> = (0..n).map(|i| local(&format!("q{i}"))).collect();
    let sums: Vec<usize> = (0..count)
        .filter(|&k| matches!(graph.nodes[k].op, Op::Add(..)))
        .collect();
    let adds = with_adds.then(|| adds_field(model).0);
    let construct = match (model.form, adds) {
        (Form::Named, Some(adds)) => {
            quote!(#int8 { #(#members: #qs,)* #adds: [#(#plans.add(#sums)),*] })
        }
        (Form::Named, None) => quote!(#int8 { #(#members: #qs,)* }),
        (Form::Tuple, Some(_)) => quote!(#int8 ( #(#qs,)* [#(#plans.add(#sums)),*] )),
        (Form::Tuple, None) => quote!(#int8 ( #(#qs,)* )),
    };
    let roles = roles(model, floats);
    let nodes = node_list(model);
    let (s_in, s_out) = (&float_samples[0], &float_samples[output]);
    let refusals = model.layers.iter().zip(floats).enumerate().map(|(i, (layer, ty))| {
        if layer.kind.nested() {
            return quote_spanned! {layer.span()=> <#ty>::__nn_check::<__NnC>(); };
        }
        quote_spanned! {layer.span()=>
            const { ::nncore::__private::refuse_graph::<__NnC, #count, #n>(&__NN_NODES, &__NN_ROLES, #output, #i) };
        }
    });
    let x0 = x(0);
    let result = if output == 0 {
        quote!(*#x0)
    } else {
        x(output).into_token_stream()
    };
    quote! {
        #[doc(hidden)]
        #[allow(clippy::all)]
        impl #ident {
            /// Fails to compile, on the layer, if a layer of it or of a model nested in it has no
            /// int8 form; `__NnC` delays the check until `quantize` is called.
            #[inline]
            pub fn __nn_check<__NnC>() {
                const __NN_ROLES: [::nncore::quant::Role; #n] = [#(#roles),*];
                const __NN_NODES: [::nncore::quant::Node; #count] = [#(#nodes),*];
                #(#refusals)*
            }

            /// The ranges `__nn_observe` calibrates.
            pub const __NN_VALUES: #usize = #offset;

            /// The float output for `x`, each value's range widened to include it.
            #[inline]
            pub fn __nn_observe(&self, #x0: &#s_in, #ranges: &mut [::nncore::quant::ptq::MinMax]) -> ::core::result::Result<#s_out, ::nncore::Error> {
                #(#forward)*
                #(#observe)*
                ::core::result::Result::Ok(#result)
            }

            /// The int8 twin from the ranges `__nn_observe` calibrated, its input quantized
            /// by `input` if given.
            #[inline]
            pub fn __nn_quantize_in(&self, #ranges: &[::nncore::quant::ptq::MinMax], #input: ::core::option::Option<::nncore::quant::QuantParams>) -> ::core::result::Result<#int8, ::nncore::Error> {
                const __NN_ROLES: [::nncore::quant::Role; #n] = [#(#roles),*];
                const __NN_NODES: [::nncore::quant::Node; #count] = [#(#nodes),*];
                let #norms: [::core::option::Option<&dyn ::nncore::quant::Norm>; #n] = [#(#norm_values),*];
                let #plans = ::nncore::quant::GraphPlans::new(__NN_NODES, #output, &__NN_ROLES, #ranges, [#(#names),*], #input)?;
                #(#values)*
                ::core::result::Result::Ok(#construct)
            }
        }

        impl ::nncore::quant::Int8Layer for #int8 {
            const WEIGHT_BYTES: #usize = #int8::WEIGHT_BYTES;

            fn input_params(&self) -> ::nncore::quant::QuantParams {
                #int8::input_params(self)
            }

            fn output_params(&self) -> ::nncore::quant::QuantParams {
                #int8::output_params(self)
            }

            fn write_rust(&self, __nn_out: &mut dyn ::core::fmt::Write) -> ::core::fmt::Result {
                __nn_out.write_str(::core::stringify!(#int8))?;
                ::nncore::quant::Int8Model::write_fields(self, __nn_out)
            }
        }
    }
}
