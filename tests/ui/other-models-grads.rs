// Stepping an optimizer with the gradients of another model.

use nncore::prelude::*;
use nncore::{Grads, Sgd, SgdConfig};

nncore::sequential! {
    pub struct Net(Linear(1, 13), Tanh, Linear(13, 1));
}
nncore::sequential! {
    pub struct Other(Linear(1, 1));
}

fn main() {
    let mut model = Net::ZERO;
    let grads = Grads::<Other>::new();
    let mut opt = Sgd::<Net>::new(SgdConfig::default()).unwrap();
    opt.step(&mut model, &grads);
}
