// MLPerf Tiny's keyword-spotting DS-CNN: read by the firmware and by `build.rs`, which writes
// its int8 constants.

nncore::sequential! {
    /// 49 frames of 10 MFCC features in, 12 keyword classes out: a convolution, four
    /// depthwise-separable blocks, global average pooling.
    #[input(1, 49, 10)]
    pub struct Kws {
        pad: ZeroPad2d((1, 1, 4, 5)),
        conv1: Conv2d(1, 64, kernel_size = (10, 4), stride = 2), bn1: BatchNorm2d(64), relu1: ReLU,
        dw1: Conv2d(64, 64, 3, padding = 1, groups = 64), bn2: BatchNorm2d(64), relu2: ReLU,
        pw1: Conv2d(64, 64, 1), bn3: BatchNorm2d(64), relu3: ReLU,
        dw2: Conv2d(64, 64, 3, padding = 1, groups = 64), bn4: BatchNorm2d(64), relu4: ReLU,
        pw2: Conv2d(64, 64, 1), bn5: BatchNorm2d(64), relu5: ReLU,
        dw3: Conv2d(64, 64, 3, padding = 1, groups = 64), bn6: BatchNorm2d(64), relu6: ReLU,
        pw3: Conv2d(64, 64, 1), bn7: BatchNorm2d(64), relu7: ReLU,
        dw4: Conv2d(64, 64, 3, padding = 1, groups = 64), bn8: BatchNorm2d(64), relu8: ReLU,
        pw4: Conv2d(64, 64, 1), bn9: BatchNorm2d(64), relu9: ReLU,
        pool: AvgPool2d(kernel_size = (25, 5)),
        flat: Flatten,
        fc: Linear(64, 12),
    }
}
