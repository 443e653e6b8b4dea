// `Flatten` takes PyTorch's `start_dim` and `end_dim` at their defaults only: each sample is
// flattened whole.

nncore::sequential! {
    #[input(3, 4, 4)]
    pub struct Net(Flatten(start_dim = 1, end_dim = -1), Linear(48, 2));
}

nncore::sequential! {
    #[input(3, 4, 4)]
    pub struct Partial(Flatten(start_dim = 2), Linear(16, 2));
}

fn main() {}
