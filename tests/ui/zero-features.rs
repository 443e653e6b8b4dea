// A layer with zero in-features or out-features.

nncore::sequential! {
    pub struct Net(Linear(0, 4), Tanh, Linear(4, 0));
}

fn main() {}
