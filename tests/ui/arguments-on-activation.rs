// Arguments on layers that take none.

nncore::sequential! {
    pub struct Net(Linear(1, 3), Tanh(3), Sigmoid(slope = 0.1), Linear(3, 1));
}

fn main() {}
