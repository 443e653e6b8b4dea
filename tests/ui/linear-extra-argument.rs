// A `Linear` with a third size, and one with the bias given by position.

nncore::sequential! {
    pub struct Net(Linear(1, 13, 4), Linear(13, 1, false));
}

fn main() {}
