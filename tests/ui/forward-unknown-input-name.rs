// The first layer applied to an unknown name rather than the input: the mistake is the name,
// and the error says so, on it. (The input's shape is fixed by `fc` once it is applied to `x`.)

nncore::sequential! {
    pub struct Block {
        fc: Linear(4, 4),
        act: Tanh,
    }
    fn forward(x) { x + act(fc(y)) }
}

fn main() {}
