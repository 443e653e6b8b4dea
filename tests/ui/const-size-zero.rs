// A size given by a constant that is zero.

const HIDDEN: usize = 0;

nncore::sequential! {
    pub struct Net(Linear(1, HIDDEN), Tanh, Linear(HIDDEN, 1));
}

fn main() {}
