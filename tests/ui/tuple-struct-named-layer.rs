// A tuple struct with a named layer.

nncore::sequential! {
    pub struct Net(Linear(1, 13), activation: Tanh, Linear(13, 1));
}

fn main() {}
