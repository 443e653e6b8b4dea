// A model with a value too wide for a layer to hold one sample of it on the stack, though its
// parameters are within their limit: an error, not a stack overflow at run time.

nncore::sequential! {
    pub struct Net(Linear(1, 2_000_000, bias = false), ReLU, Linear(2_000_000, 1, bias = false));
}

fn main() {}
