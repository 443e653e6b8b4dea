// A convolution whose kernel, dilated, spans more values than its input has with its padding:
// it would give no output.

nncore::sequential! {
    #[input(1, 8, 8)]
    pub struct Net(
        Conv2d(1, 4, 3),
        ReLU,
        MaxPool2d(2),
        Conv2d(4, 8, kernel_size = 3, padding = 1, dilation = 3),
        Flatten,
        Linear(8, 1),
    );
}

fn main() {}
