// Unknown layer names: near misses get a suggestion, and the message lists the layers.

nncore::sequential! {
    pub struct Net(Dense(1, 13), tanh, Linear(13, 13), Relu, Conv2d(13, 1));
}

fn main() {}
