//! The activations beyond the chapter, declared through `sequential!`.

use nncore::prelude::*;
use nncore::{ELU, GELU, Grads, Hardsigmoid, Hardswish, Identity, MSELoss, ReLU6, SiLU, Softplus};

nncore::sequential! {
    /// Every new activation once, with and without arguments.
    struct Acts(
        Linear(3, 4),
        GELU,
        GELU(approximate = "tanh"),
        SiLU,
        Softplus,
        Softplus(beta = 2, threshold = 10.0),
        ELU,
        ELU(0.5),
        Identity,
        Linear(4, 2),
    );
}

#[test]
fn prints_as_pytorch() {
    // `print(nn.Sequential(nn.Linear(3, 4), nn.GELU(), nn.GELU(approximate='tanh'), nn.SiLU(),
    // nn.Softplus(), nn.Softplus(beta=2, threshold=10.0), nn.ELU(), nn.ELU(0.5),
    // nn.Identity(), nn.Linear(4, 2)))`
    let expected = "Sequential(
  (0): Linear(in_features=3, out_features=4, bias=True)
  (1): GELU(approximate='none')
  (2): GELU(approximate='tanh')
  (3): SiLU()
  (4): Softplus(beta=1.0, threshold=20.0)
  (5): Softplus(beta=2, threshold=10.0)
  (6): ELU(alpha=1.0)
  (7): ELU(alpha=0.5)
  (8): Identity()
  (9): Linear(in_features=4, out_features=2, bias=True)
)";
    assert_eq!(Acts::ZERO.to_string(), expected);
}

#[test]
fn forward_is_the_layers_in_order_and_backward_descends() {
    let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(1);
    let mut model = Acts::init(&mut rng);
    let x = [0.3, -1.2, 2.0];
    let mut h = model.0.forward(&x);
    h = model.1.forward(&h);
    h = model.2.forward(&h);
    h = model.3.forward(&h);
    h = model.4.forward(&h);
    h = model.5.forward(&h);
    h = model.6.forward(&h);
    h = model.7.forward(&h);
    h = model.8.forward(&h);
    let y = model.9.forward(&h);
    assert_eq!(Model::forward(&model, &x), y);
    assert_eq!(model.5, Softplus::new(2.0, 10.0));
    assert_eq!(model.7, ELU::new(0.5));
    assert_eq!(model.2, GELU::TANH);
    assert_eq!((model.3, model.8), (SiLU, Identity));

    let (xs, ys) = ([x, [1.0, 0.0, -0.5]], [[1.0, -1.0], [0.0, 0.5]]);
    let mut grads = Grads::<Acts>::new();
    let mut opt = nncore::SGD::new(nncore::SGDConfig {
        lr: 0.05,
        ..Default::default()
    })
    .unwrap();
    let first = model
        .backward_loss(&MSELoss::new(), &xs, &ys, &mut grads)
        .unwrap();
    let mut last = first;
    for _ in 0..50 {
        grads.zero_grad();
        last = model
            .backward_loss(&MSELoss::new(), &xs, &ys, &mut grads)
            .unwrap();
        opt.step(&mut model, &grads);
    }
    assert!(last < 0.5 * first, "loss went from {first} to {last}");
}

nncore::sequential! {
    /// The piecewise ones, named.
    struct Hard { fc: Linear(3, 4), relu6: ReLU6, hswish: Hardswish, hsigmoid: Hardsigmoid }
}

#[test]
fn hard_activations_print_and_chain_as_pytorch() {
    // `print(nn.Sequential(OrderedDict(fc=nn.Linear(3, 4), relu6=nn.ReLU6(),
    // hswish=nn.Hardswish(), hsigmoid=nn.Hardsigmoid())))`
    let expected = "Sequential(
  (fc): Linear(in_features=3, out_features=4, bias=True)
  (relu6): ReLU6()
  (hswish): Hardswish()
  (hsigmoid): Hardsigmoid()
)";
    assert_eq!(Hard::ZERO.to_string(), expected);
    let mut model = Hard::ZERO;
    model.fc.weight = [
        [4.0, 0.0, 0.0],
        [0.0, 1.0, 0.0],
        [0.0, 0.0, -1.0],
        [1.0, 1.0, 1.0],
    ];
    let x = [2.0, 1.5, 0.5];
    // fc: [8, 1.5, -0.5, 4]; ReLU6: [6, 1.5, 0, 4]; Hardswish: [6, 1.125, 0, 4];
    // Hardsigmoid: [1, 0.6875, 0.5, 1].
    let h = model.fc.forward(&x);
    assert_eq!(h, [8.0, 1.5, -0.5, 4.0]);
    assert_eq!(ReLU6.forward(&h), [6.0, 1.5, 0.0, 4.0]);
    assert_eq!(Model::forward(&model, &x), [1.0, 0.6875, 0.5, 1.0]);
    assert_eq!(
        (model.relu6, model.hswish, model.hsigmoid),
        (ReLU6, Hardswish, Hardsigmoid)
    );
}
