// Mistakes before a size mismatch do not hide it: the shapes go on past a broken activation,
// and resume at the next `Linear` after a broken layer of another kind. A check of sizes given
// as constants is reported with the macro's errors.

const HIDDEN: usize = 8;

nncore::sequential! {
    pub struct Net(
        Linear(1, HIDDEN),
        Tanh(2),
        Linear(HIDDEN + 1, 13),
        Lienar(13, 13),
        Linear(13, 4),
        ReLU,
        Linear(5, 1),
    );
}

fn main() {}
