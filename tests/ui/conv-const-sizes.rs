// Sizes given as constants in a convolutional model: the compiler's `const` checks report
// what the macro cannot see, each naming the layers (and the shapes, as far as they are known).

const CHANNELS: usize = 8;
const SIDE: usize = 4;

nncore::sequential! {
    #[input(1, SIDE, SIDE)]
    pub struct Net(Conv2d(1, CHANNELS, kernel_size = 5), BatchNorm2d(16), Flatten, Linear(CHANNELS, 1));
}

const LENGTH: usize = 16;

nncore::sequential! {
    #[input(CHANNELS, LENGTH)]
    pub struct Grouped(Conv1d(CHANNELS, 6, 3, groups = 3), MaxPool1d(2), Flatten, Linear(6 * 7, 1));
}

fn main() {}
