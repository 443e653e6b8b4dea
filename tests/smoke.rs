use nncore::prelude::*;
use nncore::{Grads, MseLoss, Sgd, SgdConfig};

nncore::sequential! {
    /// The chapter's model.
    pub struct TempNet {
        hidden_linear: Linear(1, 13),
        hidden_activ: Tanh,
        output_linear: Linear(13, 1),
    }
}
nncore::sequential! { pub struct Mlp(Linear(1, 13), Tanh, Linear(13, 1, bias = false), LeakyReLU(0.1)); }

#[test]
fn smoke() {
    let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(0);
    let mut m = TempNet::init(&mut rng);
    println!("{m}");
    println!("{}", Mlp::ZERO);
    for p in m.parameters() {
        println!("{} {:?}", p.name, p.shape);
    }
    for p in Mlp::ZERO.parameters() {
        println!("{} {:?}", p.name, p.shape);
    }
    let xs = [[1.0f32], [2.0]];
    let ys = [[3.0f32], [4.0]];
    let mut g = Grads::<TempNet>::new();
    let mut opt = Sgd::new(SgdConfig {
        lr: 1e-2,
        ..Default::default()
    })
    .unwrap();
    for _ in 0..100 {
        g.zero_grad();
        let l = m.backward_loss(&MseLoss::new(), &xs, &ys, &mut g).unwrap();
        opt.step(&mut m, &g);
        println!("{l}");
    }
    println!("{:?}", m.forward(&[1.0]));
}
