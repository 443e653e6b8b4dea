//! A `no_std` library with no heap: a trained temperature model as a constant, and its
//! inference. `.ci/run` builds it with `nncore`'s `std` feature off, so nothing here may need
//! the standard library or an allocator.
//!
//! The weights come two ways, both from `cargo run --example train_temp`: `trained.rs`, source
//! written by `nncore::export::rust_const`, and `BakedTempNet::TRAINED`, read by the macro from
//! the safetensors file it saved.
//!
//! An int8 model too: the digits MLP of `cargo run --example quantize`, quantized and exported by
//! `nncore::export::rust_const_int8` into `digits_int8.rs`, classifies images in integer
//! arithmetic ([`classify_digit`]).
//!
//! And the four MLPerf Tiny reference models, compiled from their `.tflite` files by
//! `nncore::tflite!` ([`imported`]).

#![no_std]
#![warn(missing_docs)]

use nncore::prelude::*;

pub mod imported;

nncore::sequential! {
    /// Celsius from a tenth of the unknown unit.
    pub struct TempNet {
        /// 13 hidden units.
        hidden_linear: Linear(1, 13),
        /// Their activation.
        hidden_activ: Tanh,
        /// Celsius.
        output_linear: Linear(13, 1),
    }
}

include!("trained.rs");

nncore::sequential! {
    /// The same model with its weights baked in by the macro: `models/temp.safetensors` is read
    /// when this crate compiles (and a change to it rebuilds the crate).
    #[weights = "../models/temp.safetensors"]
    pub struct BakedTempNet {
        /// 13 hidden units.
        hidden_linear: Linear(1, 13),
        /// Their activation.
        hidden_activ: Tanh,
        /// Celsius.
        output_linear: Linear(13, 1),
    }
}

/// The model in read-only memory: 160 bytes of weights.
pub static MODEL: TempNet = TRAINED;

// The budget of a small microcontroller, checked when this crate compiles.
const _: () = assert!(TempNet::PARAM_BYTES <= 256);
const _: () = assert!(TempNet::MAX_WIDTH <= 16);

/// Celsius for a reading in the unknown unit.
#[must_use]
pub fn celsius(unknown: f32) -> f32 {
    MODEL.forward(&[0.1 * unknown])[0]
}

/// Converts every reading of `unknown` into `celsius`, without allocating; returns how many
/// were converted (the shorter length).
pub fn convert(unknown: &[f32], celsius_out: &mut [f32]) -> usize {
    let mut n = 0;
    for (u, c) in unknown.iter().zip(celsius_out.iter_mut()) {
        *c = celsius(*u);
        n += 1;
    }
    n
}

nncore::sequential! {
    /// A sensor classifier: a depthwise-separable 1-D convolution (the keyword-spotting
    /// pattern), normalization and global average pooling over 4 channels of 20 readings.
    #[input(4, 20)]
    pub struct SensorNet {
        /// One 3-tap filter per channel.
        depthwise: Conv1d(4, 4, 3, padding = 1, groups = 4, bias = false),
        /// Mixes the channels.
        pointwise: Conv1d(4, 8, 1),
        /// Running statistics from training.
        norm: BatchNorm1d(8),
        /// Its activation.
        act: ReLU,
        /// The mean over time.
        pool: AdaptiveAvgPool1d(1),
        /// `[8, 1]` as 8 features.
        flat: Flatten,
        /// Three classes.
        head: Linear(8, 3),
    }
}

/// The class `model` gives a window of readings, computed in evaluation mode on the stack.
#[must_use]
pub fn classify(model: &SensorNet, window: &[[f32; 20]; 4]) -> usize {
    let logits = model.forward(window);
    let mut best = 0;
    for (class, &logit) in logits.iter().enumerate() {
        if logit > logits[best] {
            best = class;
        }
    }
    best
}

nncore::sequential! {
    /// The digits MLP of `cargo run --example quantize`: 8×8 images with pixels in [0, 1], ten
    /// classes. Only its int8 form, `DigitNetInt8`, is used here.
    pub struct DigitNet {
        /// 32 hidden units.
        hidden: Linear(64, 32),
        /// Their activation, fused into `hidden` in int8.
        activ: ReLU,
        /// The ten class logits.
        output: Linear(32, 10),
    }
}

include!("digits_int8.rs");

/// The int8 digits model in read-only memory.
pub static DIGITS: DigitNetInt8 = DIGITS_INT8;

// Under 30% of the float model's bytes, checked when this crate compiles.
const _: () = assert!(DigitNetInt8::WEIGHT_BYTES * 10 <= DigitNet::PARAM_BYTES * 3);
// Its whole value, the output stages included, under a third (beside what x86-64's fully
// connected layers keep for their kernels: a second bias, 4 bytes an output, and with AVX-512
// each output's factor in `f64`, 8 more).
const _: () = {
    let host = if cfg!(target_arch = "x86_64") {
        12 * (32 + 10)
    } else {
        0
    };
    assert!(DigitNetInt8::STORED_BYTES.saturating_sub(host) * 3 <= DigitNet::PARAM_BYTES);
};
const _: () = assert!(DigitNetInt8::MAX_ACTIVATION_BYTES == 64);

/// The digit in an 8×8 image (pixels in [0, 1], row by row), computed in int8: the image is
/// quantized, run through [`DIGITS`], and the largest int8 logit (the first of equals) wins.
#[must_use]
pub fn classify_digit(pixels: &[f32; 64]) -> usize {
    let input = DIGITS.input_params();
    let logits = DIGITS.forward(&pixels.map(|p| input.quantize(p)));
    let mut best = 0;
    for (class, &logit) in logits.iter().enumerate() {
        if logit > logits[best] {
            best = class;
        }
    }
    best
}
