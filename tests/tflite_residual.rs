//! Bit-exactness of int8 `ADD`, `SOFTMAX` and `HARD_SWISH` against TensorFlow Lite: residual networks (a small
//! digits classifier, and networks shaped like the MLPerf Tiny ResNet-8 and DS-CNN) and softmax
//! heads at two input scales, rebuilt from their tensors with `nncore::quant` layers; every
//! output byte and every recorded intermediate must match the interpreter's reference kernels.

#[path = "tflite/case.rs"]
mod case;
#[path = "tflite/rebuilt.rs"]
mod rebuilt;

use case::Case;
use nncore::quant::{
    Add, AvgPool2d, Conv2d, DepthwiseConv2d, FullyConnected, QuantLayer, Reshape, Rounding, Softmax,
};
use rebuilt::{Rebuilt, assert_bit_exact, flat, image};

const CONV: Rounding = Rounding::Double;
const FC: Rounding = Rounding::Float;

/// An NHWC image's values in memory order.
fn values<const C: usize, const W: usize, const H: usize>(x: &[[[i8; C]; W]; H]) -> Vec<i8> {
    flat(x.as_flattened())
}

/// `residual_cnn_int8`: CONV_2D (ReLU), CONV_2D, ADD (ReLU), DEPTHWISE_CONV_2D (ReLU6), ADD,
/// AVERAGE_POOL_2D 2×2, RESHAPE, FULLY_CONNECTED, SOFTMAX.
struct ResidualDigits {
    conv1: Conv2d<1, 8, 3, 3>,
    conv2: Conv2d<8, 8, 3, 3>,
    add1: Add,
    depthwise: DepthwiseConv2d<8, 8, 3, 3>,
    add2: Add,
    pool: AvgPool2d,
    reshape: Reshape,
    fc: FullyConnected<128, 10>,
    softmax: Softmax,
}

impl ResidualDigits {
    fn load(case: &Case) -> Self {
        ResidualDigits {
            conv1: case.conv(0, CONV),
            conv2: case.conv(1, CONV),
            add1: case.add(2),
            depthwise: case.depthwise(3, CONV),
            add2: case.add(4),
            pool: case.avg_pool(5),
            reshape: case.reshape(6, &[1, 4, 4, 8], &[1, 128]),
            fc: case.fully_connected(7, FC),
            softmax: case.softmax(8),
        }
    }
}

impl Rebuilt for ResidualDigits {
    fn run(&self, x: &[i8]) -> Vec<Vec<i8>> {
        let x: [[[i8; 1]; 8]; 8] = image(x);
        let a: [[[i8; 8]; 8]; 8] = self.conv1.forward(&x);
        let b: [[[i8; 8]; 8]; 8] = self.conv2.forward(&a);
        let s = self.add1.forward(&a, &b);
        let c: [[[i8; 8]; 8]; 8] = self.depthwise.forward(&s);
        let d = self.add2.forward(&s, &c);
        let p: [[[i8; 8]; 4]; 4] = self.pool.forward(&d);
        let f: [i8; 128] = self.reshape.forward(&p);
        let logits = self.fc.forward(&f);
        let y = self.softmax.forward(&logits);
        let images = [&a, &b, &s, &c, &d].map(values);
        let [a, b, s, c, d] = images;
        let tail = [values(&p), f.to_vec(), logits.to_vec(), y.to_vec()];
        [a, b, s, c, d].into_iter().chain(tail).collect()
    }
}

/// `softmax_*_int8`: FULLY_CONNECTED 64→10 without a bias, SOFTMAX.
struct SoftmaxHead(FullyConnected<64, 10>, Softmax);

impl Rebuilt for SoftmaxHead {
    fn run(&self, x: &[i8]) -> Vec<Vec<i8>> {
        let logits = self.0.forward(x.try_into().unwrap());
        vec![logits.to_vec(), self.1.forward(&logits).to_vec()]
    }
}

/// A stack of ResNet-8 whose shortcut is a strided 1×1 convolution: two 3×3 convolutions (the
/// first strided) and the shortcut, summed by ADD with a fused ReLU.
struct Stack<const IN: usize, const OUT: usize> {
    conv1: Box<Conv2d<IN, OUT, 3, 3>>,
    conv2: Box<Conv2d<OUT, OUT, 3, 3>>,
    shortcut: Box<Conv2d<IN, OUT, 1, 1>>,
    add: Add,
}

/// The first stack of ResNet-8, whose shortcut is its input.
struct IdentityStack<const C: usize> {
    conv1: Box<Conv2d<C, C, 3, 3>>,
    conv2: Box<Conv2d<C, C, 3, 3>>,
    add: Add,
}

/// `resnet8_int8`, shaped like the MLPerf Tiny image classifier: CONV_2D 3→16, three stacks
/// (16, 32 and 64 channels), AVERAGE_POOL_2D 8×8, FULLY_CONNECTED 64→10, SOFTMAX.
struct ResNet8 {
    stem: Box<Conv2d<3, 16, 3, 3>>,
    stack1: IdentityStack<16>,
    stack2: Stack<16, 32>,
    stack3: Stack<32, 64>,
    pool: AvgPool2d,
    fc: FullyConnected<64, 10>,
    softmax: Softmax,
}

impl ResNet8 {
    fn load(case: &Case) -> Self {
        let conv = |i| Box::new(case.conv(i, CONV));
        ResNet8 {
            stem: Box::new(case.conv(0, CONV)),
            stack1: IdentityStack {
                conv1: conv(1),
                conv2: conv(2),
                add: case.add(3),
            },
            // The converter runs the shortcut after the stack's second convolution.
            stack2: Stack {
                conv1: Box::new(case.conv(4, CONV)),
                conv2: Box::new(case.conv(5, CONV)),
                shortcut: Box::new(case.conv(6, CONV)),
                add: case.add(7),
            },
            stack3: Stack {
                conv1: Box::new(case.conv(8, CONV)),
                conv2: Box::new(case.conv(9, CONV)),
                shortcut: Box::new(case.conv(10, CONV)),
                add: case.add(11),
            },
            pool: case.avg_pool(12),
            fc: case.fully_connected(13, FC),
            softmax: case.softmax(14),
        }
    }
}

impl<const C: usize> IdentityStack<C> {
    /// The stack's output; its ops' outputs are pushed to `outs` in run order.
    fn run<const H: usize, const W: usize>(
        &self,
        x: &[[[i8; C]; W]; H],
        outs: &mut Vec<Vec<i8>>,
    ) -> [[[i8; C]; W]; H] {
        let a: [[[i8; C]; W]; H] = self.conv1.forward(x);
        let b: [[[i8; C]; W]; H] = self.conv2.forward(&a);
        let y = self.add.forward(x, &b);
        outs.extend([values(&a), values(&b), values(&y)]);
        y
    }
}

impl<const IN: usize, const OUT: usize> Stack<IN, OUT> {
    /// The stack's output; its ops' outputs are pushed to `outs` in run order.
    fn run<const H: usize, const W: usize, const HO: usize, const WO: usize>(
        &self,
        x: &[[[i8; IN]; W]; H],
        outs: &mut Vec<Vec<i8>>,
    ) -> [[[i8; OUT]; WO]; HO] {
        let a: [[[i8; OUT]; WO]; HO] = self.conv1.forward(x);
        let b: [[[i8; OUT]; WO]; HO] = self.conv2.forward(&a);
        let s: [[[i8; OUT]; WO]; HO] = self.shortcut.forward(x);
        // The ADD reads the shortcut first.
        let y = self.add.forward(&s, &b);
        outs.extend([values(&a), values(&b), values(&s), values(&y)]);
        y
    }
}

impl Rebuilt for ResNet8 {
    fn run(&self, x: &[i8]) -> Vec<Vec<i8>> {
        let x: [[[i8; 3]; 32]; 32] = image(x);
        let stem: [[[i8; 16]; 32]; 32] = self.stem.forward(&x);
        let mut outs = vec![values(&stem)];
        let y1 = self.stack1.run(&stem, &mut outs);
        let y2: [[[i8; 32]; 16]; 16] = self.stack2.run(&y1, &mut outs);
        let y3: [[[i8; 64]; 8]; 8] = self.stack3.run(&y2, &mut outs);
        let p: [[[i8; 64]; 1]; 1] = self.pool.forward(&y3);
        let logits = self.fc.forward(&p[0][0]);
        let y = self.softmax.forward(&logits);
        outs.extend([values(&p), logits.to_vec(), y.to_vec()]);
        outs
    }
}

/// `ds_cnn_int8`, shaped like the MLPerf Tiny keyword spotter: CONV_2D 10×4 stride 2 (ReLU),
/// four DEPTHWISE_CONV_2D 3×3 and CONV_2D 1×1 pairs (ReLU), AVERAGE_POOL_2D 25×5,
/// FULLY_CONNECTED 64→12, SOFTMAX.
struct DsCnn {
    stem: Box<Conv2d<1, 64, 10, 4>>,
    blocks: Vec<(
        Box<DepthwiseConv2d<64, 64, 3, 3>>,
        Box<Conv2d<64, 64, 1, 1>>,
    )>,
    pool: AvgPool2d,
    fc: FullyConnected<64, 12>,
    softmax: Softmax,
}

impl DsCnn {
    fn load(case: &Case) -> Self {
        let block = |k: usize| {
            let depthwise = Box::new(case.depthwise(1 + 2 * k, CONV));
            (depthwise, Box::new(case.conv(2 + 2 * k, CONV)))
        };
        DsCnn {
            stem: Box::new(case.conv(0, CONV)),
            blocks: (0..4).map(block).collect(),
            pool: case.avg_pool(9),
            fc: case.fully_connected(10, FC),
            softmax: case.softmax(11),
        }
    }
}

impl Rebuilt for DsCnn {
    fn run(&self, x: &[i8]) -> Vec<Vec<i8>> {
        let x: [[[i8; 1]; 10]; 49] = image(x);
        let mut h: [[[i8; 64]; 5]; 25] = self.stem.forward(&x);
        let mut outs = vec![values(&h)];
        for (depthwise, pointwise) in &self.blocks {
            let d: [[[i8; 64]; 5]; 25] = depthwise.forward(&h);
            h = pointwise.forward(&d);
            outs.extend([values(&d), values(&h)]);
        }
        let p: [[[i8; 64]; 1]; 1] = self.pool.forward(&h);
        let logits = self.fc.forward(&p[0][0]);
        let y = self.softmax.forward(&logits);
        outs.extend([values(&p), logits.to_vec(), y.to_vec()]);
        outs
    }
}

#[test]
fn residual_digits_with_add_and_softmax_are_bit_exact() {
    let case = Case::load("residual_cnn_int8");
    assert_eq!(case.samples.input.len(), 120);
    assert_bit_exact(&case, &ResidualDigits::load(&case));
}

#[test]
fn softmax_heads_are_bit_exact_at_both_scales() {
    for name in ["softmax_narrow_int8", "softmax_wide_int8"] {
        let case = Case::load(name);
        assert_eq!(case.samples.input.len(), 120);
        let head = SoftmaxHead(case.fully_connected(0, FC), case.softmax(1));
        assert_bit_exact(&case, &head);
    }
}

#[test]
fn resnet8_shaped_network_is_bit_exact() {
    let case = Case::load("resnet8_int8");
    assert_eq!(case.samples.input.len(), 8);
    assert_bit_exact(&case, &ResNet8::load(&case));
}

#[test]
fn ds_cnn_shaped_network_is_bit_exact() {
    let case = Case::load("ds_cnn_int8");
    assert_eq!(case.samples.input.len(), 8);
    assert_bit_exact(&case, &DsCnn::load(&case));
}

/// The `softmax_only_*` cases: SOFTMAX alone on 400 random rows at input scales from about 1/32
/// to 1.
const SOFTMAX_ONLY: [(&str, usize); 3] = [
    ("softmax_only_16x4_int8", 16),
    ("softmax_only_16x32_int8", 16),
    ("softmax_only_40x128_int8", 40),
];

/// `x` through `softmax`, a row of `width` at a time.
fn rows(softmax: &Softmax, x: &[i8], width: usize) -> Vec<i8> {
    let mut y = vec![0; x.len()];
    for (row, out) in x.chunks(width).zip(y.chunks_mut(width)) {
        softmax.row(row, out);
    }
    y
}

#[test]
fn softmax_alone_is_bit_exact_on_random_rows() {
    for (name, width) in SOFTMAX_ONLY {
        let case = Case::load(name);
        let softmax = case.softmax(0);
        assert_eq!(case.samples.input.len(), 400);
        for (k, (x, want)) in case
            .samples
            .input
            .iter()
            .zip(&case.samples.output)
            .enumerate()
        {
            assert_eq!(&rows(&softmax, x, width), want, "{name}: sample {k}");
        }
    }
}

/// `HARD_SWISH` alone on random rows at input scales 0.024 to 0.31: every int8 input value, and
/// the 256-entry table gives the same.
#[test]
fn hard_swish_is_bit_exact() {
    for name in [
        "hard_swish_3_int8",
        "hard_swish_8_int8",
        "hard_swish_40_int8",
    ] {
        let case = Case::load(name);
        let hard_swish = case.hard_swish(0);
        let table = hard_swish.lookup();
        let samples = case.samples.input.iter().zip(&case.samples.output);
        for (k, (x, want)) in samples.enumerate() {
            let got: Vec<i8> = x.iter().map(|&v| hard_swish.apply(v)).collect();
            assert_eq!(&got, want, "{name}: sample {k}");
            let looked_up: Vec<i8> = x.iter().map(|&v| table.get(v)).collect();
            assert_eq!(&looked_up, want, "{name}: sample {k}, by the table");
        }
    }
}

/// `mean_int8`: CONV_2D 3×3 same (ReLU), MEAN over rows and columns, FULLY_CONNECTED.
struct MeanNet(
    Conv2d<1, 16, 3, 3>,
    nncore::quant::Mean,
    FullyConnected<16, 10>,
);

impl Rebuilt for MeanNet {
    fn run(&self, x: &[i8]) -> Vec<Vec<i8>> {
        let a: [[[i8; 16]; 8]; 8] = self.0.forward(&image::<8, 8, 1>(x));
        let m = self.1.forward(&a);
        vec![values(&a), m.to_vec(), self.2.forward(&m).to_vec()]
    }
}

#[test]
fn mean_over_the_image_is_bit_exact() {
    let case = Case::load("mean_int8");
    let net = MeanNet(
        case.conv(0, CONV),
        case.mean(1),
        case.fully_connected(2, FC),
    );
    assert_bit_exact(&case, &net);
}
