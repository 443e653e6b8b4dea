// `#[module = 3]`: the class name PyTorch prints is a string. One error on the value.

nncore::sequential! {
    #[module = 3]
    pub struct Block {
        fc: Linear(4, 4),
        act: Tanh,
    }
    fn forward(x) { x + act(fc(x)) }
}

fn main() {}
