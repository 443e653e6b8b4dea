// A struct with named fields and a layer without a name.

nncore::sequential! {
    pub struct Net {
        hidden: Linear(1, 13),
        Tanh,
        output: Linear(13, 1),
    }
}

fn main() {}
