// A nested model after a layer that gives another shape than it takes: one error on the
// nested model, naming both shapes and the layer before.

nncore::sequential! {
    pub struct Block {
        fc: Linear(4, 4),
        act: Tanh,
    }
    fn forward(x) { x + act(fc(x)) }

    pub struct Net {
        stem: Linear(3, 5),
        block: Block,
        head: Linear(4, 2),
    }
}

fn main() {}
