// A `Linear` after a `Flatten` that takes a different number of features than the `Flatten`
// gives: the error names the product (8×8×8 = 512) and shows the shapes from the input.

nncore::sequential! {
    #[input(3, 32, 32)]
    pub struct Net {
        conv1: Conv2d(3, 16, kernel_size = 3, padding = 1),
        act1: Tanh,
        pool1: MaxPool2d(2),
        conv2: Conv2d(16, 8, kernel_size = 3, padding = 1),
        act2: Tanh,
        pool2: MaxPool2d(2),
        flat: Flatten,
        fc1: Linear(500, 32),
        act3: Tanh,
        fc2: Linear(32, 2),
    }
}

fn main() {}
