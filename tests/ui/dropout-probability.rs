// A dropout probability outside [0, 1], in PyTorch's words, quoted as written.

nncore::sequential! {
    pub struct Net(Linear(2, 2), Dropout(-0.1), Linear(2, 2), Dropout(p = 1.5));
}

fn main() {}
