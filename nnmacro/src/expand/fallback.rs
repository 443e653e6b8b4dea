//! The stub written in place of a model with mistakes in it, beside the errors.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, format_ident, quote};

use super::{f32_type, field_definition, usize_type};
use crate::ast::Form;
use crate::ir::{Stub, StubField};
use crate::shape::{Dims, sample_type};

/// The macro's errors, and a stub in place of the model: the same struct with the fields that
/// checked out at their real types, `Module` and `Model` implemented with unreachable bodies. The
/// user's code that names the model, its fields or its methods then reports nothing more.
pub fn fallback(stub: &Stub, error: syn::Error) -> TokenStream {
    let error = error.to_compile_error();
    let Stub {
        attrs,
        vis,
        ident,
        form,
        fields,
        input,
        output,
        const_checks,
        sizes,
    } = stub;
    let checks = super::const_checks(sizes, const_checks);
    let (f32, usize) = (f32_type(), usize_type());
    let broken = quote!(::nncore::__private::Broken);
    let mut definitions = Vec::new();
    let mut values = Vec::new();
    for field in fields {
        match field {
            StubField::Layer { layer, input } => {
                let ty = layer.ty(input);
                definitions.push(field_definition(
                    vis,
                    &layer.attrs,
                    &layer.field,
                    ty.clone(),
                ));
                values.push((layer.member(), layer.kind.zero(&ty)));
            }
            StubField::Broken { attrs, field } => {
                definitions.push(field_definition(vis, attrs, field, broken.clone()));
                values.push((field.member(Span::call_site()), broken.clone()));
            }
        }
    }
    let (members, zeros): (Vec<_>, Vec<_>) = values.into_iter().unzip();
    let body = match form {
        Form::Named => quote!({ #(#definitions,)* }),
        Form::Tuple => quote!(( #(#definitions,)* );),
    };
    // A shape no layer tells becomes a parameter of the impl, so any call type-checks.
    let mut generics = Vec::new();
    let mut shape = |dims: &Option<Dims>, name: &str| match dims {
        Some(dims) => sample_type(dims),
        None => {
            let param = format_ident!("{}", name);
            generics.push(quote!(#param: ::nncore::Tensor));
            param.to_token_stream()
        }
    };
    let (input, output) = (shape(input, "__NnX"), shape(output, "__NnY"));
    let quantized = super::quantized::stub(stub);
    quote! {
        #error
        #checks
        #quantized
        #(#attrs)*
        #[derive(::core::clone::Clone, ::core::fmt::Debug, ::core::cmp::PartialEq)]
        #[allow(dead_code)]
        #vis struct #ident #body

        #[allow(dead_code, clippy::all)]
        impl #ident {
            pub const ZERO: Self = Self { #(#members: #zeros,)* };
            pub const TRAINED: Self = Self::ZERO;
            pub fn init<__NnR: ::nncore::__private::Rng + ?::core::marker::Sized>(_: &mut __NnR) -> Self {
                ::core::unreachable!()
            }
            pub fn reset_parameters<__NnR: ::nncore::__private::Rng + ?::core::marker::Sized>(&mut self, _: &mut __NnR) {
                ::core::unreachable!()
            }
            pub const fn from_params<const __NN_N: #usize>(_: &[#f32; __NN_N]) -> Self {
                ::core::unreachable!()
            }
            pub const fn from_state<const __NN_N: #usize, const __NN_M: #usize>(
                _: &[#f32; __NN_N],
                _: &[#f32; __NN_M],
            ) -> Self {
                ::core::unreachable!()
            }
        }

        ::nncore::__private::with_alloc! {
            #[allow(dead_code, clippy::all)]
            impl #ident {
                pub fn init_boxed<__NnR: ::nncore::__private::Rng + ?::core::marker::Sized>(
                    _: &mut __NnR,
                ) -> ::nncore::__private::Box<Self> {
                    ::core::unreachable!()
                }
            }
        }

        impl ::nncore::Module for #ident {
            const NUM_PARAMS: #usize = 0;
            fn zeros() -> Self {
                Self::ZERO
            }
            fn parameters(&self) -> impl ::core::iter::Iterator<Item = ::nncore::Param<'_>> {
                ::core::iter::empty()
            }
            fn parameters_mut(&mut self) -> impl ::core::iter::Iterator<Item = ::nncore::ParamMut<'_>> {
                ::core::iter::empty()
            }
        }

        impl<#(#generics),*> ::nncore::Model<#input, #output> for #ident {
            fn forward(&self, _: &#input) -> #output {
                ::core::unreachable!()
            }
            fn backward_sample(
                &self,
                _: &#input,
                _: &mut Self,
                _: impl ::core::ops::FnOnce(&#output) -> #output,
            ) {
                ::core::unreachable!()
            }
            fn forward_into(
                &self,
                _: &[#input],
                _: &mut [#output],
            ) -> ::core::result::Result<(), ::nncore::Error> {
                ::core::unreachable!()
            }
            fn backward(
                &self,
                _: &[#input],
                _: &[#output],
                _: &mut ::nncore::Grads<Self>,
            ) -> ::core::result::Result<(), ::nncore::Error> {
                ::core::unreachable!()
            }
            fn backward_loss<__NnL: ::nncore::Loss<#output>>(
                &self,
                _: &__NnL,
                _: &[#input],
                _: &[__NnL::Target],
                _: &mut ::nncore::Grads<Self>,
            ) -> ::core::result::Result<#f32, ::nncore::Error> {
                ::core::unreachable!()
            }
        }

        // The model's own methods, as a sound model has them, so that calls are not ambiguous
        // between `Model` and `Layer`.
        #[allow(dead_code, clippy::all)]
        impl #ident {
            pub fn forward<#(#generics),*>(&self, _: &#input) -> #output {
                ::core::unreachable!()
            }
            pub fn forward_into<#(#generics),*>(&self, _: &[#input], _: &mut [#output]) -> ::core::result::Result<(), ::nncore::Error> {
                ::core::unreachable!()
            }
            pub fn forward_in<#(#generics),*>(&self, _: &[#input], _: &mut [#output], _: &mut [#f32]) -> ::core::result::Result<(), ::nncore::Error> {
                ::core::unreachable!()
            }
            pub fn backward<#(#generics),*>(&self, _: &[#input], _: &[#output], _: &mut ::nncore::Grads<Self>) -> ::core::result::Result<(), ::nncore::Error> {
                ::core::unreachable!()
            }
            pub fn backward_loss<#(#generics,)* __NnL: ::nncore::Loss<#output>>(
                &self,
                _: &__NnL,
                _: &[#input],
                _: &[__NnL::Target],
                _: &mut ::nncore::Grads<Self>,
            ) -> ::core::result::Result<#f32, ::nncore::Error> {
                ::core::unreachable!()
            }
        }

        ::nncore::__private::with_alloc! {
            #[allow(dead_code, clippy::all)]
            impl #ident {
                pub fn forward_batch<#(#generics),*>(&self, _: &[#input]) -> ::nncore::__private::Vec<#output> {
                    ::core::unreachable!()
                }
            }
        }

        impl<#(#generics),*> ::nncore::Layer<#input, #output> for #ident {
            fn forward(&self, _: &#input) -> #output {
                ::core::unreachable!()
            }
            fn backward_params(&self, _: &#input, _: &#output, _: &#output, _: &mut Self) {
                ::core::unreachable!()
            }
            fn backward_input(&self, _: &#input, _: &#output, _: &#output) -> #input {
                ::core::unreachable!()
            }
        }

        ::nncore::__private::with_alloc! {
            impl<#(#generics),*> ::nncore::TrainModel<#input, #output> for #ident {
                fn workspace_len(_: #usize) -> #usize {
                    ::core::unreachable!()
                }
                fn forward_train<__NnR: ::nncore::__private::Rng + ?::core::marker::Sized>(
                    &mut self,
                    _: &[#input],
                    _: &mut [#output],
                    _: &mut [#f32],
                    _: &mut __NnR,
                ) {
                    ::core::unreachable!()
                }
                fn backward_train<__NnR: ::nncore::__private::Rng + ?::core::marker::Sized>(
                    &mut self,
                    _: &[#input],
                    _: &mut Self,
                    _: &mut [#f32],
                    _: &mut __NnR,
                    _: impl ::core::ops::FnMut(#usize, &#output) -> #output,
                ) {
                    ::core::unreachable!()
                }
            }
        }

        impl ::core::fmt::Display for #ident {
            fn fmt(&self, _: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                ::core::unreachable!()
            }
        }
    }
}
