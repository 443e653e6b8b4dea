// Sizes given by constants and constant expressions, mixed with literals.

use nncore::prelude::*;

const INPUT: usize = 2;
const HIDDEN: usize = 2 * 4;

nncore::sequential! {
    pub struct Net {
        hidden: Linear(INPUT, HIDDEN),
        activation: ReLU,
        middle: Linear(8, HIDDEN + 1),
        output: Linear(HIDDEN + 1, 1),
    }
}

fn main() {
    assert_eq!(Net::NUM_PARAMS, 2 * 8 + 8 + 8 * 9 + 9 + 9 + 1);
    assert_eq!(Net::ZERO.forward(&[1.0; INPUT]), [0.0]);
}
