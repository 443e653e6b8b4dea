// A misspelled layer is reported, then checked as the layer it most likely means: the shapes go
// on past it (a mismatch after it is reported too), and code using the model, whose output the
// misspelled layer gives, reports nothing more.

nncore::sequential! {
    pub struct Net(Linear(1, 13), Relu, Linaer(13, 1));
}

nncore::sequential! {
    pub struct Wide { fc: Linear(1, 13), act: tanh, out: Linaer(12, 1) }
}

fn main() {
    let y = Net::ZERO.forward(&[1.0]);
    let ys = Net::ZERO.forward_batch(&[[1.0], [2.0]]);
    println!("{y:?} {ys:?} {:?}", Wide::ZERO.forward(&[1.0]));
}
