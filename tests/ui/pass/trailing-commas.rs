// Trailing commas after the layers and after the arguments, and none at all.

use nncore::prelude::*;

nncore::sequential! {
    pub struct Named { a: Linear(1, 2,), b: Tanh, c: Linear(2, 1, bias = false,), }
}
nncore::sequential! { pub struct Tuple(Linear(1, 2), ReLU, Linear(2, 1),); }
nncore::sequential! { pub struct Bare(Linear(1, 1)); }

fn main() {
    assert_eq!(Named::ZERO.forward(&[1.0]), [0.0]);
    assert_eq!(Tuple::ZERO.forward(&[1.0]), [0.0]);
    assert_eq!(Bare::NUM_PARAMS, 2);
}
