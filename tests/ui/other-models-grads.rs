// Stepping an optimizer with the gradients of another model.

use nncore::prelude::*;
use nncore::{Grads, SGD, SGDConfig};

nncore::sequential! {
    pub struct Net(Linear(1, 13), Tanh, Linear(13, 1));
}
nncore::sequential! {
    pub struct Other(Linear(1, 1));
}

fn main() {
    let mut model = Net::ZERO;
    let grads = Grads::<Other>::new();
    let mut opt = SGD::<Net>::new(SGDConfig::default()).unwrap();
    opt.step(&mut model, &grads);
}
