//! The four MLPerf Tiny reference models, declared as PyTorch would build them from the
//! reference Keras code, counted, and trained a few steps.
//!
//! `cargo run --release --example mlperf_tiny`. The reference models are those of MLCommons'
//! `tiny` repository (<https://github.com/mlcommons/tiny>, Apache-2.0), `benchmark/training/`:
//! the anomaly-detection autoencoder, the keyword-spotting DS-CNN, the visual-wake-words
//! MobileNetV1 and the image-classification ResNet-8. Each is written here layer for layer as
//! its Keras source builds it, in PyTorch's spelling. For each model the example prints its
//! parameters, its running statistics, the bytes its inference needs and its multiply-adds,
//! checks the counts against the ones Keras reports, then trains it five steps on one generated
//! batch of 8 (in training mode) and checks that the loss went down.
//!
//! Keras and PyTorch spell the same layers differently:
//!
//! - Keras counts BatchNorm's running mean and variance as "non-trainable params"; PyTorch
//!   keeps them as buffers, beside `num_batches_tracked`. Here `params` is Keras' trainable
//!   count and `running stats` its non-trainable one.
//! - Keras' `BatchNormalization` has eps 1e-3 (PyTorch's default is 1e-5), hence
//!   `BatchNorm2d(c, eps = 1e-3)`. Its momentum 0.99 weighs the old running value; PyTorch's
//!   momentum weighs the new one, so Keras' is PyTorch's `momentum=0.01`. The declarations keep
//!   PyTorch's 0.1, which changes only how fast the running statistics follow the batches.
//! - `padding='same'` with stride 1 and an odd kernel pads (k - 1) / 2 on every side: PyTorch's
//!   `padding=k // 2`. With stride 2, TensorFlow pads `max((ceil(n / s) - 1) * s + k - n, 0)`
//!   in all, the odd one after (below, right), which PyTorch writes as `ZeroPad2d((left, right,
//!   top, bottom))` before a convolution without padding.
//! - A final `Dense(..., activation='softmax')` is a `Linear` here: the models give logits, and
//!   `CrossEntropyLoss` applies the log-softmax.
//! - Keras' `kernel_regularizer=l2(1e-4)` adds 1e-4 times the sum of the squared kernel weights
//!   to the loss: a training choice, not part of the model. Keras' initializers (`he_normal`,
//!   `glorot_uniform`, zero biases) differ from PyTorch's, which `init` follows.

use std::error::Error;
use std::time::Instant;

use nncore::prelude::*;
use nncore::{
    Adam, AdamConfig, BufferData, CrossEntropyLoss, Grads, MSELoss, SGD, SGDConfig, Train,
};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

// Anomaly detection: `anomaly_detection/keras_model.py` (`get_model(640)`; the file is
// Hitachi's DCASE 2020 baseline, MIT licensed). 640 log-mel values (5 frames of 128 mels) in,
// their reconstruction out: nine `Dense`, `BatchNormalization`, ReLU blocks around an 8-wide
// bottleneck, and `Dense(640)`. Keras' `Dense` has a bias.
nncore::sequential! {
    /// The autoencoder: 640 → 128 → 128 → 128 → 128 → 8 → 128 → 128 → 128 → 128 → 640.
    #[module]
    pub struct AutoEncoder {
        fc1: Linear(640, 128), bn1: BatchNorm1d(128, eps = 1e-3), relu1: ReLU,
        fc2: Linear(128, 128), bn2: BatchNorm1d(128, eps = 1e-3), relu2: ReLU,
        fc3: Linear(128, 128), bn3: BatchNorm1d(128, eps = 1e-3), relu3: ReLU,
        fc4: Linear(128, 128), bn4: BatchNorm1d(128, eps = 1e-3), relu4: ReLU,
        fc5: Linear(128, 8), bn5: BatchNorm1d(8, eps = 1e-3), relu5: ReLU,
        fc6: Linear(8, 128), bn6: BatchNorm1d(128, eps = 1e-3), relu6: ReLU,
        fc7: Linear(128, 128), bn7: BatchNorm1d(128, eps = 1e-3), relu7: ReLU,
        fc8: Linear(128, 128), bn8: BatchNorm1d(128, eps = 1e-3), relu8: ReLU,
        fc9: Linear(128, 128), bn9: BatchNorm1d(128, eps = 1e-3), relu9: ReLU,
        out: Linear(128, 640),
    }
}

// Keyword spotting: `keyword_spotting/keras_model.py`, `model_architecture='ds_cnn'`, with the
// defaults of `kws_util.py`: 49 frames of 10 MFCCs (1 s at 16 kHz, 30 ms windows every 20 ms),
// 64 filters, 12 classes. Every convolution has Keras' default bias.
nncore::sequential! {
    /// One depthwise-separable block: a 3×3 depthwise convolution ('same' at stride 1, so
    /// `padding=1`), BatchNorm, ReLU, a 1×1 convolution, BatchNorm, ReLU. The DS-CNN has four.
    #[input(64, 25, 5)]
    #[module = "DepthwiseSeparable"]
    pub struct DsBlock {
        depthwise: Conv2d(64, 64, 3, padding = 1, groups = 64),
        bn1: BatchNorm2d(64, eps = 1e-3),
        relu1: ReLU,
        pointwise: Conv2d(64, 64, 1),
        bn2: BatchNorm2d(64, eps = 1e-3),
        relu2: ReLU,
    }

    /// The DS-CNN. Its first convolution, `Conv2D(64, (10, 4), strides=(2, 2),
    /// padding='same')`, gives ceil(49 / 2) × ceil(10 / 2) = 25×5: TensorFlow pads 24·2 + 10 - 49
    /// = 9 rows (4 above, 5 below) and 4·2 + 4 - 10 = 2 columns (1 and 1). Keras pools over
    /// `(int(49 / 2), int(10 / 2))` = 24×5 at stride 24×5: one window, the first 24 of the 25
    /// rows, the last left out, as `AvgPool2d((24, 5))` does too.
    #[input(1, 49, 10)]
    #[module = "DSCNN"]
    pub struct DsCnn {
        pad: ZeroPad2d((1, 1, 4, 5)),
        conv: Conv2d(1, 64, (10, 4), stride = 2),
        bn: BatchNorm2d(64, eps = 1e-3),
        relu: ReLU,
        dropout1: Dropout(0.2),
        block1: DsBlock,
        block2: DsBlock,
        block3: DsBlock,
        block4: DsBlock,
        dropout2: Dropout(0.4),
        avgpool: AvgPool2d((24, 5)),
        flatten: Flatten,
        fc: Linear(64, 12),
    }
}

// Visual wake words: `visual_wake_words/vww_model.py` (`mobilenet_v1()`): MobileNetV1 at width
// 0.25 (8 filters in the first convolution instead of 32) on 96×96 RGB images, 2 classes
// (person, no person); ReLU, not ReLU6. Every convolution has Keras' default bias. Each stride-2
// convolution is 'same' on an even size n with a 3×3 kernel: (n/2 - 1)·2 + 3 - n = 1 row and
// 1 column, both after: `ZeroPad2d((0, 1, 0, 1))`.
nncore::sequential! {
    /// Block 1 (the reference's "2nd layer"): 8 → 16 channels at 48×48.
    #[input(8, 48, 48)]
    #[module = "DepthwiseSeparable"]
    pub struct Block1 {
        depthwise: Conv2d(8, 8, 3, padding = 1, groups = 8),
        bn1: BatchNorm2d(8, eps = 1e-3),
        relu1: ReLU,
        pointwise: Conv2d(8, 16, 1),
        bn2: BatchNorm2d(16, eps = 1e-3),
        relu2: ReLU,
    }

    /// Block 2: 16 → 32 channels, 48×48 → 24×24.
    #[input(16, 48, 48)]
    #[module = "DepthwiseSeparable"]
    pub struct Block2 {
        pad: ZeroPad2d((0, 1, 0, 1)),
        depthwise: Conv2d(16, 16, 3, stride = 2, groups = 16),
        bn1: BatchNorm2d(16, eps = 1e-3),
        relu1: ReLU,
        pointwise: Conv2d(16, 32, 1),
        bn2: BatchNorm2d(32, eps = 1e-3),
        relu2: ReLU,
    }

    /// Block 3: 32 channels at 24×24.
    #[input(32, 24, 24)]
    #[module = "DepthwiseSeparable"]
    pub struct Block3 {
        depthwise: Conv2d(32, 32, 3, padding = 1, groups = 32),
        bn1: BatchNorm2d(32, eps = 1e-3),
        relu1: ReLU,
        pointwise: Conv2d(32, 32, 1),
        bn2: BatchNorm2d(32, eps = 1e-3),
        relu2: ReLU,
    }

    /// Block 4: 32 → 64 channels, 24×24 → 12×12.
    #[input(32, 24, 24)]
    #[module = "DepthwiseSeparable"]
    pub struct Block4 {
        pad: ZeroPad2d((0, 1, 0, 1)),
        depthwise: Conv2d(32, 32, 3, stride = 2, groups = 32),
        bn1: BatchNorm2d(32, eps = 1e-3),
        relu1: ReLU,
        pointwise: Conv2d(32, 64, 1),
        bn2: BatchNorm2d(64, eps = 1e-3),
        relu2: ReLU,
    }

    /// Block 5: 64 channels at 12×12.
    #[input(64, 12, 12)]
    #[module = "DepthwiseSeparable"]
    pub struct Block5 {
        depthwise: Conv2d(64, 64, 3, padding = 1, groups = 64),
        bn1: BatchNorm2d(64, eps = 1e-3),
        relu1: ReLU,
        pointwise: Conv2d(64, 64, 1),
        bn2: BatchNorm2d(64, eps = 1e-3),
        relu2: ReLU,
    }

    /// Block 6: 64 → 128 channels, 12×12 → 6×6.
    #[input(64, 12, 12)]
    #[module = "DepthwiseSeparable"]
    pub struct Block6 {
        pad: ZeroPad2d((0, 1, 0, 1)),
        depthwise: Conv2d(64, 64, 3, stride = 2, groups = 64),
        bn1: BatchNorm2d(64, eps = 1e-3),
        relu1: ReLU,
        pointwise: Conv2d(64, 128, 1),
        bn2: BatchNorm2d(128, eps = 1e-3),
        relu2: ReLU,
    }

    /// Blocks 7 to 11, five alike: 128 channels at 6×6.
    #[input(128, 6, 6)]
    #[module = "DepthwiseSeparable"]
    pub struct Block7 {
        depthwise: Conv2d(128, 128, 3, padding = 1, groups = 128),
        bn1: BatchNorm2d(128, eps = 1e-3),
        relu1: ReLU,
        pointwise: Conv2d(128, 128, 1),
        bn2: BatchNorm2d(128, eps = 1e-3),
        relu2: ReLU,
    }

    /// Block 12: 128 → 256 channels, 6×6 → 3×3.
    #[input(128, 6, 6)]
    #[module = "DepthwiseSeparable"]
    pub struct Block12 {
        pad: ZeroPad2d((0, 1, 0, 1)),
        depthwise: Conv2d(128, 128, 3, stride = 2, groups = 128),
        bn1: BatchNorm2d(128, eps = 1e-3),
        relu1: ReLU,
        pointwise: Conv2d(128, 256, 1),
        bn2: BatchNorm2d(256, eps = 1e-3),
        relu2: ReLU,
    }

    /// Block 13: 256 channels at 3×3.
    #[input(256, 3, 3)]
    #[module = "DepthwiseSeparable"]
    pub struct Block13 {
        depthwise: Conv2d(256, 256, 3, padding = 1, groups = 256),
        bn1: BatchNorm2d(256, eps = 1e-3),
        relu1: ReLU,
        pointwise: Conv2d(256, 256, 1),
        bn2: BatchNorm2d(256, eps = 1e-3),
        relu2: ReLU,
    }

    /// MobileNetV1 0.25×: a 3×3 stride-2 convolution (96×96 → 48×48), thirteen
    /// depthwise-separable blocks (→ 256×3×3), a 3×3 average pool (Keras pools over the whole
    /// map, `pool_size=x.shape[1:3]`), and `Dense(2)`.
    #[input(3, 96, 96)]
    #[module = "MobileNetV1"]
    pub struct MobileNetV1 {
        pad: ZeroPad2d((0, 1, 0, 1)),
        conv: Conv2d(3, 8, 3, stride = 2),
        bn: BatchNorm2d(8, eps = 1e-3),
        relu: ReLU,
        block1: Block1,
        block2: Block2,
        block3: Block3,
        block4: Block4,
        block5: Block5,
        block6: Block6,
        block7: Block7,
        block8: Block7,
        block9: Block7,
        block10: Block7,
        block11: Block7,
        block12: Block12,
        block13: Block13,
        avgpool: AvgPool2d(3),
        flatten: Flatten,
        fc: Linear(256, 2),
    }
}

// Image classification: `image_classification/keras_model.py`, `resnet_v1_eembc()` with 16
// filters in its first stack (32 and 64 in the next two; later revisions of the file take this
// count as the argument `conv_filters`), on 32×32 RGB images (CIFAR-10), 10 classes. Every
// convolution has Keras' default bias. A stack adds its input back: the first as it is, the next
// two through a 1×1 stride-2 convolution, without BatchNorm (torchvision's `downsample` has
// one), whose 'same' padding is none: (16 - 1)·2 + 1 - 32 < 0. The stride-2 3×3 convolutions
// pad (n/2 - 1)·2 + 3 - n = 1 row and 1 column, after: `ZeroPad2d((0, 1, 0, 1))`.
nncore::sequential! {
    /// The first stack: `relu(x + bn2(conv2(relu(bn1(conv1(x))))))`, 16 channels at 32×32.
    #[input(16, 32, 32)]
    #[module = "ResidualStack"]
    pub struct Stack1 {
        conv1: Conv2d(16, 16, 3, padding = 1),
        bn1: BatchNorm2d(16, eps = 1e-3),
        relu: ReLU,
        conv2: Conv2d(16, 16, 3, padding = 1),
        bn2: BatchNorm2d(16, eps = 1e-3),
    }
    fn forward(x) {
        let y = relu(bn1(conv1(x)));
        let y = bn2(conv2(y));
        relu(x + y)
    }

    /// The second stack: 16 → 32 channels, 32×32 → 16×16.
    #[input(16, 32, 32)]
    #[module = "ResidualStack"]
    pub struct Stack2 {
        pad: ZeroPad2d((0, 1, 0, 1)),
        conv1: Conv2d(16, 32, 3, stride = 2),
        bn1: BatchNorm2d(32, eps = 1e-3),
        relu: ReLU,
        conv2: Conv2d(32, 32, 3, padding = 1),
        bn2: BatchNorm2d(32, eps = 1e-3),
        shortcut: Conv2d(16, 32, 1, stride = 2),
    }
    fn forward(x) {
        let y = relu(bn1(conv1(pad(x))));
        let y = bn2(conv2(y));
        relu(shortcut(x) + y)
    }

    /// The third stack: 32 → 64 channels, 16×16 → 8×8.
    #[input(32, 16, 16)]
    #[module = "ResidualStack"]
    pub struct Stack3 {
        pad: ZeroPad2d((0, 1, 0, 1)),
        conv1: Conv2d(32, 64, 3, stride = 2),
        bn1: BatchNorm2d(64, eps = 1e-3),
        relu: ReLU,
        conv2: Conv2d(64, 64, 3, padding = 1),
        bn2: BatchNorm2d(64, eps = 1e-3),
        shortcut: Conv2d(32, 64, 1, stride = 2),
    }
    fn forward(x) {
        let y = relu(bn1(conv1(pad(x))));
        let y = bn2(conv2(y));
        relu(shortcut(x) + y)
    }

    /// ResNet-8: a 3×3 convolution, BatchNorm, ReLU, the three stacks, an 8×8 average pool
    /// (Keras: `pool_size = int(np.amin(x.shape[1:3]))`), and `Dense(10)`.
    #[input(3, 32, 32)]
    #[module = "ResNet8"]
    pub struct ResNet8 {
        conv1: Conv2d(3, 16, 3, padding = 1),
        bn1: BatchNorm2d(16, eps = 1e-3),
        relu: ReLU,
        stack1: Stack1,
        stack2: Stack2,
        stack3: Stack3,
        avgpool: AvgPool2d(8),
        flatten: Flatten,
        fc: Linear(64, 10),
    }
}

/// A 49×10 MFCC map, one channel.
type Mfcc = [[[f32; 10]; 49]; 1];
/// A 96×96 RGB image.
type Image96 = [[[f32; 96]; 96]; 3];
/// A 32×32 RGB image.
type Image32 = [[[f32; 32]; 32]; 3];

const STEPS: usize = 5;
const BATCH: usize = 8;

fn main() -> Result<(), Box<dyn Error>> {
    let start = Instant::now();
    let mut rng = StdRng::seed_from_u64(0);

    // Each model: its counts, checked against Keras' `model.summary()` (trainable, and the
    // total with the running statistics), then STEPS steps on one batch in training mode.
    let mut model = AutoEncoder::init_boxed(&mut rng);
    report(&*model, "anomaly detection autoencoder", 267_928, 269_992);
    // MSE and Adam, as the reference trains it (`baseline.yaml`); the targets are the inputs.
    let frames = frames(&mut rng);
    let losses = train(
        &mut *model,
        &MSELoss::new(),
        &mut Adam::new(AdamConfig::default())?,
        &frames,
        &frames,
    )?;
    check_losses(&losses);

    let mut model = DsCnn::init_boxed(&mut rng);
    report(&*model, "keyword spotting DS-CNN", 23_756, 24_908);
    // The classifiers: cross-entropy on logits (Keras: softmax, then the cross-entropy).
    let (xs, ys) = classes::<Mfcc>(12, &mut rng);
    let losses = train(
        &mut *model,
        &CrossEntropyLoss::new(),
        &mut Adam::new(AdamConfig {
            lr: 3e-3,
            ..AdamConfig::default()
        })?,
        &xs,
        &ys,
    )?;
    check_losses(&losses);

    let mut model = MobileNetV1::init_boxed(&mut rng);
    report(
        &*model,
        "visual wake words MobileNetV1 0.25×",
        216_322,
        221_794,
    );
    let (xs, ys) = classes::<Image96>(2, &mut rng);
    let losses = train(
        &mut *model,
        &CrossEntropyLoss::new(),
        &mut Adam::new(AdamConfig {
            lr: 3e-3,
            ..AdamConfig::default()
        })?,
        &xs,
        &ys,
    )?;
    check_losses(&losses);

    let mut model = ResNet8::init_boxed(&mut rng);
    report(&*model, "image classification ResNet-8", 78_186, 78_666);
    let (xs, ys) = classes::<Image32>(10, &mut rng);
    let losses = train(
        &mut *model,
        &CrossEntropyLoss::new(),
        &mut SGD::new(SGDConfig {
            lr: 0.05,
            momentum: 0.9,
            ..SGDConfig::default()
        })?,
        &xs,
        &ys,
    )?;
    check_losses(&losses);

    println!("all four in {:.2?}", start.elapsed());
    Ok(())
}

/// Prints the model's counts and checks them against Keras': `trainable` parameters, and
/// `keras_total` with BatchNorm's running means and variances.
fn report<M: Module>(model: &M, name: &str, trainable: usize, keras_total: usize) {
    let stats = running_stats(model);
    println!(
        "{name}: params {}, running stats {stats}, arena bytes {}, multiply-adds {}",
        M::NUM_PARAMS,
        M::ARENA_BYTES,
        M::MULTIPLY_ADDS
    );
    assert_eq!(M::NUM_PARAMS, trainable, "{name}: Keras' trainable params");
    assert_eq!(
        stats,
        keras_total - trainable,
        "{name}: Keras' non-trainable params"
    );
}

/// The running means and variances: every `float32` buffer. (`num_batches_tracked`, one per
/// BatchNorm, is an `int64` buffer that Keras does not have.)
fn running_stats<M: Module>(model: &M) -> usize {
    let f32_len = |data| match data {
        BufferData::F32(values) => values.len(),
        BufferData::I64(_) => 0,
    };
    model.buffers().map(|b| f32_len(b.data)).sum()
}

/// Trains `model` STEPS steps on one batch, in training mode (BatchNorm on the batch's
/// statistics, Dropout on): `zero_grad`, forward and backward, `step`. Returns the loss of every
/// step, as the training-mode forward computed it before the step.
fn train<M, X, Y, L>(
    model: &mut M,
    loss_fn: &L,
    optimizer: &mut impl Optimizer<M>,
    xs: &[X],
    targets: &[L::Target],
) -> Result<Vec<f32>, Box<dyn Error>>
where
    M: TrainModel<X, Y>,
    X: Tensor,
    Y: Tensor,
    L: Loss<Y>,
{
    let mut grads = Grads::<M>::boxed();
    let mut train = Train::new(StdRng::seed_from_u64(1));
    let mut losses = Vec::with_capacity(STEPS);
    for _ in 0..STEPS {
        grads.zero_grad();
        losses.push(train.backward_loss(model, loss_fn, xs, targets, &mut grads)?);
        optimizer.step(model, &grads);
    }
    Ok(losses)
}

/// Prints the losses, and checks that the last is below the first.
fn check_losses(losses: &[f32]) {
    let shown: Vec<String> = losses.iter().map(|l| format!("{l:.4}")).collect();
    println!("  losses: {}", shown.join(", "));
    let (first, last) = (losses[0], losses[losses.len() - 1]);
    assert!(
        last < first,
        "the loss did not go down: {}",
        shown.join(", ")
    );
}

/// BATCH autoencoder inputs: smooth spectra, each a mix of three fixed shapes (peaks
/// at a few mel bands, repeated over the 5 frames) with random weights, plus a little noise.
fn frames(rng: &mut StdRng) -> Vec<[f32; 640]> {
    let shapes: Vec<[f32; 128]> = (0..3)
        .map(|_| {
            let (center, width) = (rng.random_range(10.0..118.0), rng.random_range(3.0..12.0));
            std::array::from_fn(|mel| {
                let d = (mel as f32 - center) / width;
                (-d * d).exp()
            })
        })
        .collect();
    (0..BATCH)
        .map(|_| {
            let weights: [f32; 3] = std::array::from_fn(|_| rng.random_range(0.0..2.0));
            std::array::from_fn(|i| {
                let mel = i % 128;
                let value: f32 = weights.iter().zip(&shapes).map(|(w, s)| w * s[mel]).sum();
                value + 0.1 * noise(rng)
            })
        })
        .collect()
}

/// BATCH images (`[channels, height, width]`) of `classes` classes, and their labels.
/// Each class is a stripe pattern of its own, `sin(2π (a·row / height + b·column / width) +
/// phase)` with the class's frequencies `a`, `b` and each sample's own phase, a channel's phase
/// shifted by 1 from the one before, plus noise of the same size.
fn classes<X: Tensor>(classes: usize, rng: &mut StdRng) -> (Vec<X>, Vec<usize>) {
    let &[_, height, width] = X::SHAPE.dims() else {
        unreachable!("the classifiers take images");
    };
    let labels: Vec<usize> = (0..BATCH).map(|i| i % classes).collect();
    let samples = labels
        .iter()
        .map(|&label| {
            let (a, b) = ((label % 4 + 1) as f32, (label / 4) as f32);
            let phase = rng.random_range(0.0..std::f32::consts::TAU);
            let mut x = X::ZERO;
            for (i, value) in x.flat_mut().iter_mut().enumerate() {
                let (channel, row, column) = (i / (height * width), i / width % height, i % width);
                let angle = std::f32::consts::TAU
                    * (a * row as f32 / height as f32 + b * column as f32 / width as f32);
                *value = (angle + phase + channel as f32).sin() + noise(rng);
            }
            x
        })
        .collect();
    (samples, labels)
}

/// Uniform in ±1.
fn noise(rng: &mut StdRng) -> f32 {
    rng.random_range(-1.0..1.0)
}
