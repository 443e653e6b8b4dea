// A model with a mistake, nested in another: code reaching its layers through the model that
// holds it reports nothing more, as it does for the broken model itself.

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
    let net = Net::ZERO;
    println!("{:?}", net.block.fc.weight);
}
