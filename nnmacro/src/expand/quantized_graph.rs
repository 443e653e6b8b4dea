//! The int8 form of a model whose forward pass is a graph (`fn forward` with `+`): the chain's
//! `NetInt8` (`quantized.rs`) with one more field, `adds`, TensorFlow Lite's int8 `ADD` for each
//! `+` in order, and a forward pass along the graph. Planning is the runtime's
//! (`nncore::quant::GraphPlans`); a layer applied twice is quantized once and must come out
//! the same for both uses.

use proc_macro2::{Ident, TokenStream};
use quote::{ToTokens, format_ident, quote};

use super::quantized::{int8_ident, int8_sample};
use super::scopes::arena;
use super::{local, usize_type};
use crate::ast::Form;
use crate::ir::{Field, Layer, Model, Op};
use crate::shape::Dims;
use crate::shape::sample_type;

/// The field holding the sums: `adds`, or `adds_` (and so on) beside a layer of that name; in
/// the tuple form, the index after the layers.
pub(super) fn adds_field(model: &Model) -> (TokenStream, String) {
    let n = model.layers.len();
    if matches!(model.form, Form::Tuple) {
        let index = syn::Index::from(n);
        return (quote!(#index), n.to_string());
    }
    let mut name = "adds".to_owned();
    while model.layers.iter().any(|l| l.field.module_name() == name) {
        name.push('_');
    }
    let ident = format_ident!("{}", name);
    (quote!(#ident), name)
}

/// `&x3`, or `x0` (the caller's reference).
pub(super) fn by_ref(v: usize) -> TokenStream {
    let x = local(&format!("x{v}"));
    if v == 0 { quote!(#x) } else { quote!(&#x) }
}

/// The nodes as `nncore::quant::Node`s.
pub(super) fn node_list(model: &Model) -> Vec<TokenStream> {
    let node = |op: Op| match op {
        Op::Layer { layer, input } => {
            quote!(::nncore::quant::Node::Layer { layer: #layer, input: #input })
        }
        Op::Add(a, b) => quote!(::nncore::quant::Node::Add(#a, #b)),
    };
    model.graph.nodes.iter().map(|n| node(n.op)).collect()
}

/// The code of the int8 form of a valid model with a graph.
pub fn quantized(model: &Model) -> TokenStream {
    let (ident, vis, graph) = (&model.ident, &model.vis, &model.graph);
    let int8 = int8_ident(ident);
    let usize = usize_type();
    let floats: Vec<TokenStream> = model.layers_with_inputs().map(|(l, i)| l.ty(i)).collect();
    let types: Vec<TokenStream> = model
        .layers_with_inputs()
        .map(|(l, i)| int8_type(l, i))
        .collect();
    let values = graph.nodes.len() + 1;
    let samples: Vec<TokenStream> = (0..values).map(|v| int8_sample(graph.shape(v))).collect();
    let float_samples: Vec<TokenStream> =
        (0..values).map(|v| sample_type(graph.shape(v))).collect();
    let members: Vec<TokenStream> = model.layers.iter().map(|l| l.member()).collect();
    let sums: Vec<usize> = (0..graph.nodes.len())
        .filter(|&k| matches!(graph.nodes[k].op, Op::Add(..)))
        .collect();
    let m = sums.len();
    let (adds, adds_name) = adds_field(model);
    let add_ty = quote!([::nncore::quant::Add; #m]);
    let (input, output) = (&samples[0], &samples[graph.output]);
    let (float_input, float_output) = (&float_samples[0], &float_samples[graph.output]);

    let fields = model.layers.iter().zip(&types).map(|(layer, ty)| {
        let docs = layer.attrs.iter().filter(|a| a.path().is_ident("doc"));
        match &layer.field {
            Field::Named(name) => quote!(#(#docs)* #vis #name: #ty),
            Field::Index(_) => quote!(#(#docs)* #vis #ty),
        }
    });
    let adds_def = match model.form {
        Form::Named => quote!(#vis #adds: #add_ty),
        Form::Tuple => quote!(#vis #add_ty),
    };
    let doc = [
        format!(" `{ident}` in int8, as `{ident}::quantize` makes it: each layer's field the int8"),
        format!(" form of the layer of `{ident}` of the same name, and `{adds_name}` TensorFlow"),
        " Lite's int8 `ADD` for each `+` of the forward pass, in order. Plain data".into(),
        " (`const`-constructible, no heap); `forward` takes int8 samples in TensorFlow Lite's"
            .into(),
        " layout, `forward_f32` float ones.".into(),
    ];
    let derives =
        quote!(#[derive(::core::clone::Clone, ::core::fmt::Debug, ::core::cmp::PartialEq)]);
    let definition = match model.form {
        Form::Named => {
            quote!(#(#[doc = #doc])* #derives #vis struct #int8 { #(#fields,)* #adds_def, })
        }
        Form::Tuple => {
            quote!(#(#[doc = #doc])* #derives #vis struct #int8 ( #(#fields,)* #adds_def, );)
        }
    };

    let x = |v: usize| local(&format!("x{v}"));
    let (count, graph_output) = (graph.nodes.len(), graph.output);
    let nodes = node_list(model);
    let roles = super::quantized_nested::roles(model, &floats);
    let (steps, body) =
        super::quantized_steps::graph_steps(model, &samples, &members, (&adds, &sums));
    let params = |v: usize, end: &str| -> TokenStream {
        let reader = (0..graph.nodes.len()).find(|&k| graph.inputs(k).contains(&v));
        let (k, side) = if end == "output" && v > 0 {
            (v - 1, None)
        } else {
            match reader {
                Some(k) => (k, Some(graph.inputs(k)[0] == v)),
                None => return quote!(::nncore::quant::QuantParams::new(1.0, 0)),
            }
        };
        match graph.nodes[k].op {
            Op::Layer { layer, .. } => {
                let member = &members[layer];
                let method =
                    format_ident!("{}_params", if side.is_some() { "input" } else { "output" });
                quote!(::nncore::quant::Int8Layer::#method(&self.#member))
            }
            Op::Add(..) => {
                let j = sums.iter().position(|&s| s == k).unwrap_or_default();
                match side {
                    Some(true) => quote!(self.#adds[#j].a),
                    Some(false) => quote!(self.#adds[#j].b),
                    None => quote!(self.#adds[#j].output),
                }
            }
        }
    };
    // The output's: a node folded or fused into the one before it is quantized as its input.
    let mut output_params = params(0, "input");
    let mut v = graph.output;
    let mut outer = Vec::new();
    while v > 0 {
        match graph.nodes[v - 1].op {
            Op::Layer { input, .. } if samples[input].to_string() == samples[v].to_string() => {
                outer.push((v - 1, params(v, "output")));
                v = input;
            }
            _ => {
                output_params = params(v, "output");
                break;
            }
        }
    }
    for (k, own) in outer.into_iter().rev() {
        output_params = quote!(if __NN_ABSORBED[#k] { #output_params } else { #own });
    }
    let input_params = params(0, "input");
    let absorbed = quote! {
        const __NN_ABSORBED: [::core::primitive::bool; #count] = ::nncore::quant::absorbed(
            &[#(#nodes),*],
            &[#(#roles),*],
            #graph_output,
        );
    };
    // A chain of layers, some of them models: in one buffer as a plain chain is.
    let (body, chain_consts) = if graph.is_chain() {
        let (body, consts) =
            super::quantized_steps::buffer_chain(model, &types, &samples, (&int8, true));
        let consts = quote! {
            /// Whether each layer folds or fuses into the one before it.
            #[doc(hidden)]
            pub const __NN_ABSORBED: [::core::primitive::bool; #count] = ::nncore::quant::absorbed(
                &[#(#nodes),*],
                &[#(#roles),*],
                #graph_output,
            );
            #consts
        };
        (body, consts)
    } else {
        // Inside a chain's buffer, as any layer.
        let consts = quote! {
            /// The bytes `__nn_inside` takes in its caller's buffer.
            #[doc(hidden)]
            pub const __NN_INSIDE: #usize = <#input as ::nncore::quant::Int8Sample>::LEN + <#output as ::nncore::quant::Int8Sample>::LEN;

            /// The model run inside the buffer of a chain holding it, from its input at the back
            /// of `buffer` if `at_back`, else at its front, to the other end.
            #[doc(hidden)]
            #[inline]
            pub fn __nn_inside(&self, __nn_buffer: &mut [::core::primitive::i8], __nn_at_back: &mut ::core::primitive::bool) {
                ::nncore::__private::inside::<_, #input, #output>(self, __nn_buffer, __nn_at_back);
            }
        };
        (quote!(#absorbed #body), consts)
    };
    let (x0, y) = (x(0), local("y"));
    let len = |s: &TokenStream| quote!(<#s as ::nncore::quant::Int8Sample>::LEN);
    let value_lens: Vec<TokenStream> = samples[1..].iter().map(len).collect();
    let input_last = (0..graph.nodes.len())
        .rev()
        .find(|&k| graph.inputs(k).contains(&0));
    let arena = match graph.output {
        0 => len(&samples[0]),
        v => arena(&steps, v - 1, (&len(&samples[0]), input_last), &value_lens),
    };
    let lens = samples
        .iter()
        .map(|s| quote!(<#s as ::nncore::quant::Int8Sample>::LEN));
    let out = local("out");
    let writes = model.layers.iter().zip(&members).map(|(layer, member)| {
        let name = layer.field.module_name();
        quote!(::nncore::__private::write_field(#out, #name, &self.#member)?;)
    });
    let quantize = quantize_impl(model, &floats, &float_samples, &int8);

    quote! {
        #definition

        impl #int8 {
            /// Bytes of constant data: int8 weights, int32 biases and lookup tables.
            pub const WEIGHT_BYTES: #usize = 0 #(+ <#types as ::nncore::quant::Int8Layer>::WEIGHT_BYTES)*;
            /// Bytes the model's value occupies, what a `static` of it puts in flash (its size):
            /// the weights and biases of `WEIGHT_BYTES`, each output channel's stage (its `f32`
            /// weight scale and fixed-point multiplier, 12 bytes), each layer's quantization,
            /// window and clamp (`usize`s: their size is the target's), the `ADD`s, and padding.
            pub const STORED_BYTES: #usize = ::core::mem::size_of::<Self>();
            /// Bytes of the largest activation, the input and output included (one byte a value).
            pub const MAX_ACTIVATION_BYTES: #usize = ::nncore::__private::max_of(&[#(#lens),*]);
            /// Bytes of the activations alive at once at the fullest point of `forward`, the
            /// input and output included. Each activation's stack space ends with its last
            /// reader, so an optimized build's `forward` needs this much stack for its values
            /// (the input is the caller's).
            pub const ARENA_BYTES: #usize = #arena;
            #chain_consts
            /// Multiply-adds of one sample's forward pass, as the float model's.
            pub const MULTIPLY_ADDS: #usize = <#ident as ::nncore::Module>::MULTIPLY_ADDS;

            /// The quantization of the model's input.
            #[must_use]
            #[inline]
            pub fn input_params(&self) -> ::nncore::quant::QuantParams {
                #input_params
            }

            /// The quantization of the model's output.
            #[must_use]
            #[inline]
            pub fn output_params(&self) -> ::nncore::quant::QuantParams {
                #absorbed
                #output_params
            }

            /// The int8 output for the int8 sample `x`.
            #[must_use]
            #[inline]
            pub fn forward(&self, #x0: &#input) -> #output {
                let mut #y = <#output as ::nncore::quant::Int8Sample>::ZERO;
                self.forward_into(#x0, &mut #y);
                #y
            }

            /// The int8 output for the int8 sample `x`, written into `y` (all of it): the node
            /// giving it writes it there, and each layer after it that a node absorbs nothing into
            /// rewrites it.
            #[inline]
            pub fn forward_into(&self, #x0: &#input, #y: &mut #output) {
                #body
            }

            /// The output for the float sample `x`: quantized, run in int8, dequantized.
            #[must_use]
            #[inline]
            pub fn forward_f32(&self, #x0: &#float_input) -> #float_output {
                let #x0 = self.forward(&<#input as ::nncore::quant::Int8Sample>::quantize(#x0, self.input_params()));
                ::nncore::quant::Int8Sample::dequantize(&#x0, self.output_params())
            }
        }

        impl ::nncore::quant::QuantLayer<#input, #output> for #int8 {
            #[inline]
            fn forward(&self, #x0: &#input) -> #output {
                #int8::forward(self, #x0)
            }

            #[inline]
            fn forward_into(&self, #x0: &#input, #y: &mut #output) {
                #int8::forward_into(self, #x0, #y)
            }
        }

        impl ::nncore::quant::Int8Model for #int8 {
            const WEIGHT_BYTES: #usize = #int8::WEIGHT_BYTES;

            #[inline]
            fn write_fields(&self, #out: &mut dyn ::core::fmt::Write) -> ::core::fmt::Result {
                #out.write_str("{")?;
                #(#writes)*
                ::nncore::__private::write_adds(#out, #adds_name, &self.#adds)?;
                #out.write_str("\n}")
            }
        }

        #quantize
    }
}

/// The int8 twin's type of a layer: `<L as Quantize>::Quantized`, or `InnerInt8` for a model
/// nested in this one.
pub(super) fn int8_type(layer: &Layer, input: &Dims) -> TokenStream {
    let ty = layer.ty(input);
    match syn::parse2::<Ident>(ty.clone()) {
        Ok(inner) if layer.kind.nested() => int8_ident(&inner).into_token_stream(),
        _ => quote!(<#ty as ::nncore::quant::Quantize>::Quantized),
    }
}

/// `Net::quantize` of a graph model, and what a model holding it calls: `__NN_VALUES`, the
/// ranges it calibrates (its own values, then those of the models nested in it), `__nn_observe`
/// and `__nn_quantize_in`.
fn quantize_impl(
    model: &Model,
    floats: &[TokenStream],
    float_samples: &[TokenStream],
    int8: &Ident,
) -> TokenStream {
    let ident = &model.ident;
    let (calibration, ranges, input) = (local("calibration"), local("ranges"), &float_samples[0]);
    let (x0, nested) = (
        local("x0"),
        super::quantized_nested::nested_impl(model, floats, float_samples, int8, true),
    );
    let doc = [
        format!(" This model in int8, a `{int8}`, as TensorFlow Lite's converter quantizes it:"),
        " weights symmetric per output channel, biases in int32, and each value's scale and zero"
            .into(),
        " point from the range (min/max) it takes over `calibration`; each BatchNorm folded into"
            .into(),
        " the layer before it, each ReLU fused into the layer or sum before it when it alone"
            .into(),
        " reads that value, each `+` TensorFlow Lite's int8 `ADD`, and each model nested in it"
            .into(),
        " quantized the same way from its input's quantization.".into(),
        String::new(),
        " A layer with no int8 form fails to compile where `quantize` is called, the error on"
            .into(),
        " the layer.".into(),
        String::new(),
        " # Errors".into(),
        " `nncore::Error::Uncalibrated` if `calibration` is empty, `NotFinite` if it or a".into(),
        " parameter holds a NaN or an infinity, `NotQuantizable` for settings with no int8 form"
            .into(),
        " (an average pooling with padding, a layer applied twice to differently quantized values)."
            .into(),
    ];
    quote! {
        impl #ident {
            #(#[doc = #doc])*
            #[inline]
            pub fn quantize<'__nn_a, __NnC>(&self, #calibration: __NnC) -> ::core::result::Result<#int8, ::nncore::Error>
            where
                __NnC: ::core::iter::IntoIterator<Item = &'__nn_a #input>,
            {
                Self::__nn_check::<__NnC>();
                let mut #ranges = [::nncore::quant::ptq::MinMax::new(); Self::__NN_VALUES];
                for #x0 in #calibration {
                    self.__nn_observe(#x0, &mut #ranges)?;
                }
                self.__nn_quantize_in(&#ranges, ::core::option::Option::None)
            }
        }

        #nested
    }
}
