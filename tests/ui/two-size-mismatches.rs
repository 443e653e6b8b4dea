// Two size mismatches in one model: both are reported by the same compile.

nncore::sequential! {
    pub struct Net(Linear(4, 8), ReLU, Linear(6, 8), Tanh, Linear(16, 1));
}

fn main() {}
