// A model too large for its arrays to be held by value: an error, not an hours-long compile.

nncore::sequential! {
    pub struct Net(Linear(100000, 100000), Tanh, Linear(100000, 1));
}

fn main() {}
