// A model passed where a trait bound asks for another width: the message names both widths.

use nncore::Model;

nncore::sequential! {
    pub struct Net(Linear(1, 13), Tanh, Linear(13, 1));
}

fn fit<M: Model<[f32; 2], [f32; 1]>>(_model: &mut M) {}

fn main() {
    fit(&mut Net::ZERO);
}
