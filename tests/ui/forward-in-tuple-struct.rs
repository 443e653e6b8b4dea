// A `forward` after a tuple struct, whose layers have no names to apply: one error on
// `forward`, saying to name the layers.

nncore::sequential! {
    pub struct Block(Linear(4, 8), ReLU, Linear(8, 4));
    fn forward(x) { x + fc2(act(fc1(x))) }
}

fn main() {}
