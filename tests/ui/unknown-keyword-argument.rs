// A misspelled keyword argument, and PyTorch's keyword names for the sizes.

nncore::sequential! {
    pub struct Net(Linear(1, 13, biass = false), Linear(in_features = 13, 1));
}

fn main() {}
