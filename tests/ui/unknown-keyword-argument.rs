// A misspelled keyword argument, and a size given by position after one given by keyword.

nncore::sequential! {
    pub struct Net(Linear(1, 13, biass = false), Linear(in_features = 13, 1));
}

fn main() {}
