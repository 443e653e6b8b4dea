//! The code of an imported model: a struct with one `nncore::quant` layer a field, its value as
//! `const MODEL` (weights as byte strings the compiler copies, multipliers computed by the
//! layers' `const fn`s), its footprint, and `forward` over the graph in the file's order.

use proc_macro2::{Ident, Literal, TokenStream};
use quote::{format_ident, quote};

use super::graph::{Graph, Kind, Tensor};
use super::values::{bytes_as, packing, quant, stage, window};
use crate::expand::scopes::{Step, scoped};

/// Which TensorFlow Lite the arithmetic follows.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Follow {
    /// TensorFlow Lite Micro: every rescale with gemmlowp's two roundings.
    Micro,
    /// TensorFlow Lite's reference interpreter: `FULLY_CONNECTED` rescales in `f64`, once.
    Interpreter,
}

/// The int8 sample type of an activation in TensorFlow Lite's layout.
pub fn sample(dims: &[usize], elem: &TokenStream) -> TokenStream {
    let mut ty = elem.clone();
    for &d in dims.iter().rev() {
        ty = quote!([#ty; #d]);
    }
    ty
}

/// The layers' names, by kind, numbered from 1.
struct Names(std::collections::HashMap<&'static str, usize>);

impl Names {
    fn next(&mut self, kind: &'static str) -> Ident {
        let n = self.0.entry(kind).or_insert(0);
        *n += 1;
        format_ident!("{}{}", kind, n)
    }
}

/// One layer's field: its name, type and value.
struct Field {
    name: Ident,
    ty: TokenStream,
    value: TokenStream,
}

/// The code of `graph` as the struct `ident`.
pub fn model(
    graph: &Graph,
    ident: &Ident,
    vis: &syn::Visibility,
    attrs: &[syn::Attribute],
    follow: Follow,
    path: &str,
) -> TokenStream {
    let i8 = quote!(::core::primitive::i8);
    let t = |i: usize| graph.tensors[i].as_ref().expect("an activation");
    // Each activation's storage, `t<index>`; a RESHAPE that keeps the shape is its input's.
    let mut root: std::collections::HashMap<usize, usize> = Default::default();
    let double = quote!(::nncore::quant::Rounding::Double);
    let fc_rounding = match follow {
        Follow::Micro => double.clone(),
        Follow::Interpreter => quote!(::nncore::quant::Rounding::Float),
    };
    let mut names = Names(Default::default());
    let (mut fields, mut steps, mut written) = (Vec::new(), Vec::new(), Vec::new());
    let (mut weight_bytes, mut multiply_adds) = (0usize, 0usize);
    for node in &graph.nodes {
        let (x, y) = (t(node.inputs[0]), t(node.output));
        let local = |i: usize| {
            let r = root.get(&i).copied().unwrap_or(i);
            if r == graph.input {
                quote!(x)
            } else {
                let t = format_ident!("t{}", r);
                quote!((&#t))
            }
        };
        let xl = local(node.inputs[0]);
        let yl = format_ident!("t{}", node.output);
        let mut add_field = |kind: &'static str, ty: TokenStream, value: TokenStream| {
            let name = names.next(kind);
            fields.push(Field {
                name: name.clone(),
                ty,
                value,
            });
            name
        };
        let step = match &node.kind {
            Kind::FullyConnected(w, act) => {
                let (o, n) = (w.shape[0], w.shape[1]);
                weight_bytes += o * n + 4 * o;
                multiply_adds += o * n;
                let bias = &w.bias;
                let weight = bytes_as(&w.data, &quote!([[#i8; #n]; #o]));
                let stage = stage(w, x, y, act, &fc_rounding, true);
                let ty = quote!(::nncore::quant::FullyConnected<#n, #o>);
                let f = add_field(
                    "fc",
                    ty,
                    quote!(::nncore::quant::FullyConnected::new(#weight, [#(#bias),*], #stage)),
                );
                let arg = if x.dims.len() == 1 {
                    quote!(#xl)
                } else {
                    quote!(&::nncore::quant::Reshape.forward(#xl))
                };
                let yty = sample(&y.dims, &i8);
                quote!(#yl = <#yty as ::nncore::quant::Int8Sample>::ZERO; self.#f.forward_into(#arg, &mut #yl);)
            }
            Kind::Conv2d(w, win) | Kind::DepthwiseConv2d(w, win) => {
                let depthwise = matches!(node.kind, Kind::DepthwiseConv2d(..));
                let [o, kh, kw, ci] = [w.shape[0], w.shape[1], w.shape[2], w.shape[3]];
                let positions = y.dims[0] * y.dims[1];
                let (cin, out) = if depthwise { (x.dims[2], ci) } else { (ci, o) };
                let taps = if depthwise { kh * kw } else { kh * kw * ci };
                weight_bytes += w.data.len() + 4 * out;
                multiply_adds += out * taps * positions;
                let bias = &w.bias;
                let stage = stage(w, x, y, win.activation, &double, false);
                let settings = window(win);
                let (kind, ty, value) = if depthwise {
                    let weight = bytes_as(&w.data, &quote!([[[#i8; #out]; #kw]; #kh]));
                    let ty = quote!(::nncore::quant::DepthwiseConv2d<#cin, #out, #kh, #kw>);
                    (
                        "depthwise",
                        ty,
                        quote!(::nncore::quant::DepthwiseConv2d::new(#weight, [#(#bias),*], #settings, #stage)),
                    )
                } else {
                    let weight = bytes_as(&w.data, &quote!([[[[#i8; #ci]; #kw]; #kh]; #o]));
                    let ty = quote!(::nncore::quant::Conv2d<#ci, #o, #kh, #kw>);
                    // With its weights packed here, for the kernels that read them packed
                    // (what `Conv2d::packing` computes, which in a constant the compiler would
                    // interpret byte by byte).
                    let (packed, sums) = packing(&w.data, o, taps);
                    let n = packed.len();
                    let packed = bytes_as(&packed, &quote!([#i8; #n]));
                    let value = quote!({
                        const PACKING: ::nncore::quant::Packing<#n, #o> =
                            ::nncore::quant::Packing::from_parts(#packed, [#(#sums),*]);
                        ::nncore::quant::Conv2d::new(#weight, [#(#bias),*], #settings, #stage)
                            .with_packing(&PACKING)
                    });
                    ("conv", ty, value)
                };
                let f = add_field(kind, ty, value);
                // Written into the activation's own storage (no copy back).
                let yty = sample(&y.dims, &i8);
                quote!(#yl = <#yty as ::nncore::quant::Int8Sample>::ZERO; self.#f.forward_into(#xl, &mut #yl);)
            }
            Kind::MaxPool2d(filter, win) | Kind::AvgPool2d(filter, win) => {
                let max = matches!(node.kind, Kind::MaxPool2d(..));
                let (kind, ty) = if max {
                    ("max_pool", quote!(MaxPool2d))
                } else {
                    ("avg_pool", quote!(AvgPool2d))
                };
                let [fh, fw] = *filter;
                let [sh, sw] = win.stride;
                let padding = if win.same {
                    quote!(Same)
                } else {
                    quote!(Valid)
                };
                let act = format_ident!("{}", win.activation);
                let q = quant(x);
                let value = quote!(::nncore::quant::#ty(::nncore::quant::Pool2d::new(
                    [#fh, #fw], [#sh, #sw], ::nncore::quant::Padding::#padding, ::nncore::quant::Activation::#act, #q)));
                let f = add_field(kind, quote!(::nncore::quant::#ty), value);
                quote!(#yl = self.#f.forward(#xl);)
            }
            Kind::Reshape if x.dims == y.dims => {
                let r = root.get(&node.inputs[0]).copied().unwrap_or(node.inputs[0]);
                root.insert(node.output, r);
                continue;
            }
            Kind::Reshape if x.dims.len() == 3 && y.dims.len() == 1 => {
                quote!(#yl = ::nncore::quant::Reshape.forward(#xl);)
            }
            Kind::Reshape => {
                let value = reshape(x.dims.len(), &y.dims, quote!(#xl));
                quote!(#yl = #value;)
            }
            Kind::Add(act) => {
                let (a, b) = (quant(x), quant(t(node.inputs[1])));
                let (q, act) = (quant(y), format_ident!("{}", act));
                let value = quote!(::nncore::quant::Add::new(#a, #b, #q, ::nncore::quant::Activation::#act));
                let f = add_field("add", quote!(::nncore::quant::Add), value);
                let bl = local(node.inputs[1]);
                // Into the output's own storage: no copy of an input first.
                let yty = sample(&y.dims, &i8);
                let flat = quote!(::nncore::quant::Int8Sample::flat);
                quote! {
                    #yl = <#yty as ::nncore::quant::Int8Sample>::ZERO;
                    self.#f.add_slices(#flat(#xl), #flat(#bl), ::nncore::quant::Int8Sample::flat_mut(&mut #yl));
                }
            }
            Kind::Softmax(beta) => {
                let (q, beta) = (quant(x), Literal::f32_suffixed(*beta));
                let value = quote!(::nncore::quant::Softmax::new(#q, #beta));
                let f = add_field("softmax", quote!(::nncore::quant::Softmax), value);
                let c = *x.dims.last().unwrap();
                quote!(#yl = self.#f.forward_rows::<_, #c>(#xl);)
            }
            Kind::Mean => {
                let (a, b) = (quant(x), quant(y));
                let value = quote!(::nncore::quant::Mean::new(#a, #b));
                let f = add_field("mean", quote!(::nncore::quant::Mean), value);
                quote!(#yl = self.#f.forward(#xl);)
            }
            Kind::HardSwish => {
                let (a, b) = (quant(x), quant(y));
                let value = quote!(match ::nncore::quant::HardSwish::new(#a, #b) {
                    ::core::option::Option::Some(h) => h.lookup(),
                    ::core::option::Option::None => ::core::panic!("HARD_SWISH: an output multiplier of one or more"),
                });
                let f = add_field("hard_swish", quote!(::nncore::quant::Lookup), value);
                quote!(#yl = ::nncore::quant::QuantLayer::forward(&self.#f, #xl);)
            }
        };
        let reads = node
            .inputs
            .iter()
            .map(|i| root.get(i).copied().unwrap_or(*i));
        let reads = reads
            .filter_map(|i| written.iter().position(|&w| w == i))
            .collect();
        written.push(node.output);
        steps.push(Step {
            value: yl,
            ty: sample(&y.dims, &i8),
            reads,
            code: step,
        });
    }
    let output = root.get(&graph.output).copied().unwrap_or(graph.output);
    let body = match written.iter().position(|&w| w == output) {
        Some(k) => scoped(&steps, k),
        None => quote!(*x),
    };
    let (input, output) = (t(graph.input), t(graph.output));
    let (xty, yty) = (sample(&input.dims, &i8), sample(&output.dims, &i8));
    let f32 = quote!(::core::primitive::f32);
    let (fxty, fyty) = (sample(&input.dims, &f32), sample(&output.dims, &f32));
    let (in_q, out_q) = (quant(input), quant(output));
    let max_activation = graph
        .tensors
        .iter()
        .flatten()
        .map(Tensor::len)
        .max()
        .unwrap_or(0);
    let arena = graph.arena_bytes();
    let names: Vec<&Ident> = fields.iter().map(|f| &f.name).collect();
    let types: Vec<&TokenStream> = fields.iter().map(|f| &f.ty).collect();
    let values: Vec<&TokenStream> = fields.iter().map(|f| &f.value).collect();
    let map_in = nested_map(input.dims.len(), &quote!(|v| Self::INPUT.quantize(v)));
    let map_out = nested_map(output.dims.len(), &quote!(|q| Self::OUTPUT.dequantize(q)));
    let usize = quote!(::core::primitive::usize);
    let follows = match follow {
        Follow::Micro => {
            "TensorFlow Lite Micro's reference kernels (every rescale rounded twice, gemmlowp's way)"
        }
        Follow::Interpreter => {
            "TensorFlow Lite's reference interpreter (`FULLY_CONNECTED` rescaled in `f64` and rounded once)"
        }
    };
    let doc = format!(
        " The int8 model of `{path}`, imported when the crate compiles: {} operators, computing what {follows} compute, bit for bit. Plain data: keep it in a `static` (`static M: {ident} = {ident}::MODEL;`).",
        graph.nodes.len()
    );
    quote! {
        #(#attrs)*
        #[doc = ""]
        #[doc = #doc]
        #[derive(::core::clone::Clone, ::core::fmt::Debug, ::core::cmp::PartialEq)]
        #vis struct #ident {
            #(#[doc = "A layer of the imported graph."] pub #names: #types,)*
        }

        #[allow(unsafe_code)]
        impl #ident {
            /// The model's parameters, read from the file.
            pub const MODEL: Self = Self { #(#names: #values,)* };
            /// Bytes of constant data: int8 weights and int32 biases.
            pub const WEIGHT_BYTES: #usize = #weight_bytes;
            /// Bytes the model's value occupies, what a `static` of it puts in flash (its size):
            /// the weights and biases of `WEIGHT_BYTES`, each output channel's stage (its `f32`
            /// weight scale and fixed-point multiplier, 12 bytes), each layer's quantization,
            /// window and clamp (`usize`s: their size is the target's), and padding. On x86-64
            /// each convolution also refers to its weights packed for the AVX-512 VNNI kernel, a
            /// second copy outside this size.
            pub const STORED_BYTES: #usize = ::core::mem::size_of::<Self>();
            /// Bytes of the largest activation (one byte a value).
            pub const MAX_ACTIVATION_BYTES: #usize = #max_activation;
            /// Bytes of the activations alive at once at the fullest point of `forward`, the
            /// input and output included.
            pub const ARENA_BYTES: #usize = #arena;
            /// Multiply-adds of one forward pass.
            pub const MULTIPLY_ADDS: #usize = #multiply_adds;
            /// The quantization of the input.
            pub const INPUT: ::nncore::quant::QuantParams = #in_q;
            /// The quantization of the output.
            pub const OUTPUT: ::nncore::quant::QuantParams = #out_q;
            /// How `FULLY_CONNECTED` rescales (the convolutions always round twice).
            pub const FULLY_CONNECTED_ROUNDING: ::nncore::quant::Rounding = #fc_rounding;
        }

        impl #ident {
            /// The int8 output for the int8 input `x`, in TensorFlow Lite's layout (NHWC).
            #[must_use]
            pub fn forward(&self, x: &#xty) -> #yty {
                #body
            }

            /// `x` quantized as TensorFlow Lite's `QUANTIZE` does, run in int8, and the output
            /// dequantized as its `DEQUANTIZE` does.
            #[must_use]
            pub fn forward_f32(&self, x: &#fxty) -> #fyty {
                let y = self.forward(&x.map(#map_in));
                y.map(#map_out)
            }
        }
    }
}

/// `src` (a reference to an int8 array of `from` dimensions) as an array of dimensions `to`
/// holding the same bytes in the same order: TensorFlow Lite's `RESHAPE`.
fn reshape(from: usize, to: &[usize], src: TokenStream) -> TokenStream {
    let mut flat = quote!(&(#src)[..]);
    for _ in 1..from {
        flat = quote!(#flat.as_flattened());
    }
    let index: Vec<Ident> = (0..to.len()).map(|k| format_ident!("i{}", k)).collect();
    // The row-major index of `[i0, i1, ...]` in `to`.
    let mut at = quote!(0);
    for (k, i) in index.iter().enumerate() {
        let d = to[k];
        at = quote!((#at) * #d + #i);
    }
    let mut value = quote!(flat[#at]);
    for i in index.iter().rev() {
        value = quote!(::core::array::from_fn(|#i| #value));
    }
    quote!({
        let flat: &[::core::primitive::i8] = #flat;
        #value
    })
}

/// A closure mapping every value of a nested array of `depth` levels by `f`.
fn nested_map(depth: usize, f: &TokenStream) -> TokenStream {
    let mut g = f.clone();
    for _ in 1..depth {
        g = quote!(|a| a.map(#g));
    }
    g
}
