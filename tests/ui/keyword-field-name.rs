// A field named with a Rust keyword.

nncore::sequential! {
    pub struct Net {
        type: Linear(1, 13),
        fn: Tanh,
        output: Linear(13, 1),
    }
}

fn main() {}
