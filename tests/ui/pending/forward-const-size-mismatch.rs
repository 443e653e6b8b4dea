// Sizes given by constants that differ across `+` and across a nested model's input: one
// compile error each, on the `+` and on the nested model, naming both sides.

const WIDTH: usize = 4;
const HIDDEN: usize = 3;

nncore::sequential! {
    pub struct Block {
        fc: Linear(WIDTH, HIDDEN),
    }
    fn forward(x) { x + fc(x) }

    pub struct Inner {
        fc: Linear(WIDTH, WIDTH),
    }
    fn forward(x) { x + fc(x) }

    pub struct Net {
        stem: Linear(2, HIDDEN),
        inner: Inner,
    }
}

fn main() {}
