//! The int8 models `sequential!` writes (`NetInt8`, `Net::quantize`): the generated plan gives
//! what the quantization primitives give by hand (BatchNorm folded, ReLU fused), convolutions
//! compute in int8 what their dequantized weights compute in float, every layer kind runs, and
//! what has no int8 form is refused with the layer named.

use nncore::prelude::*;
use nncore::quant::ptq::{MinMax, quantize_linear};
use nncore::quant::{Activation, Int8Sample, QuantParams, Rounding};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

#[path = "int8/padding.rs"]
mod padding;
#[path = "int8/refused.rs"]
mod refused;

/// `n` samples with every value uniform in ±2.
fn samples<T: Tensor>(rng: &mut StdRng, n: usize) -> Vec<T> {
    (0..n)
        .map(|_| {
            let mut x = T::ZERO;
            x.flat_mut()
                .iter_mut()
                .for_each(|v| *v = rng.random_range(-2.0..2.0));
            x
        })
        .collect()
}

/// Running statistics and affine parameters drawn at random.
macro_rules! randomize_norm {
    ($norm:expr, $rng:expr) => {{
        let (norm, rng) = (&mut $norm, &mut $rng);
        for c in 0..norm.weight.len() {
            norm.weight[c] = rng.random_range(0.5..2.0);
            norm.bias[c] = rng.random_range(-0.5..0.5);
            norm.running_mean[c] = rng.random_range(-0.5..0.5);
            norm.running_var[c] = rng.random_range(0.2..3.0);
        }
    }};
}

nncore::sequential! {
    struct Mlp { fc1: Linear(6, 8), drop: Dropout(0.3), bn: BatchNorm1d(8), act: ReLU, fc2: Linear(8, 3) }
}

#[test]
fn the_plan_folds_batch_norm_and_fuses_relu_as_by_hand() {
    let mut rng = StdRng::seed_from_u64(1);
    let mut model = Mlp::init(&mut rng);
    randomize_norm!(model.bn, rng);
    let xs: Vec<[f32; 6]> = samples(&mut rng, 200);
    let int8 = model.quantize(&xs).unwrap();

    // By hand: the BatchNorm folded into a copy of fc1, each tensor's range over the samples.
    let mut folded = model.fc1.clone();
    model.bn.fold_into(&mut folded);
    let [mut input, mut hidden, mut output] = [MinMax::new(); 3];
    for x in &xs {
        let h = model.act.forward(&model.bn.forward(&model.fc1.forward(x)));
        input.observe(x).unwrap();
        hidden.observe(&h).unwrap();
        output.observe(&model.fc2.forward(&h)).unwrap();
    }
    let [input, hidden, output] = [input, hidden, output].map(|m| m.params().unwrap());
    let fc1 = quantize_linear(&folded, input, hidden, Activation::Relu, Rounding::Double).unwrap();
    let fc2 = quantize_linear(
        &model.fc2,
        hidden,
        output,
        Activation::None,
        Rounding::Double,
    );
    let fc2 = fc2.unwrap();
    assert_eq!(int8.fc1, fc1);
    assert_eq!(int8.fc2, fc2);
    // The layers folded in pass their input on, quantized as the ReLU's output.
    for quant in [int8.drop.quant, int8.bn.quant, int8.act.quant] {
        assert_eq!(quant, hidden);
    }
    assert_eq!((int8.input_params(), int8.output_params()), (input, output));
    for x in &xs[..20] {
        let q = x.map(|v| input.quantize(v));
        assert_eq!(int8.forward(&q), fc2.forward(&fc1.forward(&q)));
    }
}

nncore::sequential! {
    #[input(2, 7, 6)]
    struct ConvNet {
        conv: Conv2d(2, 4, kernel_size = (3, 2), padding = (1, 2), stride = (2, 1)),
        bn: BatchNorm2d(4),
        act: ReLU,
        pool: MaxPool2d(2, padding = 1),
        depthwise: Conv2d(4, 8, 3, padding = 1, groups = 4, bias = false),
        act2: ReLU,
        avg: AvgPool2d(2),
        flat: Flatten,
        fc: Linear(16, 3),
    }
}

/// The float convolution whose weights and bias are `conv`'s int8 ones dequantized (and laid
/// out as PyTorch's again), with `conv`'s settings.
fn dequantized<const IPG: usize, const OUT: usize, const KH: usize, const KW: usize>(
    conv: &nncore::quant::Conv2d<IPG, OUT, KH, KW>,
    float: &nncore::Conv2d<IPG, OUT, KH, KW, true>,
) -> nncore::Conv2d<IPG, OUT, KH, KW, true> {
    let stage = &conv.stage;
    let mut out = float.clone();
    for o in 0..OUT {
        let s = stage.weight_scale[o];
        out.weight[o] = std::array::from_fn(|c| {
            std::array::from_fn(|kh| std::array::from_fn(|kw| conv.weight[o][kh][kw][c] as f32 * s))
        });
        out.bias[o] = conv.bias[o] as f32 * (stage.input.scale * s);
    }
    out
}

#[test]
fn a_convolution_computes_what_its_dequantized_weights_compute() {
    let mut rng = StdRng::seed_from_u64(2);
    let mut model = ConvNet::init(&mut rng);
    randomize_norm!(model.bn, rng);
    let xs: Vec<[[[f32; 6]; 7]; 2]> = samples(&mut rng, 64);
    let int8 = model.quantize(&xs).unwrap();
    let reference = dequantized(&int8.conv, &model.conv);
    let (input, out) = (int8.input_params(), int8.conv.stage.output);
    let mut worst = 0.0f32;
    for x in &xs {
        let q = <[[[i8; 2]; 6]; 7]>::quantize(x, input);
        let real: [[[f32; 9]; 4]; 4] = reference.forward(&q.dequantize(input));
        let got: [[[i8; 4]; 9]; 4] = int8.conv.forward(&q);
        for (g, r) in got
            .dequantize(out)
            .as_flattened()
            .as_flattened()
            .iter()
            .zip(real.as_flattened().as_flattened())
        {
            // The fused ReLU clamps at real 0.
            worst = worst.max((g - r.max(0.0).min(out.dequantize(127))).abs() / out.scale);
        }
    }
    println!("worst error {worst:.3} output steps");
    // Half a step from rounding, plus the fixed-point multiplier and float sums (measured:
    // 0.501).
    assert!(worst <= 0.51, "worst error {worst} output steps");
}

#[test]
fn a_convolutional_model_in_int8_tracks_the_float_one() {
    let mut rng = StdRng::seed_from_u64(3);
    let mut model = ConvNet::init(&mut rng);
    randomize_norm!(model.bn, rng);
    let xs: Vec<[[[f32; 6]; 7]; 2]> = samples(&mut rng, 300);
    let int8 = model.quantize(&xs[..200]).unwrap();
    let out = int8.output_params();
    let (mut worst, mut same) = (0.0f32, 0);
    for x in &xs[200..] {
        let (want, got) = (model.forward(x), int8.forward_f32(x));
        for (g, w) in got.iter().zip(&want) {
            worst = worst.max((g - w).abs() / out.scale);
        }
        same += usize::from(argmax(&got) == argmax(&want));
    }
    println!("worst error {worst:.2} output steps, classes agree on {same} of 100");
    // Measured: 8.1 of the output's 255 steps, 100 of 100 (`cargo test --test int8 --
    // --nocapture`): each of the four layers with weights adds its rounding.
    assert!(worst < 12.0, "worst error {worst} output steps");
    assert!(same >= 95, "classes agree on {same} of 100");
}

fn argmax(v: &[f32]) -> usize {
    (0..v.len()).fold(0, |b, i| if v[i] > v[b] { i } else { b })
}

nncore::sequential! {
    #[input(3, 16)]
    struct SeqNet(
        Conv1d(3, 6, 3, padding = 1),
        Tanh,
        MaxPool1d(2),
        Conv1d(6, 6, 3, groups = 3),
        Sigmoid,
        AvgPool1d(2),
        Flatten,
        Linear(18, 4),
        GELU,
        LeakyReLU(0.1),
        Identity,
        Linear(4, 2),
    );
}

#[test]
fn sequences_and_lookup_tables_track_the_float_model() {
    let mut rng = StdRng::seed_from_u64(4);
    let model = SeqNet::init(&mut rng);
    let xs: Vec<[[f32; 16]; 3]> = samples(&mut rng, 300);
    let int8 = model.quantize(&xs[..200]).unwrap();
    // TensorFlow Lite's fixed output quantization of TANH and LOGISTIC.
    assert_eq!(int8.1.output, QuantParams::new(1.0 / 128.0, 0));
    assert_eq!(int8.4.output, QuantParams::new(1.0 / 256.0, -128));
    // A table maps each int8 input to its function's value, quantized.
    let gelu = &int8.8;
    for q in [-128i8, -40, 0, 40, 127] {
        let x = gelu.input.dequantize(q);
        let want = gelu.output.quantize(nncore::GELU::EXACT.forward(&[x])[0]);
        assert!((gelu.get(q) as i32 - want as i32).abs() <= 1, "{q}");
    }
    let out = int8.output_params();
    let mut worst = 0.0f32;
    for x in &xs[200..] {
        for (g, w) in int8.forward_f32(x).iter().zip(model.forward(x)) {
            worst = worst.max((g - w).abs() / out.scale);
        }
    }
    println!("worst error {worst:.2} output steps");
    // Measured: 1.9 steps.
    assert!(worst < 4.0, "worst error {worst} output steps");
}

#[test]
fn footprint_constants_count_bytes_and_products() {
    // 6·8 + 4·8 and 8·3 + 4·3 bytes of weights and biases.
    assert_eq!(MlpInt8::WEIGHT_BYTES, 6 * 8 + 4 * 8 + 8 * 3 + 4 * 3);
    assert_eq!(MlpInt8::MAX_ACTIVATION_BYTES, 8);
    assert_eq!(MlpInt8::MULTIPLY_ADDS, 6 * 8 + 8 * 3);
    // Conv weights, the depthwise weights (one input channel each, biases kept), the tables.
    let conv = 4 * 3 * 2 * 2 + 4 * 4;
    let depthwise = 8 * 3 * 3 + 4 * 8;
    assert_eq!(ConvNetInt8::WEIGHT_BYTES, conv + depthwise + 16 * 3 + 4 * 3);
    // The first convolution's output, 4 channels of 4 × 9.
    assert_eq!(ConvNetInt8::MAX_ACTIVATION_BYTES, 4 * 4 * 9);
    assert_eq!(
        SeqNetInt8::WEIGHT_BYTES,
        (6 * 3 * 3 + 24) + 256 + (6 * 2 * 3 + 24) + 256 + (18 * 4 + 16) + 256 + 256 + (4 * 2 + 8)
    );
    // A budget a firmware build would check.
    const _: () = assert!(MlpInt8::WEIGHT_BYTES < <Mlp as Module>::PARAM_BYTES / 3);
    // What a model's value occupies: its size, the layers' values and padding.
    assert_eq!(MlpInt8::STORED_BYTES, size_of::<MlpInt8>());
    // Dropout, the folded BatchNorm and the fused ReLU keep their quantization (8 bytes each).
    let layers = size_of::<nncore::quant::FullyConnected<6, 8>>()
        + 3 * size_of::<nncore::quant::QuantParams>()
        + size_of::<nncore::quant::FullyConnected<8, 3>>();
    // (Up to the model's alignment: 64 on x86-64, whose fully connected layers keep their
    // weights on cache lines.)
    assert_eq!(
        MlpInt8::STORED_BYTES,
        layers.next_multiple_of(align_of::<MlpInt8>())
    );
    // Beyond the weights and biases, each output channel's stage (its f32 weight scale and its
    // multiplier, mantissa and shift), then a few words of quantization and settings a layer.
    // (On x86-64 a fully connected layer's second bias too, that of the VNNI kernels' sums, and
    // where the compiler has AVX-512 intrinsics each output's factor in `f64`.)
    let per_output = if cfg!(target_arch = "x86_64") { 24 } else { 12 };
    let stages = per_output * (8 + 3);
    let settings = (MlpInt8::STORED_BYTES - MlpInt8::WEIGHT_BYTES).saturating_sub(stages);
    // Padding to the alignment at the ends of each layer's weights and of the model.
    let padding = 3 * (align_of::<MlpInt8>() - 1);
    assert!(
        settings <= 2 * 64 + padding,
        "{settings} bytes of settings and padding in two layers"
    );
    // Six layers with weights, eight without (each its quantization, or a window too).
    let channels = 4 + 8 + 3;
    let settings = ConvNetInt8::STORED_BYTES - ConvNetInt8::WEIGHT_BYTES - 12 * channels;
    assert!(
        settings <= 9 * 80,
        "{settings} bytes of settings in nine layers"
    );
}
