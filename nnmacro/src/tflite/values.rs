//! The values of an imported model's fields as tokens: quantizations, output stages and
//! windows as the layers' `const fn`s take them, weights as byte strings, and convolution
//! weights packed for the AVX-512 VNNI kernel.

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use super::graph::{Tensor, Weights, Window};

/// A tensor's quantization.
pub fn quant(t: &Tensor) -> TokenStream {
    let (scale, zero) = (Literal::f32_suffixed(t.scale), t.zero_point);
    quote!(::nncore::quant::QuantParams::new(#scale, #zero))
}

/// `[u8; N]` bytes as an int8 array type, by `transmute` (which checks the sizes agree).
pub fn bytes_as(data: &[u8], ty: &TokenStream) -> TokenStream {
    let n = data.len();
    let bytes = Literal::byte_string(data);
    quote!(unsafe { ::core::mem::transmute::<[::core::primitive::u8; #n], #ty>(*#bytes) })
}

/// `out` rows of `k` int8 weights (`data`, row after row) in the layout of the AVX-512 VNNI
/// block kernel, and each packed row's sum: `nncore`'s `Conv2d::packing` (`quant/packing.rs`),
/// which describes the layout (with whole blocks of 64 rows, row `64q + 16b + 4p + i` is packed
/// row `64q + 16p + 4b + i`).
pub fn packing(data: &[u8], out: usize, k: usize) -> (Vec<u8>, Vec<i32>) {
    let groups = k.div_ceil(4);
    let mut packed = vec![0u8; out.div_ceil(16) * groups * 64];
    let mut sums = vec![0i32; out];
    for (o, row) in data.chunks_exact(k).enumerate() {
        let r = match out % 64 {
            0 => o / 64 * 64 + o % 16 / 4 * 16 + o % 64 / 16 * 4 + o % 4,
            _ => o,
        };
        let (b, j) = (r / 16, r % 16);
        for (t, &w) in row.iter().enumerate() {
            packed[(b * groups + t / 4) * 64 + 4 * j + t % 4] = w;
            sums[r] = sums[r].wrapping_add(i32::from(w as i8));
        }
    }
    (packed, sums)
}

/// The rescale of a layer with weights.
pub fn stage(
    w: &Weights,
    x: &Tensor,
    y: &Tensor,
    act: &str,
    rounding: &TokenStream,
    fc: bool,
) -> TokenStream {
    let (input, output) = (quant(x), quant(y));
    let act = format_ident!("{}", act);
    let act = quote!(::nncore::quant::Activation::#act);
    if w.scales.len() == 1 && fc {
        let s = Literal::f32_suffixed(w.scales[0]);
        return quote!(::nncore::quant::OutputStage::per_tensor(#input, #s, #output, #act, #rounding));
    }
    let n = w.bias.len();
    let scales: Vec<Literal> = (0..n)
        .map(|c| Literal::f32_suffixed(w.scales[c.min(w.scales.len() - 1)]))
        .collect();
    quote!(::nncore::quant::OutputStage::per_channel(#input, [#(#scales),*], #output, #act, #rounding))
}

/// A convolution's stride, dilation and padding.
pub fn window(win: &Window) -> TokenStream {
    let [sh, sw] = win.stride;
    let [dh, dw] = win.dilation;
    let padding = if win.same {
        quote!(Same)
    } else {
        quote!(Valid)
    };
    quote!([#sh, #sw], [#dh, #dw], ::nncore::quant::Padding::#padding)
}
