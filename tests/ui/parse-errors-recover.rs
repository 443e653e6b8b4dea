// Layers that do not parse: each is reported, with the model's other mistakes, in one compile.

nncore::sequential! {
    pub struct Net {
        hidden: Linear(1 13),
        activation: Tanh,
        output: Linear(12, 1) + 1,
        extra:,
    }
}

fn main() {
    let _ = (Net::ZERO.hidden, Net::ZERO.activation);
}
