// Sizes written as any constant expression Rust takes as an array length: a module path,
// braces, parentheses, arithmetic, a `const fn` call, a `usize` suffix; in dense and
// convolutional models. None of them may warn.

#![deny(warnings)]

use nncore::prelude::*;

mod sizes {
    pub const HIDDEN: usize = 8;
    pub const fn double(n: usize) -> usize {
        2 * n
    }
}

const N: usize = 3;
const H: usize = 4;

nncore::sequential! {
    pub struct Dense(
        Linear(1, sizes::HIDDEN),
        Tanh,
        Linear(sizes::HIDDEN, { H }),
        Linear({ H }, N + 1),
        Linear(N + 1, 2 * 3),
        Linear(6, sizes::double(N)),
        Linear(sizes::double(N), (5)),
        Linear(5usize, 1),
    );
}

const SIDE: usize = 8;

nncore::sequential! {
    #[input(N, SIDE, SIDE + 2)]
    pub struct Conv(
        Conv2d(N, sizes::HIDDEN, kernel_size = 3),
        MaxPool2d(2),
        Flatten,
        Linear(sizes::HIDDEN * ((SIDE - 2) / 2) * (SIDE / 2), 1),
    );
}

fn main() {
    assert_eq!(Dense::ZERO.forward(&[1.0]), [0.0]);
    assert_eq!(
        Dense::NUM_PARAMS,
        (8 + 8) + (8 * 4 + 4) + (4 * 4 + 4) + (4 * 6 + 6) + (6 * 6 + 6) + (6 * 5 + 5) + (5 + 1)
    );
    let y: [f32; 1] = Conv::ZERO.forward(&[[[0.0; SIDE + 2]; SIDE]; N]);
    assert_eq!(y, [0.0]);
}
