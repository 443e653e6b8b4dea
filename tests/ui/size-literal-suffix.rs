// A size written with an integer suffix other than `usize`: its type is kept, so `300u8` (which
// does not fit a `u8`) is not taken as 300 silently; it is an error, after which the size is
// read as the number meant, so that the shapes go on and code using the model says nothing more.

nncore::sequential! {
    pub struct Net(Linear(1, 300u8), Tanh, Linear(300usize, 1));
}

nncore::sequential! {
    #[input(2, 8)]
    pub struct Pool(MaxPool1d(2i32), Flatten, Linear(8, 1));
}

nncore::sequential! {
    pub struct Last(Linear(1, 13), Tanh, Linear(13, 300u16));
}

fn main() {
    let last = Last::ZERO;
    let y = last.forward(&[1.0]);
    let batch = last.forward_batch(&[[1.0], [2.0]]);
    let pooled = Pool::ZERO.forward_batch(&[[[0.0; 8]; 2]]);
    println!("{y:?} {batch:?} {pooled:?} {}", Net::ZERO);
}
