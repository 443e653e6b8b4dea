// The width limit with sizes given as constants: a `const` assertion names the limit.

const HIDDEN: usize = 1_100_000;

nncore::sequential! {
    pub struct Net(Linear(1, HIDDEN), ReLU, Linear(HIDDEN, 1));
}

fn main() {}
