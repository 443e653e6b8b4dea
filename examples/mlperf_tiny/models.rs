//! The four reference models, declared layer for layer as their Keras source builds them, in
//! PyTorch's spelling (see `main.rs` for how the two spellings map).

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
