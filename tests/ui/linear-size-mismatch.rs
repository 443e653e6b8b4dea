// A `Linear` whose in-features differ from the out-features of the `Linear` before it, across an
// activation: one error on the later layer's in-features, naming both layers and both numbers.

nncore::sequential! {
    pub struct Net {
        hidden: Linear(1, 13),
        activation: Tanh,
        output: Linear(12, 1),
    }
}

fn main() {}
