// A size written with an integer suffix other than `usize`: its type is kept, so `300u8` (which
// does not fit a `u8`) is not taken as 300.

nncore::sequential! {
    pub struct Net(Linear(1, 300u8), Tanh, Linear(300usize, 1), MaxPool1d(2i32));
}

fn main() {}
