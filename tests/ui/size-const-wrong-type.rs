// A size given by a constant that is not a `usize`: one error naming both types, however often
// the constant is used; the model's other uses report nothing more.

const HIDDEN: u32 = 13;

nncore::sequential! {
    pub struct Net(Linear(1, HIDDEN), Tanh, Linear(HIDDEN, 1));
}

fn main() {
    let _ = Net::ZERO;
}
