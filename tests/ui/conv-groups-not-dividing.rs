// A convolution whose `groups` does not divide its channels, as PyTorch refuses: one error on
// each count it does not divide.

nncore::sequential! {
    #[input(6, 16)]
    pub struct Net(Conv1d(6, 9, 3, groups = 4), ReLU, Flatten, Linear(126, 1));
}

fn main() {}
