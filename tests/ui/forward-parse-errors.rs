// Mistakes in the syntax of `forward`, one in each model: one error each, on the token, saying
// what `forward` takes; the model after them is still read and checked.

nncore::sequential! {
    pub struct Scaled {
        fc: Linear(4, 4),
    }
    fn forward(x) { x + fc(x) * 2 }

    pub struct TwoArguments {
        fc: Linear(4, 4),
    }
    fn forward(x) { x + fc(x, x) }

    pub struct TwoInputs {
        fc: Linear(4, 4),
    }
    fn forward(x, y) { x + fc(y) }

    pub struct Literal {
        fc: Linear(4, 4),
    }
    fn forward(x) { fc(1(x)) }

    pub struct Checked {
        fc: Linear(4, 3),
    }
    fn forward(x) { x + fc(x) }
}

fn main() {}
