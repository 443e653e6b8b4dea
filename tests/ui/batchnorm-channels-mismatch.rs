// A `BatchNorm2d` whose `num_features` is not the channel count of the convolution before it.

nncore::sequential! {
    #[input(3, 32, 32)]
    pub struct Net(Conv2d(3, 8, 3), BatchNorm2d(16), ReLU, Flatten, Linear(7200, 10));
}

fn main() {}
