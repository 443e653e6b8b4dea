// A residual add of two values of different shapes: one error on the `+`, naming what gives
// each side and both shapes.

nncore::sequential! {
    pub struct Block {
        fc1: Linear(4, 8),
        act: ReLU,
        fc2: Linear(8, 3),
    }
    fn forward(x) { x + fc2(act(fc1(x))) }
}

fn main() {}
