// A `Linear` straight after a convolution, which gives an image: it needs a `Flatten` first.

nncore::sequential! {
    #[input(1, 8, 8)]
    pub struct Net(Conv2d(1, 4, 3), ReLU, Linear(144, 10));
}

fn main() {}
