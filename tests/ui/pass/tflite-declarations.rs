// The declarations `nncore::quant::tflite::sequential_declaration` prints for three of the
// golden `.tflite` files compile (`tests/tflite_import.rs` checks it prints exactly these).

nncore::sequential! {
    #[input(1, 8, 8)]
    pub struct ResidualNet {
        conv1: Conv2d(1, 8, 3, padding = 1),
        relu1: ReLU,
        conv2: Conv2d(8, 8, 3, padding = 1),
        relu2: ReLU,
        conv3: Conv2d(8, 8, 3, padding = 1, groups = 8),
        relu6_1: ReLU6,
        pool1: AvgPool2d(2),
        flatten1: Flatten,
        fc1: Linear(128, 10),
        softmax1: Softmax(dim = 1),
    }
    fn forward(x) {
        let t10 = relu1(conv1(x));
        let t11 = conv2(t10);
        let t12 = relu2(t10 + t11);
        let t13 = relu6_1(conv3(t12));
        let t14 = t12 + t13;
        let t15 = pool1(t14);
        let t16 = flatten1(t15);
        let t17 = fc1(t16);
        softmax1(t17)
    }
}

nncore::sequential! {
    // operator 3: TensorFlow Lite's pooling leaves the padding out, PyTorch's counts it as zeros
    // operator 4: TensorFlow Lite's pooling leaves the padding out, PyTorch's counts it as zeros
    #[input(1, 8, 8)]
    pub struct OptionsNet {
        pad1: ZeroPad2d((0, 1, 0, 1)),
        conv1: Conv2d(1, 6, 3, stride = 2),
        relu1: ReLU,
        conv2: Conv2d(6, 12, 3, padding = 2, dilation = 2, groups = 6),
        relu6_1: ReLU6,
        conv3: Conv2d(12, 8, 2, padding = 1, dilation = 2),
        relu6_2: ReLU6,
        pad2: ZeroPad2d((0, 1, 0, 1)),
        pool1: MaxPool2d(2, stride = 1),
        pad3: ZeroPad2d((0, 1, 0, 1)),
        pool2: AvgPool2d(3, stride = 2),
        flatten1: Flatten,
        fc1: Linear(32, 10),
    }
}

nncore::sequential! {
    #[input(3, 32, 32)]
    pub struct ResNet8 {
        conv1: Conv2d(3, 16, 3, padding = 1),
        relu1: ReLU,
        conv2: Conv2d(16, 16, 3, padding = 1),
        relu2: ReLU,
        conv3: Conv2d(16, 16, 3, padding = 1),
        relu3: ReLU,
        pad1: ZeroPad2d((0, 1, 0, 1)),
        conv4: Conv2d(16, 32, 3, stride = 2),
        relu4: ReLU,
        conv5: Conv2d(32, 32, 3, padding = 1),
        conv6: Conv2d(16, 32, 1, stride = 2),
        relu5: ReLU,
        pad2: ZeroPad2d((0, 1, 0, 1)),
        conv7: Conv2d(32, 64, 3, stride = 2),
        relu6: ReLU,
        conv8: Conv2d(64, 64, 3, padding = 1),
        conv9: Conv2d(32, 64, 1, stride = 2),
        relu7: ReLU,
        pool1: AvgPool2d(8),
        flatten1: Flatten,
        fc1: Linear(64, 10, bias = false),
        softmax1: Softmax(dim = 1),
    }
    fn forward(x) {
        let t20 = relu1(conv1(x));
        let t21 = relu2(conv2(t20));
        let t22 = conv3(t21);
        let t23 = relu3(t20 + t22);
        let t24 = relu4(conv4(pad1(t23)));
        let t25 = conv5(t24);
        let t26 = conv6(t23);
        let t27 = relu5(t26 + t25);
        let t28 = relu6(conv7(pad2(t27)));
        let t29 = conv8(t28);
        let t30 = conv9(t27);
        let t31 = relu7(t30 + t29);
        let t32 = pool1(t31);
        let t33 = fc1(flatten1(t32));
        softmax1(t33)
    }
}

nncore::sequential! {
    #[input(1, 49, 10)]
    pub struct DsCnn {
        pad1: ZeroPad2d((1, 1, 4, 5)),
        conv1: Conv2d(1, 64, (10, 4), stride = 2),
        relu1: ReLU,
        conv2: Conv2d(64, 64, 3, padding = 1, groups = 64),
        relu2: ReLU,
        conv3: Conv2d(64, 64, 1),
        relu3: ReLU,
        conv4: Conv2d(64, 64, 3, padding = 1, groups = 64),
        relu4: ReLU,
        conv5: Conv2d(64, 64, 1),
        relu5: ReLU,
        conv6: Conv2d(64, 64, 3, padding = 1, groups = 64),
        relu6: ReLU,
        conv7: Conv2d(64, 64, 1),
        relu7: ReLU,
        conv8: Conv2d(64, 64, 3, padding = 1, groups = 64),
        relu8: ReLU,
        conv9: Conv2d(64, 64, 1),
        relu9: ReLU,
        pool1: AvgPool2d((25, 5)),
        flatten1: Flatten,
        fc1: Linear(64, 12, bias = false),
        softmax1: Softmax(dim = 1),
    }
}

fn main() {
    let _ = (ResidualNet::ZERO, OptionsNet::ZERO, ResNet8::ZERO, DsCnn::ZERO);
}
