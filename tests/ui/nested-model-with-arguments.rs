// A model declared above, used with arguments as if it were a layer taking sizes: one error on
// the arguments.

nncore::sequential! {
    pub struct Block {
        fc: Linear(4, 4),
        act: Tanh,
    }
    fn forward(x) { x + act(fc(x)) }

    pub struct Net {
        stem: Linear(3, 4),
        block: Block(3),
        head: Linear(4, 2),
    }
}

fn main() {}
