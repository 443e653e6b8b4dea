// A layer written with a path that is not `nncore`'s.

nncore::sequential! {
    pub struct Net(torch::nn::Linear(1, 13));
}

fn main() {}
