// After mistakes in the first and last layers, nothing tells the model's widths; code that calls
// it still reports nothing more.

use nncore::prelude::*;

nncore::sequential! {
    pub struct Net(Linear(0, 4), Tanh, Lienar(4, 1));
}

fn main() {
    let model = Net::ZERO;
    let y: [f32; 1] = model.forward(&[1.0, 2.0]);
    let names: Vec<_> = model.parameters().map(|p| p.name).collect();
    println!("{model} {y:?} {names:?} {:?}", model.0);
}
