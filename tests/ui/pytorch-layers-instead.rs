// PyTorch modules the macro does not have: the error says what to use instead, with a note for
// a `Softmax` before `CrossEntropyLoss`, and lists the layers it has.

nncore::sequential! {
    pub struct Classifier(Linear(4, 8), ReLU, Linear(8, 3), Softmax(dim = 1), CrossEntropyLoss);
}

nncore::sequential! {
    pub struct Sequence(Linear(4, 8), LSTM(8, 8), Dropout2d(0.1), Linear(8, 1));
}

fn main() {}
