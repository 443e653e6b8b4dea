// A layer declared among the fields that `forward` never applies: one error on its name.

nncore::sequential! {
    pub struct Block {
        fc1: Linear(4, 8),
        act: ReLU,
        fc2: Linear(8, 4),
        norm: BatchNorm1d(4),
    }
    fn forward(x) { x + fc2(act(fc1(x))) }
}

fn main() {}
