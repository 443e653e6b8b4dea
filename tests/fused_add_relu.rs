//! Training mode and the inference pass run a sum and the `ReLU` after it as one forward pass
//! (`relu(a + b)` written once, the sum's value left unwritten); training hands the sum's
//! gradient to one of its operands without a copy; the bits are those of the two run apart,
//! which an `Identity` between them keeps.

use nncore::prelude::*;
use nncore::{Grads, MSELoss, Train};
use rand::SeedableRng;
use rand::rngs::StdRng;

mod common;
use common::bits::{bits, buffer_bits, data};

nncore::sequential! {
    /// A residual block whose sum adds back the block's input (ResNet's first stack), whose
    /// gradient goes to the caller's buffer.
    #[input(4, 5, 7)]
    pub struct Block { conv: Conv2d(4, 4, 3, padding = 1), bn: BatchNorm2d(4), relu: ReLU }
    fn forward(x) {
        let y = bn(conv(x));
        relu(x + y)
    }

    /// The same layers, the pair kept apart.
    #[input(4, 5, 7)]
    pub struct BlockApart { conv: Conv2d(4, 4, 3, padding = 1), bn: BatchNorm2d(4), relu: ReLU, id: Identity }
    fn forward(x) {
        let y = bn(conv(x));
        relu(id(x + y))
    }

    /// The block between layers with parameters, which need its input's gradient.
    #[input(4, 5, 7)]
    pub struct Fused { pre: Conv2d(4, 4, 1), block: Block, head: Conv2d(4, 3, 1) }

    /// The same, apart.
    #[input(4, 5, 7)]
    pub struct Apart { pre: Conv2d(4, 4, 1), block: BlockApart, head: Conv2d(4, 3, 1) }

    /// A sum of two computed values, each with parameters before it: a strided shortcut.
    #[input(3, 6, 6)]
    pub struct FusedShortcut {
        conv: Conv2d(3, 5, 3, stride = 2, padding = 1), bn: BatchNorm2d(5),
        shortcut: Conv2d(3, 5, 1, stride = 2), relu: ReLU, head: Conv2d(5, 2, 1),
    }
    fn forward(x) {
        let y = bn(conv(x));
        head(relu(shortcut(x) + y))
    }

    /// The same, apart.
    #[input(3, 6, 6)]
    pub struct ApartShortcut {
        conv: Conv2d(3, 5, 3, stride = 2, padding = 1), bn: BatchNorm2d(5),
        shortcut: Conv2d(3, 5, 1, stride = 2), relu: ReLU, head: Conv2d(5, 2, 1), id: Identity,
    }
    fn forward(x) {
        let y = bn(conv(x));
        head(relu(id(shortcut(x) + y)))
    }
}

macro_rules! same_bits {
    ($fused:ty, $apart:ty, $x:ty, $y:ty, |$m:ident| $bias:expr) => {{
        let mut rng = StdRng::seed_from_u64(7);
        let mut fused = <$fused>::init(&mut rng);
        // Channels shifted far enough that many sums are cut by the ReLU.
        let $m = &mut fused;
        for (c, b) in $bias.iter_mut().enumerate() {
            *b = [0.0, -1.5, 0.7][c % 3];
        }
        let mut apart = <$apart>::init(&mut StdRng::seed_from_u64(9));
        for (a, f) in apart.parameter_data_mut().zip(fused.parameter_data()) {
            a.copy_from_slice(f);
        }
        assert_eq!(bits(&fused), bits(&apart), "the same parameters");
        let mut train = Train::new(StdRng::seed_from_u64(8));
        for len in [1, 3, 32] {
            let (xs, ys) = data::<$x, $y>(len, &mut rng);
            let (mut gf, mut ga) = (Grads::<$fused>::new(), Grads::<$apart>::new());
            let lf = train
                .backward_loss(&mut fused, &MSELoss::new(), &xs, &ys, &mut gf)
                .unwrap();
            let la = train
                .backward_loss(&mut apart, &MSELoss::new(), &xs, &ys, &mut ga)
                .unwrap();
            assert_eq!(lf.to_bits(), la.to_bits(), "loss, batch of {len}");
            assert_eq!(bits(&*gf), bits(&*ga), "gradients, batch of {len}");
            assert!(
                bits(&*gf).iter().all(|(_, g)| g.iter().any(|&b| b != 0)),
                "every parameter has a gradient"
            );
            assert_eq!(
                buffer_bits(&fused),
                buffer_bits(&apart),
                "running statistics"
            );
            let (mut of, mut oa) = (vec![<$y>::ZERO; len], vec![<$y>::ZERO; len]);
            train.forward_into(&mut fused, &xs, &mut of).unwrap();
            train.forward_into(&mut apart, &xs, &mut oa).unwrap();
            let out = |o: &[$y]| {
                o.iter()
                    .flat_map(|y| y.flat().iter().map(|v| v.to_bits()))
                    .collect::<Vec<_>>()
            };
            assert_eq!(out(&of), out(&oa), "outputs, batch of {len}");
            let (ef, ea) = (fused.forward_batch(&xs), apart.forward_batch(&xs));
            assert_eq!(
                out(&ef),
                out(&ea),
                "evaluation-mode outputs, batch of {len}"
            );
            let one = fused.forward(&xs[len - 1]);
            assert_eq!(
                out(&[one]),
                out(&ef[len - 1..]),
                "one sample, batch of {len}"
            );
        }
    }};
}

#[test]
fn a_sum_of_the_input_and_its_relu_run_as_one_give_the_bits_of_the_two() {
    same_bits!(Fused, Apart, [[[f32; 7]; 5]; 4], [[[f32; 7]; 5]; 3], |m| m
        .block
        .bn
        .bias);
}

#[test]
fn a_sum_of_two_computed_values_and_its_relu_run_as_one_give_the_bits_of_the_two() {
    same_bits!(
        FusedShortcut,
        ApartShortcut,
        [[[f32; 6]; 6]; 3],
        [[[f32; 3]; 3]; 2],
        |m| m.bn.bias
    );
}

#[test]
fn the_pair_keeps_its_names_and_printed_form() {
    let model = Fused::zeros();
    let names: Vec<String> = model.parameters().map(|p| p.name.to_string()).collect();
    assert_eq!(
        names,
        [
            "pre.weight",
            "pre.bias",
            "block.conv.weight",
            "block.conv.bias",
            "block.bn.weight",
            "block.bn.bias",
            "head.weight",
            "head.bias",
        ]
    );
    let printed = model.to_string();
    assert!(printed.contains("(relu): ReLU()"), "{printed}");
}
