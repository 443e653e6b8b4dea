// An argument given twice, by position and by keyword or twice by keyword: an error naming it,
// for every layer that takes arguments, as Python's "got multiple values for argument".

nncore::sequential! {
    pub struct Net(
        Linear(1, 13, in_features = 1),
        Softplus(2, beta = 3),
        ELU(0.5, alpha = 2.0),
        LeakyReLU(0.1, negative_slope = 0.2),
        GELU("tanh", approximate = "none"),
        Linear(in_features = 13, out_features = 4, out_features = 4),
        Linear(4, 1, bias = false, bias = true),
    );
}

fn main() {}
