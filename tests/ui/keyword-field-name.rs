// A field named with a Rust keyword: `r#type` is suggested where Rust allows it, never
// `r#self` or `r#_`.

nncore::sequential! {
    pub struct Net {
        type: Linear(1, 13),
        fn: Tanh,
        self: Linear(13, 13),
        _: ReLU,
        output: Linear(13, 1),
    }
}

fn main() {}
