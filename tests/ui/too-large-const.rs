// Sizes given as constants far over the limits: the `const` assertions report them at once,
// without the compiler first building arrays of 2^60 values.

const HUGE: usize = 1 << 30;

nncore::sequential! {
    pub struct Net(Linear(1, HUGE), ReLU, Linear(HUGE, HUGE), Linear(HUGE, 1));
}

fn main() {
    let _ = Net::ZERO;
}
