// A visibility on a layer: layers take the model's visibility.

nncore::sequential! {
    pub struct Net {
        pub hidden: Linear(1, 13),
        activation: Tanh,
        output: Linear(13, 1),
    }
}

fn main() {
    let _ = Net::ZERO.hidden.weight;
}
