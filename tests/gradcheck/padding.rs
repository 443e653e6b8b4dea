//! Models with zero padding and the hard activations against finite differences: the padding's
//! cropped gradient reaches the convolution before it.

use super::*;

nncore::sequential! {
    #[input(1, 3, 3)]
    struct PadImage {
        conv: Conv2d(1, 2, 2),           // 2×2×2
        pad: ZeroPad2d((1, 0, 2, 1)),    // 2×5×3
        act: Hardswish,
        conv2: Conv2d(2, 2, 2),          // 2×4×2
        act6: ReLU6,
        flat: Flatten,
        fc: Linear(16, 2),
        gate: Hardsigmoid,
    }
}

nncore::sequential! {
    #[input(2, 4)]
    struct PadSequence(
        Conv1d(2, 3, 2), ZeroPad1d((2, 1)), ReLU6, Conv1d(3, 2, 3), Flatten, Linear(8, 2),
    );
}

/// Which piece of each activation's input every value is on, in the order of the layers: a
/// finite difference is only valid where no step moves one across a kink.
fn image_pieces(model: &PadImage, xs: &[[[[f32; 3]; 3]; 1]]) -> Vec<u8> {
    let mut pieces = Vec::new();
    for x in xs {
        let h: [[[f32; 2]; 2]; 2] = model.conv.forward(x);
        let a: [[[f32; 3]; 5]; 2] = model.pad.forward(&h);
        let b: [[[f32; 2]; 4]; 2] = model.conv2.forward(&model.act.forward(&a));
        let f: [f32; 16] = model.flat.forward(&model.act6.forward(&b));
        let c: [f32; 2] = model.fc.forward(&f);
        let flat = |t: &[f32]| t.to_vec();
        let (a, b) = (
            flat(a.as_flattened().as_flattened()),
            flat(b.as_flattened().as_flattened()),
        );
        pieces.extend(a.iter().map(|&v| u8::from(v > -3.0) + u8::from(v > 3.0)));
        pieces.extend(b.iter().map(|&v| u8::from(v > 0.0) + u8::from(v > 6.0)));
        pieces.extend(c.iter().map(|&v| u8::from(v > -3.0) + u8::from(v > 3.0)));
    }
    pieces
}

fn sequence_pieces(model: &PadSequence, xs: &[[[f32; 4]; 2]]) -> Vec<u8> {
    let mut pieces = Vec::new();
    for x in xs {
        let h: [[f32; 3]; 3] = model.0.forward(x);
        // The padded zeros are constants: only the convolution's outputs can cross a kink.
        pieces.extend(
            h.as_flattened()
                .iter()
                .map(|&v| u8::from(v > 0.0) + u8::from(v > 6.0)),
        );
    }
    pieces
}

/// `backward`'s parameter gradients against finite differences of `Σ dy · forward(x)`, with
/// `pieces` unchanged by every step.
fn check_padded<M, X: Tensor, const OUT: usize>(
    what: &str,
    model: &M,
    xs: &[X],
    dys: &[[f32; OUT]],
    pieces: impl Fn(&M, &[X]) -> Vec<u8>,
) where
    M: Model<X, [f32; OUT]> + Clone,
{
    let mut grads = Grads::<M>::new();
    model.backward(xs, dys, &mut grads).unwrap();
    let before = pieces(model, xs);
    let objective = |m: &M| {
        assert!(
            pieces(m, xs) == before,
            "{what}: a step crossed a kink; use other inputs"
        );
        let preds = m.forward_batch(xs);
        preds.iter().zip(dys).map(|(p, d)| dot(p, d)).sum::<f64>()
    };
    let mut worst = Worst::default();
    check_param_grads(what, model, &grads, objective, &mut worst);
    println!("{what}: {worst}");
}

/// Values uniform in `[lo, hi)`, in any sample shape.
fn sample<T: Tensor>(rng: &mut StdRng, lo: f32, hi: f32) -> T {
    let mut t = T::ZERO;
    t.flat_mut()
        .iter_mut()
        .for_each(|v| *v = rng.random_range(lo..hi));
    t
}

/// Seeds whose weights and two samples keep every activation input more than a step from its
/// kinks (`check_padded` asserts it).
#[test]
fn padded_models() {
    let mut rng = StdRng::seed_from_u64(0);
    let model = PadImage::init(&mut rng);
    let xs: Vec<[[[f32; 3]; 3]; 1]> = (0..2).map(|_| sample(&mut rng, -2.0, 2.0)).collect();
    let dys: Vec<[f32; 2]> = (0..2).map(|_| uniform(&mut rng, -1.0, 1.0)).collect();
    check_padded("PadImage", &model, &xs, &dys, image_pieces);

    let mut rng = StdRng::seed_from_u64(0);
    let model = PadSequence::init(&mut rng);
    let xs: Vec<[[f32; 4]; 2]> = (0..2).map(|_| sample(&mut rng, -2.0, 2.0)).collect();
    let dys: Vec<[f32; 2]> = (0..2).map(|_| uniform(&mut rng, -1.0, 1.0)).collect();
    check_padded("PadSequence", &model, &xs, &dys, sequence_pieces);
}
