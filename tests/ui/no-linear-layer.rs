// A model without a `Linear`, so nothing gives its input size.

nncore::sequential! {
    pub struct Net(Tanh, ReLU);
}

fn main() {}
