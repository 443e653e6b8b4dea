// A `#[cfg]` on a layer: it would change the shapes around it. The code using the model
// reports nothing more.

nncore::sequential! {
    pub struct Net {
        hidden: Linear(1, 13),
        #[cfg(feature = "tanh")]
        activation: Tanh,
        output: Linear(13, 1),
    }
}

fn main() {
    let _ = Net::ZERO.activation;
}
