// Layers written with their full path, with `()` on a layer without arguments, and keyword
// arguments.

use nncore::prelude::*;

nncore::sequential! {
    pub struct Net(
        nncore::Linear(2, 3),
        ::nncore::Tanh(),
        nncore::LeakyReLU(negative_slope = 0.2),
        Linear(3, 1, bias = true),
        Sigmoid,
    );
}

fn main() {
    let names: Vec<String> = Net::ZERO.parameters().map(|p| p.name.to_string()).collect();
    assert_eq!(names, ["0.weight", "0.bias", "3.weight", "3.bias"]);
    assert_eq!(Net::ZERO.forward(&[1.0, 2.0]), [0.5]);
}
