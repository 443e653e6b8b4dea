// Two layers with the same field name.

nncore::sequential! {
    pub struct Net {
        linear: Linear(1, 13),
        activation: Tanh,
        linear: Linear(13, 1),
    }
}

fn main() {}
