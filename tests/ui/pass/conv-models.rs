// Convolutional models that must compile and run: the book's net, a 1-D net with grouped and
// dilated convolutions, `padding = "same"`, average and global pooling, `BatchNorm1d` on
// sequences and features, `Dropout` and `LogSoftmax`.

nncore::sequential! {
    #[input(3, 32, 32)]
    pub struct Book {
        conv1: Conv2d(3, 16, kernel_size = 3, padding = 1),
        act1: Tanh,
        pool1: MaxPool2d(2),
        conv2: Conv2d(16, 8, kernel_size = 3, padding = 1),
        act2: Tanh,
        pool2: MaxPool2d(2),
        flat: Flatten,
        fc1: Linear(512, 32),
        act3: Tanh,
        fc2: Linear(32, 2),
    }
}

nncore::sequential! {
    #[input(4, 20)]
    pub struct Sensor(
        Conv1d(4, 8, 3, groups = 4, dilation = 2),
        BatchNorm1d(8),
        ReLU,
        Conv1d(8, 8, 3, padding = "same"),
        AvgPool1d(2, stride = 2),
        AdaptiveAvgPool1d(1),
        Flatten,
        BatchNorm1d(8),
        Dropout(0.25),
        Linear(8, 3),
        LogSoftmax(dim = 1),
    );
}

nncore::sequential! {
    #[input(1, 9, 7)]
    pub struct Odd(
        Conv2d(1, 2, kernel_size = (3, 2), stride = (2, 1), padding = (1, 0)),
        BatchNorm2d(2),
        MaxPool2d((2, 3), stride = 1),
        AdaptiveAvgPool2d((2, 2)),
        Flatten,
        Linear(8, 1),
    );
}

fn main() {
    assert_eq!(Book::ZERO.forward(&[[[0.0; 32]; 32]; 3]), [0.0, 0.0]);
    let y: [f32; 3] = Sensor::ZERO.forward(&[[1.0; 20]; 4]);
    assert!(y.iter().all(|v| v.is_finite()));
    // Conv2d: (9 + 2 - 3) / 2 + 1 = 5 by (7 - 2) / 1 + 1 = 6; the pool leaves 4 by 4.
    let y: [f32; 1] = Odd::ZERO.forward(&[[[0.5; 7]; 9]]);
    assert_eq!(y, [0.0]);
    assert!(Book::ZERO.to_string().contains("(flat): Flatten(start_dim=1, end_dim=-1)"));
}
