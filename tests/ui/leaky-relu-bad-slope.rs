// `LeakyReLU` with a slope that is not a number, a misspelled keyword, and two slopes.

nncore::sequential! {
    pub struct Net(
        Linear(1, 3),
        LeakyReLU("steep"),
        LeakyReLU(slope = 0.1),
        LeakyReLU(0.1, 0.2),
        Linear(3, 1),
    );
}

fn main() {}
