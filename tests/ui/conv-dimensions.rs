// Layers given samples of the wrong rank: `Conv1d` on images, `Conv2d` on sequences,
// `BatchNorm2d` on features.

nncore::sequential! {
    #[input(3, 32, 32)]
    pub struct Images(Conv1d(3, 8, 3), ReLU, Flatten, Linear(240, 10));
}

nncore::sequential! {
    #[input(2, 16)]
    pub struct Sequences(Conv2d(2, 4, 3), Flatten, Linear(56, 1));
}

nncore::sequential! {
    pub struct Features(Linear(4, 8), BatchNorm2d(8), Linear(8, 1));
}

fn main() {}
