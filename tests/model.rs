//! What `sequential!` generates, beyond the golden cases: the forms and layers they do not use,
//! `const` construction, and PyTorch's default initialization.

use nncore::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;

nncore::sequential! {
    /// Index names with gaps, a Linear without bias and both LeakyReLU spellings.
    pub struct Mlp(Linear(1, 13), Tanh, Linear(13, 4, bias = false), LeakyReLU(0.1), Linear(4, 1), LeakyReLU);
}

nncore::sequential! {
    /// The chapter's model.
    pub struct TempNet {
        hidden_linear: Linear(1, 13),
        hidden_activ: Tanh,
        output_linear: Linear(13, 1),
    }
}

/// A model written into source as a `const`, as trained weights can be.
const LINE: TempNet = TempNet {
    hidden_linear: nncore::Linear {
        weight: [[1.0]; 13],
        bias: [0.0; 13],
    },
    hidden_activ: nncore::Tanh,
    output_linear: nncore::Linear {
        weight: [[0.5; 13]],
        bias: [0.25],
    },
};

#[test]
fn prints_as_pytorch() {
    let expected = "Sequential(
  (0): Linear(in_features=1, out_features=13, bias=True)
  (1): Tanh()
  (2): Linear(in_features=13, out_features=4, bias=False)
  (3): LeakyReLU(negative_slope=0.1)
  (4): Linear(in_features=4, out_features=1, bias=True)
  (5): LeakyReLU(negative_slope=0.01)
)";
    assert_eq!(Mlp::ZERO.to_string(), expected);
}

#[test]
fn names_and_shapes_as_pytorch() {
    let params: Vec<(String, Vec<usize>)> = Mlp::ZERO
        .parameters()
        .map(|p| (p.name.to_string(), p.shape.to_vec()))
        .collect();
    let expected = [
        ("0.weight", vec![13, 1]),
        ("0.bias", vec![13]),
        ("2.weight", vec![4, 13]),
        ("4.weight", vec![1, 4]),
        ("4.bias", vec![1]),
    ];
    let expected: Vec<(String, Vec<usize>)> = expected
        .into_iter()
        .map(|(n, s)| (n.to_owned(), s))
        .collect();
    assert_eq!(params, expected);
    assert_eq!(Mlp::NUM_PARAMS, 13 + 13 + 52 + 4 + 1);
    assert_eq!(
        Mlp::NUM_PARAMS,
        Mlp::ZERO.parameters().map(|p| p.data.len()).sum::<usize>()
    );
}

#[test]
fn const_model_computes() {
    // tanh(x) summed over 13 units, times 0.5, plus 0.25.
    let y = LINE.forward(&[0.3]);
    let expected = 13.0 * 0.5 * 0.3f64.tanh() + 0.25;
    assert!(
        (f64::from(y[0]) - expected).abs() < 1e-5,
        "{y:?} vs {expected}"
    );
    assert_eq!(LINE.output_linear.bias, [0.25]);
}

#[test]
fn init_is_pytorchs_default_and_reproducible() {
    let a = Mlp::init(&mut StdRng::seed_from_u64(3));
    assert_eq!(a, Mlp::init(&mut StdRng::seed_from_u64(3)), "same seed");
    assert_ne!(a, Mlp::init(&mut StdRng::seed_from_u64(4)), "another seed");
    assert_eq!(a.3.negative_slope, 0.1);
    assert_eq!(a.5.negative_slope, 0.01);
    // nn.Linear: weight and bias uniform in ±1/√in_features.
    for (p, fan_in) in a.parameters().zip([1.0f32, 1.0, 13.0, 4.0, 4.0]) {
        let bound = 1.0 / fan_in.sqrt();
        assert!(
            p.data.iter().all(|v| v.abs() <= bound),
            "{} outside ±{bound}",
            p.name
        );
        if p.data.len() > 1 {
            assert!(
                p.data.iter().any(|v| *v != p.data[0]),
                "{} is random",
                p.name
            );
        }
    }
}
