// A model of a million parameters compiles in about a second (the limit is 2^24).

use nncore::Module;

nncore::sequential! {
    pub struct Net(Linear(784, 1000), ReLU, Linear(1000, 240));
}

fn main() {
    assert_eq!(Net::NUM_PARAMS, 784 * 1000 + 1000 + 1000 * 240 + 240);
    assert!(Net::NUM_PARAMS <= 1 << 24);
}
