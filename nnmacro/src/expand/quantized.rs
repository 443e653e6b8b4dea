//! The int8 form of a model: `NetInt8` beside `Net`, one field per layer holding that layer's
//! `<L as ::nncore::quant::Quantize>::Quantized`, its forward chain and footprint, and
//! `Net::quantize`. Which layers fold, fuse or have no int8 form is the runtime's to say
//! (`Quantize::ROLE`), so nothing here depends on the layer kinds.

use proc_macro2::{Ident, TokenStream};
use quote::{ToTokens, format_ident, quote, quote_spanned};

use super::scopes::{Step, arena};
use super::{local, usize_type};
use crate::ast::Form;
use crate::ir::{Field, Model, Stub};
use crate::shape::{Size, sample_type};

/// `NetInt8` for `Net`.
pub(super) fn int8_ident(model: &Ident) -> Ident {
    let name = model.to_string();
    let name = name.strip_prefix("r#").unwrap_or(&name);
    format_ident!("{}Int8", name, span = model.span())
}

/// The type of one int8 sample of this shape, in TensorFlow Lite's layout: `[i8; 13]`, `[[i8;
/// C]; L]` (length × channels), `[[[i8; C]; W]; H]` (rows × columns × channels).
pub(super) fn int8_sample(dims: &[Size]) -> TokenStream {
    let i8 = quote!(::core::primitive::i8);
    let Some((channels, spatial)) = dims.split_first().filter(|(_, rest)| !rest.is_empty()) else {
        let len = dims.first().map_or(quote!(1), Size::len);
        return quote!([#i8; #len]);
    };
    let channels = channels.len();
    let mut ty = quote!([#i8; #channels]);
    for size in spatial.iter().rev() {
        let len = size.len();
        ty = quote!([#ty; #len]);
    }
    ty
}

/// The code of the int8 form of a valid model.
pub fn quantized(model: &Model) -> TokenStream {
    let (ident, vis) = (&model.ident, &model.vis);
    let int8 = int8_ident(ident);
    let usize = usize_type();
    let floats: Vec<TokenStream> = model.layers_with_inputs().map(|(l, i)| l.ty(i)).collect();
    let types: Vec<TokenStream> = floats
        .iter()
        .map(|ty| quote!(<#ty as ::nncore::quant::Quantize>::Quantized))
        .collect();
    let samples: Vec<TokenStream> = model.shapes.iter().map(|d| int8_sample(d)).collect();
    let float_samples: Vec<TokenStream> = model.shapes.iter().map(|d| sample_type(d)).collect();
    let members: Vec<TokenStream> = model.layers.iter().map(|l| l.member()).collect();
    let n = model.layers.len();
    let (input, output) = (&samples[0], &samples[n]);
    let (float_input, float_output) = (&float_samples[0], &float_samples[n]);

    let fields = model.layers.iter().zip(&types).map(|(layer, ty)| {
        let docs = layer.attrs.iter().filter(|a| a.path().is_ident("doc"));
        match &layer.field {
            Field::Named(name) => quote!(#(#docs)* #vis #name: #ty),
            Field::Index(_) => quote!(#(#docs)* #vis #ty),
        }
    });
    let doc = [
        format!(" `{ident}` in int8, as `{ident}::quantize` makes it: each field the int8 form"),
        format!(" of the layer of `{ident}` of the same name, computing what TensorFlow Lite"),
        " Micro's reference kernels compute. Plain data (`const`-constructible, no heap);".into(),
        " `forward` takes int8 samples in TensorFlow Lite's layout, `forward_f32` float ones."
            .into(),
    ];
    let derives =
        quote!(#[derive(::core::clone::Clone, ::core::fmt::Debug, ::core::cmp::PartialEq)]);
    let definition = match model.form {
        Form::Named => quote!(#(#[doc = #doc])* #derives #vis struct #int8 { #(#fields,)* }),
        Form::Tuple => quote!(#(#[doc = #doc])* #derives #vis struct #int8 ( #(#fields,)* );),
    };

    let x = |i: usize| local(&format!("x{i}"));
    // The arena's plan: each value alive from its step to the next.
    let steps: Vec<Step> = (0..n)
        .map(|i| Step {
            value: x(i + 1),
            ty: samples[i + 1].clone(),
            reads: i.checked_sub(1).into_iter().collect(),
            code: TokenStream::new(),
        })
        .collect();
    let (chain, buffer_consts) =
        super::quantized_steps::buffer_chain(model, &types, &samples, (&int8, false));
    let (x0, y) = (x(0), x(n));
    let (first, last) = (&members[0], &members[n - 1]);
    let len = |s: &TokenStream| quote!(<#s as ::nncore::quant::Int8Sample>::LEN);
    let value_lens: Vec<TokenStream> = samples[1..].iter().map(len).collect();
    let arena = arena(&steps, n - 1, (&len(&samples[0]), Some(0)), &value_lens);
    let lens = samples.iter().map(len);

    let (out, y_out) = (local("out"), local("y"));
    let writes = model.layers.iter().zip(&members).map(|(layer, member)| {
        let name = layer.field.module_name();
        quote!(::nncore::__private::write_field(#out, #name, &self.#member)?;)
    });
    let quantize = quantize_impl(model, &floats, &float_samples, &int8);
    let nested = super::quantized_nested::nested_impl(model, &floats, &float_samples, &int8, false);

    quote! {
        #definition

        impl #int8 {
            /// Bytes of constant data: int8 weights, int32 biases and lookup tables.
            pub const WEIGHT_BYTES: #usize = 0 #(+ <#types as ::nncore::quant::Int8Layer>::WEIGHT_BYTES)*;
            /// Bytes the model's value occupies, what a `static` of it puts in flash (its size):
            /// the weights and biases of `WEIGHT_BYTES`, each output channel's stage (its `f32`
            /// weight scale and fixed-point multiplier, 12 bytes), each layer's quantization,
            /// window and clamp (`usize`s: their size is the target's), and padding.
            pub const STORED_BYTES: #usize = ::core::mem::size_of::<Self>();
            /// Bytes of the largest activation, the input and output included (one byte a value).
            pub const MAX_ACTIVATION_BYTES: #usize = ::nncore::__private::max_of(&[#(#lens),*]);
            /// Bytes of the activations alive at once at the fullest point of `forward`, the
            /// input and output included: a layer's input and output. `forward_into` keeps the
            /// values between the input and the output (both the caller's) in one buffer of
            /// `BUFFER_BYTES` on the stack, each layer writing its output straight into it at the
            /// end its input is not at; `forward` adds the output.
            pub const ARENA_BYTES: #usize = #arena;
            #buffer_consts
            /// Multiply-adds of one sample's forward pass, as the float model's.
            pub const MULTIPLY_ADDS: #usize = <#ident as ::nncore::Module>::MULTIPLY_ADDS;

            /// The quantization of the model's input.
            #[must_use]
            #[inline]
            pub fn input_params(&self) -> ::nncore::quant::QuantParams {
                ::nncore::quant::Int8Layer::input_params(&self.#first)
            }

            /// The quantization of the model's output.
            #[must_use]
            #[inline]
            pub fn output_params(&self) -> ::nncore::quant::QuantParams {
                ::nncore::quant::Int8Layer::output_params(&self.#last)
            }

            /// The int8 output for the int8 sample `x`.
            #[must_use]
            #[inline]
            pub fn forward(&self, #x0: &#input) -> #output {
                let mut #y = <#output as ::nncore::quant::Int8Sample>::ZERO;
                self.forward_into(#x0, &mut #y);
                #y
            }

            /// The int8 output for the int8 sample `x`, written into `y` (all of it): the last
            /// layer writes it there, the values before it are in one buffer on the stack.
            #[inline]
            pub fn forward_into(&self, #x0: &#input, #y_out: &mut #output) {
                #chain
            }

            /// The output for the float sample `x`: quantized, run in int8, dequantized.
            #[must_use]
            #[inline]
            pub fn forward_f32(&self, #x0: &#float_input) -> #float_output {
                let #y = self.forward(&<#input as ::nncore::quant::Int8Sample>::quantize(#x0, self.input_params()));
                ::nncore::quant::Int8Sample::dequantize(&#y, self.output_params())
            }
        }

        impl ::nncore::quant::QuantLayer<#input, #output> for #int8 {
            #[inline]
            fn forward(&self, #x0: &#input) -> #output {
                #int8::forward(self, #x0)
            }

            #[inline]
            fn forward_into(&self, #x0: &#input, #y_out: &mut #output) {
                #int8::forward_into(self, #x0, #y_out)
            }
        }

        impl ::nncore::quant::Int8Model for #int8 {
            const WEIGHT_BYTES: #usize = #int8::WEIGHT_BYTES;

            #[inline]
            fn write_fields(&self, #out: &mut dyn ::core::fmt::Write) -> ::core::fmt::Result {
                #out.write_str("{")?;
                #(#writes)*
                #out.write_str("\n}")
            }
        }

        #quantize
        #nested
    }
}

/// `Net::quantize`: calibration over the samples given, the plan, each layer quantized.
fn quantize_impl(
    model: &Model,
    floats: &[TokenStream],
    float_samples: &[TokenStream],
    int8: &Ident,
) -> TokenStream {
    let ident = &model.ident;
    let n = model.layers.len();
    let (calibration, ranges, norms, plans) = (
        local("calibration"),
        local("ranges"),
        local("norms"),
        local("plans"),
    );
    let x = |i: usize| local(&format!("x{i}"));
    let refusals = model.layers.iter().enumerate().map(|(i, layer)| {
        quote_spanned! {layer.span()=>
            const { ::nncore::__private::refuse::<__NnC, #n>(&__NN_ROLES, #i) };
        }
    });
    let forward = model.layers.iter().enumerate().map(|(i, layer)| {
        let (member, s_in, s_out) = (layer.member(), &float_samples[i], &float_samples[i + 1]);
        let (out, input) = (x(i + 1), x(i));
        let input = if i == 0 {
            quote!(#input)
        } else {
            quote!(&#input)
        };
        let this = super::this();
        quote_spanned! {layer.span()=>
            let #out = ::nncore::Layer::<#s_in, #s_out>::forward(&#this.#member, #input);
        }
    });
    let observe = (0..=n).map(|t| {
        let value = x(t);
        let value = if t == 0 {
            quote!(#value)
        } else {
            quote!(&#value)
        };
        quote!(#ranges[#t].observe(::nncore::Tensor::flat(#value))?;)
    });
    let members: Vec<TokenStream> = model.layers.iter().map(|l| l.member()).collect();
    let names = model.layers.iter().map(|l| l.field.module_name());
    let values = members.iter().enumerate().map(|(i, member)| {
        quote!(#member: ::nncore::quant::Quantize::quantize(&self.#member, &#plans.layer(#i, &#norms))?)
    });
    let (input, x0) = (&float_samples[0], x(0));
    let tensors = n + 1;
    let doc = [
        format!(" This model in int8, a `{int8}`, as TensorFlow Lite's converter quantizes it:"),
        " weights symmetric per output channel, biases in int32, and each activation's scale"
            .into(),
        " and zero point from the range (min/max) it takes over `calibration`; each BatchNorm"
            .into(),
        " folded into the layer before it and each ReLU fused into it.".into(),
        String::new(),
        " A layer with no int8 form (`LogSoftmax`, adaptive pooling, a BatchNorm after no `Linear`"
            .into(),
        " or convolution) fails to compile where `quantize` is called, the error on the layer."
            .into(),
        String::new(),
        " # Errors".into(),
        " `nncore::Error::Uncalibrated` if `calibration` is empty, `NotFinite` if it or a".into(),
        " parameter holds a NaN or an infinity, `NotQuantizable` for settings with no int8 form"
            .into(),
        " (an average pooling with padding).".into(),
    ];
    quote! {
        impl #ident {
            #(#[doc = #doc])*
            #[inline]
            pub fn quantize<'__nn_a, __NnC>(&self, #calibration: __NnC) -> ::core::result::Result<#int8, ::nncore::Error>
            where
                __NnC: ::core::iter::IntoIterator<Item = &'__nn_a #input>,
            {
                const __NN_ROLES: [::nncore::quant::Role; #n] = [#(<#floats as ::nncore::quant::Quantize>::ROLE),*];
                #(#refusals)*
                let mut #ranges = [::nncore::quant::ptq::MinMax::new(); #tensors];
                for #x0 in #calibration {
                    #(#forward)*
                    #(#observe)*
                }
                let #norms: [::core::option::Option<&dyn ::nncore::quant::Norm>; #n] =
                    [#(::nncore::quant::Quantize::norm(&self.#members)),*];
                let #plans = ::nncore::quant::Plans::new(&__NN_ROLES, &#ranges, [#(#names),*])?;
                ::core::result::Result::Ok(#int8 { #(#values,)* })
            }
        }
    }
}

/// The int8 type and `quantize` of a model with mistakes in it, so that code using them reports
/// nothing more: the int8 samples of the shapes known, generic parameters for the others.
pub fn stub(stub: &Stub) -> TokenStream {
    let (ident, vis) = (&stub.ident, &stub.vis);
    let int8 = int8_ident(ident);
    let usize = usize_type();
    // A shape no layer tells becomes a type parameter of the method, so any call type-checks.
    let (mut int8_generics, mut float_generics) = (Vec::new(), Vec::new());
    let mut shape = |dims: &Option<crate::shape::Dims>, name: &str| match dims {
        Some(dims) => (int8_sample(dims), sample_type(dims)),
        None => {
            let (q, f) = (format_ident!("{}Q", name), format_ident!("{}F", name));
            int8_generics.push(q.clone());
            float_generics.push(f.clone());
            (q.to_token_stream(), f.to_token_stream())
        }
    };
    let ((input, float_input), (output, float_output)) =
        (shape(&stub.input, "__NnX"), shape(&stub.output, "__NnY"));
    quote! {
        #[allow(dead_code)]
        #[derive(::core::clone::Clone, ::core::fmt::Debug, ::core::cmp::PartialEq)]
        #vis struct #int8;

        #[allow(dead_code, clippy::all)]
        impl #int8 {
            pub const WEIGHT_BYTES: #usize = 0;
            pub const STORED_BYTES: #usize = 0;
            pub const MAX_ACTIVATION_BYTES: #usize = 0;
            pub const MULTIPLY_ADDS: #usize = 0;
            #[doc(hidden)]
            pub const __NN_INSIDE: #usize = 0;
            #[doc(hidden)]
            #[inline]
            pub fn __nn_inside(&self, _: &mut [::core::primitive::i8], _: &mut ::core::primitive::bool) {
                ::core::unreachable!()
            }
            #[inline]
            pub fn input_params(&self) -> ::nncore::quant::QuantParams {
                ::core::unreachable!()
            }
            #[inline]
            pub fn output_params(&self) -> ::nncore::quant::QuantParams {
                ::core::unreachable!()
            }
            #[inline]
            pub fn forward<#(#int8_generics),*>(&self, _: &#input) -> #output {
                ::core::unreachable!()
            }
            #[inline]
            pub fn forward_f32<#(#float_generics),*>(&self, _: &#float_input) -> #float_output {
                ::core::unreachable!()
            }
        }

        impl ::nncore::quant::Int8Model for #int8 {
            const WEIGHT_BYTES: #usize = 0;
            #[inline]
            fn write_fields(&self, _: &mut dyn ::core::fmt::Write) -> ::core::fmt::Result {
                ::core::unreachable!()
            }
        }

        #[allow(dead_code, clippy::all)]
        impl #ident {
            #[inline]
            pub fn quantize<__NnC>(&self, _: __NnC) -> ::core::result::Result<#int8, ::nncore::Error> {
                ::core::unreachable!()
            }
        }
    }
}
