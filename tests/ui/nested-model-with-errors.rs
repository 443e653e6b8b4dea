// A model with a mistake, used in a model after it and by code: the mistake is reported, and
// at most one line more (where the broken model is used); the code using either model reports
// nothing.


nncore::sequential! {
    pub struct Block {
        fc: Linear(4, 4),
        act: tanh,
    }
    fn forward(x) { x + act(fc(x)) }

    pub struct Net {
        stem: Linear(3, 4),
        block: Block,
        head: Linear(4, 2),
    }
}

fn main() {
    let net = Net::init(&mut rand::rng());
    let y: [f32; 2] = net.forward(&[0.5, 1.0, -1.0]);
    let block = Block::ZERO;
    let z: [f32; 4] = block.forward(&[0.0; 4]);
    println!("{net} {y:?} {z:?} {:?}", block.fc.weight);
}
