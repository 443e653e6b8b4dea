// A pooling window longer than what the layers before leave of the sequence.

nncore::sequential! {
    #[input(2, 6)]
    pub struct Net(Conv1d(2, 4, 3), ReLU, MaxPool1d(2), MaxPool1d(3), Flatten, Linear(4, 1));
}

fn main() {}
