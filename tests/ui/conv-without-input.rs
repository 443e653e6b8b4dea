// A convolutional model without `#[input(...)]`: nothing tells the image size. The error says
// what to declare; the code that uses the model reports nothing more.


nncore::sequential! {
    pub struct Net(Conv2d(3, 16, 3), ReLU, Flatten, Linear(14400, 10));
}

fn main() {
    let model = Net::ZERO;
    let y: [f32; 10] = model.forward(&[[[0.0; 32]; 32]; 3]);
    println!("{y:?} {:?}", model.0.weight.len());
}
