// Sizes given by constants: a mismatch is still one compile error naming both layers.

const INPUT: usize = 1;
const HIDDEN: usize = 13;
const OUTPUT_IN: usize = 12;

nncore::sequential! {
    pub struct Net {
        hidden: Linear(INPUT, HIDDEN),
        activation: Tanh,
        output: Linear(OUTPUT_IN, 1),
    }
}

fn main() {
    let _ = Net::ZERO.forward(&[1.0]);
}
