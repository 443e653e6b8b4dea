// A value bound by `let` and never used: one error on its name.

nncore::sequential! {
    pub struct Block {
        fc1: Linear(4, 8),
        act: ReLU,
        fc2: Linear(8, 4),
    }
    fn forward(x) {
        let hidden = act(fc1(x));
        let skipped = fc2(hidden);
        x + fc2(hidden)
    }
}

fn main() {}
