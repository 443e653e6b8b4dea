// A model with a mistake, used through the `Layer` trait every model implements: the code
// reports nothing more, as it does for the model's own methods and `Model`.

use nncore::prelude::*;

nncore::sequential! {
    pub struct Block {
        fc: Linear(4, 4),
        act: tanh,
    }
    fn forward(x) { x + act(fc(x)) }
}

fn main() {
    let block = Block::ZERO;
    let y: [f32; 4] = Layer::forward(&block, &[0.0; 4]);
    println!("{y:?}");
}
