//! Training mode runs a BatchNorm and the `ReLU` after it as one pass each way (the ReLU
//! applied in the normalizing pass, its mask in the batch norm's backward), and so does the
//! inference pass forward; the bits are those of the two layers run apart, which an `Identity`
//! between them keeps.

use nncore::prelude::*;
use nncore::{Grads, MSELoss, Train};
use rand::SeedableRng;
use rand::rngs::StdRng;

mod common;
use common::bits::{bits, buffer_bits, data};

nncore::sequential! {
    /// A convolution (whose weight gradient needs the batch norm's input gradient), then the
    /// pair, run as one.
    #[input(3, 5, 7)]
    pub struct Fused { conv: Conv2d(3, 19, 1), bn: BatchNorm2d(19), relu: ReLU }

    /// The same layers, the pair kept apart.
    #[input(3, 5, 7)]
    pub struct Apart { conv: Conv2d(3, 19, 1), bn: BatchNorm2d(19), id: Identity, relu: ReLU }

    /// Features: the batch norm's per-channel path.
    pub struct FusedDense { fc: Linear(4, 12), bn: BatchNorm1d(12), relu: ReLU, out: Linear(12, 3) }

    /// The same, apart.
    pub struct ApartDense {
        fc: Linear(4, 12), bn: BatchNorm1d(12), id: Identity, relu: ReLU, out: Linear(12, 3)
    }
}

macro_rules! same_bits {
    ($fused:ty, $apart:ty, $x:ty, $y:ty, [$($layer:ident),*], $relu_out:expr) => {{
        let mut rng = StdRng::seed_from_u64(5);
        let mut fused = <$fused>::init(&mut rng);
        // Some channels shifted far enough that most of their values are cut by the ReLU.
        for (c, b) in fused.bn.bias.iter_mut().enumerate() {
            *b = [0.0, -0.8, 0.6][c % 3];
        }
        let mut apart = <$apart>::init(&mut rng);
        $(apart.$layer = fused.$layer.clone();)*
        let mut train = Train::new(StdRng::seed_from_u64(6));
        for len in [1, 3, 32] {
            let (xs, ys) = data::<$x, $y>(len, &mut rng);
            let (mut gf, mut ga) = (Grads::<$fused>::new(), Grads::<$apart>::new());
            let lf = train.backward_loss(&mut fused, &MSELoss::new(), &xs, &ys, &mut gf).unwrap();
            let la = train.backward_loss(&mut apart, &MSELoss::new(), &xs, &ys, &mut ga).unwrap();
            assert_eq!(lf.to_bits(), la.to_bits(), "loss, batch of {len}");
            assert_eq!(bits(&*gf), bits(&*ga), "gradients, batch of {len}");
            assert_eq!(buffer_bits(&fused), buffer_bits(&apart), "running statistics");
            let (mut of, mut oa) = (vec![<$y>::ZERO; len], vec![<$y>::ZERO; len]);
            train.forward_into(&mut fused, &xs, &mut of).unwrap();
            train.forward_into(&mut apart, &xs, &mut oa).unwrap();
            let out = |o: &[$y]| o.iter().flat_map(|y| y.flat().iter().map(|v| v.to_bits())).collect::<Vec<_>>();
            assert_eq!(out(&of), out(&oa), "outputs, batch of {len}");
            if $relu_out {
                assert!(of.iter().any(|y| y.flat().contains(&0.0)), "some values cut");
            }
            // Evaluation mode, the inference pass: non-finite inputs too.
            let mut xs = xs;
            xs[0].flat_mut()[0] = f32::NAN;
            xs[len - 1].flat_mut()[1] = f32::NEG_INFINITY;
            xs[len - 1].flat_mut()[2] = f32::INFINITY;
            let (ef, ea) = (fused.forward_batch(&xs), apart.forward_batch(&xs));
            assert_eq!(out(&ef), out(&ea), "evaluation-mode outputs, batch of {len}");
            let one = fused.forward(&xs[len - 1]);
            assert_eq!(out(&[one]), out(&ef[len - 1..]), "one sample, batch of {len}");
        }
    }};
}

#[test]
fn batch_norm_2d_and_relu_run_as_one_give_the_bits_of_the_two() {
    same_bits!(
        Fused,
        Apart,
        [[[f32; 7]; 5]; 3],
        [[[f32; 7]; 5]; 19],
        [conv, bn],
        true
    );
}

#[test]
fn batch_norm_1d_and_relu_run_as_one_give_the_bits_of_the_two() {
    same_bits!(
        FusedDense,
        ApartDense,
        [f32; 4],
        [f32; 3],
        [fc, bn, out],
        false
    );
}

#[test]
fn the_pair_keeps_its_names_and_printed_form() {
    let model = Fused::zeros();
    let names: Vec<String> = model.parameters().map(|p| p.name.to_string()).collect();
    assert_eq!(names, ["conv.weight", "conv.bias", "bn.weight", "bn.bias"]);
    let printed = model.to_string();
    assert!(printed.contains("(relu): ReLU()"), "{printed}");
}
