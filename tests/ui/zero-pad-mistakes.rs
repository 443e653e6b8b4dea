// Zero padding written wrong: a negative side (PyTorch crops with it), a tuple of the wrong
// length, an image padding on a sequence, no padding at all. Each is one error on its token.

nncore::sequential! {
    #[input(3, 8, 8)]
    pub struct Negative(ZeroPad2d((1, -1, 0, 0)), Flatten, Linear(192, 1));
}

nncore::sequential! {
    #[input(2, 8)]
    pub struct Count(ZeroPad1d((1, 2, 3)), Flatten, Linear(22, 1));
}

nncore::sequential! {
    #[input(2, 8)]
    pub struct Rank(ZeroPad2d(1), Flatten, Linear(20, 1));
}

nncore::sequential! {
    #[input(3, 8, 8)]
    pub struct Missing(ZeroPad2d, Flatten, Linear(192, 1));
}

nncore::sequential! {
    #[input(3, 4, 4)]
    pub struct Sizes(ZeroPad2d((1, 0, 2, 0)), Flatten, Linear(48, 1));
}

fn main() {}
