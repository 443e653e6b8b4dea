// `forward` reads a name no `let` bound (`hidden` for `out`): one error on it, listing the
// values there are. The layer it is given to is applied all the same, and the value it was
// meant to be is used: neither is a mistake of its own.

nncore::sequential! {
    pub struct Block {
        fc1: Linear(4, 8),
        act: ReLU,
        fc2: Linear(8, 4),
    }
    fn forward(x) {
        let out = act(fc1(x));
        x + fc2(hidden)
    }
}

fn main() {}
