// A `Linear` with one size, and one with none.

nncore::sequential! {
    pub struct Net(Linear(13), Tanh, Linear);
}

fn main() {}
