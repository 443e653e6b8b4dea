//! Int8 inference that computes what TensorFlow Lite's reference kernels compute, bit for bit,
//! and post-training quantization of float layers into it.
//!
//! TensorFlow Lite's int8 scheme: a tensor's real value is `scale · (q − zero_point)`
//! ([`QuantParams`]); weights are symmetric (zero point 0) with one scale per output channel;
//! biases are int32 at scale `input_scale · weight_scale`. A layer accumulates
//! `Σ w · (x − input_zero_point) + bias` in int32, rescales it by `input_scale · weight_scale /
//! output_scale` (a fixed-point [`Multiplier`], or `f64` for the interpreter's
//! `FULLY_CONNECTED`: see [`Rounding`]), adds the output's zero point and clamps to the fused
//! activation's range ([`OutputStage`]).
//!
//! | TensorFlow Lite op | here | options |
//! | --- | --- | --- |
//! | `FULLY_CONNECTED` | [`FullyConnected`] | per-channel or per-tensor weights, fused ReLU/ReLU6/ReLU-N1-1; VNNI or AVX2 dot products ([`Kernel`]) |
//! | `CONV_2D` | [`Conv2d`] | per-channel weights, stride, dilation, `SAME`/`VALID`/explicit ([`Padding`]), groups (one group on the dot products of `FULLY_CONNECTED`); [`Conv1d`] over one row |
//! | `DEPTHWISE_CONV_2D` | [`DepthwiseConv2d`] | depth multiplier, stride, dilation, padding |
//! | `MAX_POOL_2D`, `AVERAGE_POOL_2D` | [`MaxPool2d`], [`AvgPool2d`] | filter, stride, padding |
//! | `RESHAPE` (Keras `Flatten`) | [`Reshape`] | NHWC to a vector |
//! | `PAD` | [`Pad`] | zero-point rows and columns around each channel |
//! | `ADD` | [`Add`] | two inputs of one shape, each rescaled; fused ReLU/ReLU6 |
//! | `SOFTMAX` | [`Softmax`] | over the last axis, any `beta`; output scale 1/256, zero point −128 |
//! | `HARD_SWISH` | [`HardSwish`] | its 16-bit fixed point, or as a 256-entry table |
//! | `MEAN` | [`Mean`] | over an image's rows and columns, the reduced dimensions dropped |
//! | `RELU`, `RELU6` | [`Relu`], [`Relu6`] | the output quantized as the input |
//! | `TANH`, `LOGISTIC`, other elementwise ops | [`Lookup`] | any function, as a 256-entry table |
//!
//! Images are NHWC, TensorFlow Lite's layout, `[[[i8; C]; W]; H]` per sample; the float layers
//! are NCHW. [`layout`] converts the parameters once, at quantization time.
//!
//! Everything here is plain data (`const`-constructible, no heap) and runs without `std`.
//! [`tflite`] reads the parameters of a `.tflite` file in place.
//!
//! A whole model: `sequential!` writes beside each model `Net` its int8 form `NetInt8`, whose
//! fields are each layer's [`Quantize::Quantized`], and `Net::quantize`, which calibrates on the
//! samples given ([`ptq::MinMax`]), folds BatchNorms and fuses ReLUs ([`Role`], [`Plans`]), and
//! quantizes every layer. [`Int8Layer`] and [`Int8Model`] give its footprint and its source
//! (`crate::export::write_rust_const_int8`).

mod add;
mod chain;
mod conv;
mod conv1d;
#[cfg(all(test, target_arch = "x86_64"))]
mod conv_depthwise_tests;
mod conv_groups;
#[cfg(all(target_arch = "x86_64", nncore_avx512))]
mod conv_lanes;
#[cfg(all(target_arch = "x86_64", nncore_avx512))]
mod conv_lanes_rows;
#[cfg(all(test, target_arch = "x86_64"))]
mod conv_lanes_tests;
#[cfg(target_arch = "x86_64")]
mod conv_pairs;
#[cfg(nn_arm_dsp)]
mod conv_planes;
#[cfg(all(target_arch = "arm", target_os = "none", not(nn_arm_dsp)))]
mod conv_planes_thumb;
#[cfg(nn_arm_dsp)]
mod conv_positions;
#[cfg(feature = "alloc")]
mod declare;
mod depthwise;
#[cfg(all(target_arch = "x86_64", nncore_avx512))]
mod depthwise_lanes;
#[cfg(target_arch = "x86_64")]
mod depthwise_pairs;
#[cfg(all(target_arch = "x86_64", nncore_avx512))]
mod depthwise_positions;
#[cfg(all(test, target_arch = "x86_64", nncore_avx512))]
mod depthwise_reference;
#[cfg(all(target_arch = "x86_64", nncore_avx512))]
mod depthwise_rows;
#[cfg(all(target_arch = "x86_64", nncore_avx512))]
mod depthwise_strips;
#[cfg(all(target_arch = "arm", target_os = "none"))]
mod depthwise_taps;
mod elementwise;
mod finish;
mod fixed;
mod flatbuffer;
mod float;
mod fully_connected;
mod graph;
mod hard_swish;
mod kernel;
pub mod layout;
mod lines;
mod mean;
mod packing;
mod pad;
mod params;
mod pool;
pub mod ptq;
mod quantize;
mod rescale;
mod sample;
mod softmax;
mod source;

/// What `sequential!`'s int8 code calls, re-exported by `crate::__private`.
pub(crate) mod private {
    pub use super::chain::{first, inside, inside_bytes, rewrite, step, two_ended, written_last};
    pub use super::graph::refuse_graph;
    pub use super::quantize::refuse;
    pub use super::source::{write_adds, write_field};
}
pub mod tflite;

pub use add::{ADD_LEFT_SHIFT, Add};
pub use conv::{Conv2d, Padding};
pub use conv1d::Conv1d;
pub use depthwise::DepthwiseConv2d;
pub use elementwise::{Flatten, Identity, Lookup, Refused, Relu, Relu6};
pub use fixed::{
    Multiplier, Rounding, round_product, rounding_divide_by_pot,
    saturating_rounding_doubling_high_mul,
};
pub use fully_connected::FullyConnected;
pub use graph::{GraphPlans, Node, absorbed};
pub use hard_swish::HardSwish;
pub use kernel::Kernel;
pub use layout::Reshape;
pub use mean::Mean;
pub use packing::Packing;
pub use pad::Pad;
pub use params::{Activation, OutputStage, QuantParams};
pub use pool::{AvgPool2d, MaxPool2d, Pool2d};
pub use quantize::{Norm, Plan, Plans, Quantize, Role};
pub use sample::Int8Sample;
pub use softmax::{SOFTMAX_OUTPUT, Softmax};
pub use source::{Int8Layer, Int8Model};

/// The most stack an int8 model's `forward` takes beyond its `ARENA_BYTES` on the Cortex-M
/// cores `scripts/firmware.sh` runs (a Cortex-M4F with the DSP extension's kernels, ARMv6-M with
/// Thumb-1's): the deepest layer's own storage and the frames and saved registers around it. A
/// [`FullyConnected`] holds 128 int32 sums and 256 (DSP) or 128 (Thumb-1) offset inputs at a
/// time, 1 KB whatever its width; a one-group [`Conv2d`] on the DSP extension eight patches in
/// int16 (1 KB for the DS-CNN's pointwise layers); a depthwise 3×3 layer on Thumb-1 a plane of
/// its input in words (648 bytes for the DS-CNN's); on the DSP extension, a depthwise layer's
/// frame and its plane kernel's (1.4 KB for the DS-CNN's).
///
/// Measured, not derived: the firmware paints the stack before an inference and finds the
/// lowest word written after it, and `scripts/firmware.sh` fails an int8 workload whose peak is
/// above `ARENA_BYTES`, plus this, plus the harness's own stack (its `none` workload's). It
/// holds, with 440 bytes to spare (the DS-CNN on the Cortex-M4F takes 2,120), for MLPerf
/// Tiny's autoencoder and DS-CNN (by `sequential!` and by `tflite!`) and the digits MLP on both
/// cores; a layer with longer patches or wider planes than theirs can take more.
pub const STACK_OVERHEAD_BYTES: usize = 2560;

/// Bytes of flash the int8 runtime takes at most in a Cortex-M firmware (Thumb-2 with the DSP
/// extension, or ARMv6-M), beyond the model's value (`NetInt8::STORED_BYTES`) and the firmware's
/// own code (start-up, output, the measurement): the code of the layer kinds a model uses (the
/// kernels, their output stages and fallbacks, the model's `forward`), the constants they read,
/// and what `core` they call. A bound, with 1.9 KB to spare, over the int8 models that
/// `scripts/firmware.sh` builds for both cores (the digits MLP, MLPerf Tiny's autoencoder and
/// keyword spotter by `sequential!` and by `tflite!`): the largest, the official keyword spotter
/// on the Cortex-M4F, takes 23.7 KB. That script fails a model whose flash is over 1.05 ×
/// (`STORED_BYTES` + this + the same firmware without a model).
pub const RUNTIME_FLASH_BYTES: usize = 25 * 1024;

/// An int8 layer taking `X` to `Y` for one sample.
pub trait QuantLayer<X, Y> {
    /// Whether the layer rewrites its input into its output in place
    /// ([`QuantLayer::forward_in_place`]); only layers from a sample to one like it do.
    const IN_PLACE: bool = false;

    /// The output for `x`.
    fn forward(&self, x: &X) -> Y;

    /// `y`, holding the layer's input, rewritten into its output, for a layer that says
    /// [`QuantLayer::IN_PLACE`]; no other is asked (by default it panics).
    #[inline]
    fn forward_in_place(&self, y: &mut Y) {
        let _ = y;
        unreachable!("a layer that does not work in place");
    }

    /// The output for `x` written into `y`, every value of it: the caller's storage, so that a
    /// model's `forward` keeps each activation in one place (by default, [`QuantLayer::forward`]
    /// copied in).
    #[inline]
    fn forward_into(&self, x: &X, y: &mut Y) {
        *y = self.forward(x);
    }
}

#[cfg(test)]
mod tests;
