//! The models of `tests/golden3/`, declared from each case's PyTorch source as a user would:
//! every `nn.Module` class a model, its `__init__` the layers in order, its `forward` written
//! out where it is not the layers one after another.

nncore::sequential! {
    /// `ResidualBlock(24, 32)`: `x + fc2(act(fc1(x)))`.
    pub struct ResidualBlock {
        fc1: Linear(24, 32),
        act: ReLU,
        fc2: Linear(32, 24),
    }
    fn forward(x) { x + fc2(act(fc1(x))) }

    /// `nn.Sequential(ResidualBlock(24, 32), ResidualBlock(24, 32))`.
    pub struct Blocks(ResidualBlock, ResidualBlock);

    /// `mlp_residual`.
    #[module]
    pub struct ResidualMLP {
        stem: Linear(16, 24),
        act: ReLU,
        blocks: Blocks,
        head: Linear(24, 10),
        log_softmax: LogSoftmax(dim = 1),
    }
}

nncore::sequential! {
    /// torchvision's `BasicBlock(8, 8)`: the identity shortcut.
    #[input(8, 16, 16)]
    #[module = "BasicBlock"]
    pub struct Block1 {
        conv1: Conv2d(8, 8, 3, padding = 1, bias = false),
        bn1: BatchNorm2d(8),
        relu: ReLU(inplace = true),
        conv2: Conv2d(8, 8, 3, padding = 1, bias = false),
        bn2: BatchNorm2d(8),
    }
    fn forward(x) {
        let identity = x;
        let out = relu(bn1(conv1(x)));
        let out = bn2(conv2(out));
        relu(out + identity)
    }

    /// The shortcut of `BasicBlock(8, 16, stride=2)`: a 1×1 convolution at stride 2.
    #[input(8, 16, 16)]
    pub struct Downsample(Conv2d(8, 16, 1, stride = 2, bias = false), BatchNorm2d(16));

    /// torchvision's `BasicBlock(8, 16, stride=2, downsample=...)`.
    #[input(8, 16, 16)]
    #[module = "BasicBlock"]
    pub struct Block2 {
        conv1: Conv2d(8, 16, 3, stride = 2, padding = 1, bias = false),
        bn1: BatchNorm2d(16),
        relu: ReLU(inplace = true),
        conv2: Conv2d(16, 16, 3, padding = 1, bias = false),
        bn2: BatchNorm2d(16),
        downsample: Downsample,
    }
    fn forward(x) {
        let out = relu(bn1(conv1(x)));
        let out = bn2(conv2(out));
        relu(out + downsample(x))
    }

    pub struct Layer1(Block1);
    pub struct Layer2(Block2);

    /// `resnet_mini`.
    #[input(3, 16, 16)]
    #[module]
    pub struct ResNetMini {
        conv1: Conv2d(3, 8, 3, padding = 1, bias = false),
        bn1: BatchNorm2d(8),
        relu: ReLU(inplace = true),
        layer1: Layer1,
        layer2: Layer2,
        avgpool: AdaptiveAvgPool2d(1),
        flatten: Flatten,
        fc: Linear(16, 10),
    }
}

nncore::sequential! {
    /// `DSBlock(16, stride=1)`: depthwise 3×3, BatchNorm, ReLU6, pointwise, BatchNorm, ReLU6.
    #[input(16, 13, 5)]
    #[module = "DSBlock"]
    pub struct DsBlock1 {
        dw: Conv2d(16, 16, 3, stride = 1, padding = 1, groups = 16, bias = false),
        bn1: BatchNorm2d(16, eps = 1e-3),
        act1: ReLU6,
        pw: Conv2d(16, 16, 1, bias = false),
        bn2: BatchNorm2d(16, eps = 1e-3),
        act2: ReLU6,
    }

    /// `DSBlock(16, stride=2)`.
    #[input(16, 13, 5)]
    #[module = "DSBlock"]
    pub struct DsBlock2 {
        dw: Conv2d(16, 16, 3, stride = 2, padding = 1, groups = 16, bias = false),
        bn1: BatchNorm2d(16, eps = 1e-3),
        act1: ReLU6,
        pw: Conv2d(16, 16, 1, bias = false),
        bn2: BatchNorm2d(16, eps = 1e-3),
        act2: ReLU6,
    }

    /// `kws_dscnn_zeropad`: Keras' "same" padding on the strided stem as `ZeroPad2d`.
    #[input(1, 25, 10)]
    #[module = "DSCNN"]
    pub struct Dscnn {
        pad: ZeroPad2d((1, 1, 4, 5)),
        conv: Conv2d(1, 16, (10, 4), stride = 2, bias = false),
        bn: BatchNorm2d(16, eps = 1e-3),
        act: ReLU6,
        block1: DsBlock1,
        block2: DsBlock2,
        pool: AvgPool2d((7, 3)),
        flatten: Flatten,
        fc: Linear(16, 12),
    }
}

nncore::sequential! {
    /// The stem: `nn.Sequential(Conv2d, BatchNorm2d, Hardswish)`.
    #[input(3, 12, 12)]
    pub struct Stem(Conv2d(3, 8, 3, stride = 2, padding = 1, bias = false), BatchNorm2d(8), Hardswish);

    /// The first inverted residual's layers (8 → 16 → 12, stride 2).
    #[input(8, 6, 6)]
    pub struct Expand1(
        Conv2d(8, 16, 1, bias = false),
        BatchNorm2d(16),
        Hardswish,
        Conv2d(16, 16, 3, stride = 2, padding = 1, groups = 16, bias = false),
        BatchNorm2d(16),
        ReLU6(inplace = true),
        Conv2d(16, 12, 1, bias = false),
        BatchNorm2d(12),
    );

    /// The second one's (12 → 24 → 12, stride 1).
    #[input(12, 3, 3)]
    pub struct Expand2(
        Conv2d(12, 24, 1, bias = false),
        BatchNorm2d(24),
        Hardswish,
        Conv2d(24, 24, 3, padding = 1, groups = 24, bias = false),
        BatchNorm2d(24),
        ReLU6(inplace = true),
        Conv2d(24, 12, 1, bias = false),
        BatchNorm2d(12),
    );

    /// `InvertedResidual(8, 12, stride=2)`: no residual connection.
    #[module = "InvertedResidual"]
    pub struct InvertedResidual1 {
        block: Expand1,
    }

    /// `InvertedResidual(12, 12, stride=1)`: `x + block(x)`.
    #[module = "InvertedResidual"]
    pub struct InvertedResidual2 {
        block: Expand2,
    }
    fn forward(x) { x + block(x) }

    pub struct Features(Stem, InvertedResidual1, InvertedResidual2);

    /// `mobilenet_hswish`.
    #[module]
    pub struct TinyMobileNetV3 {
        features: Features,
        avgpool: AdaptiveAvgPool2d(1),
        flatten: Flatten,
        classifier: Linear(12, 5),
    }
}
