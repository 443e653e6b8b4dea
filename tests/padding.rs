//! `ZeroPad1d` and `ZeroPad2d` through `sequential!`: PyTorch's printed form and order of sides,
//! the shapes they give the layers after them, and the forward and backward passes through them.

use nncore::prelude::*;
use nncore::{Grads, Hardsigmoid, Hardswish, ReLU6, ZeroPad1d, ZeroPad2d};
use rand::SeedableRng;
use rand::rngs::StdRng;

nncore::sequential! {
    /// The padding forms: a tuple, a keyword, one integer for every side.
    #[input(1, 3, 4)]
    struct Padded {
        conv: Conv2d(1, 2, 2),                 // 2×2×3
        pad: ZeroPad2d((1, 0, 2, 1)),          // 2×5×4: width + 1, height + 3
        act: Hardswish,
        wide: ZeroPad2d(padding = (0, 3, 0, 0)), // 2×5×7
        same: ZeroPad2d(2),                    // 2×9×11
        act6: ReLU6,
        pool: MaxPool2d(3),                    // 2×3×3
        flat: Flatten,
        fc: Linear(18, 2),
        gate: Hardsigmoid,
    }
}

nncore::sequential! {
    /// Sequences, in the tuple form.
    #[input(2, 5)]
    struct PaddedSeq(
        ZeroPad1d((2, 1)), Conv1d(2, 3, 3), ZeroPad1d(padding = 1), Flatten, Linear(24, 2),
    );
}

#[test]
fn prints_as_pytorch() {
    // `print(model)` for the same layers in PyTorch 2.x: `ZeroPad2d(2)` prints its four sides.
    let expected = "Sequential(
  (conv): Conv2d(1, 2, kernel_size=(2, 2), stride=(1, 1))
  (pad): ZeroPad2d((1, 0, 2, 1))
  (act): Hardswish()
  (wide): ZeroPad2d((0, 3, 0, 0))
  (same): ZeroPad2d((2, 2, 2, 2))
  (act6): ReLU6()
  (pool): MaxPool2d(kernel_size=3, stride=3, padding=0, dilation=1, ceil_mode=False)
  (flat): Flatten(start_dim=1, end_dim=-1)
  (fc): Linear(in_features=18, out_features=2, bias=True)
  (gate): Hardsigmoid()
)";
    assert_eq!(Padded::ZERO.to_string(), expected);
    let expected = "Sequential(
  (0): ZeroPad1d((2, 1))
  (1): Conv1d(2, 3, kernel_size=(3,), stride=(1,))
  (2): ZeroPad1d((1, 1))
  (3): Flatten(start_dim=1, end_dim=-1)
  (4): Linear(in_features=24, out_features=2, bias=True)
)";
    assert_eq!(PaddedSeq::ZERO.to_string(), expected);
    // The types carry the sides in PyTorch's order; no parameters.
    let model = Padded::ZERO;
    let _: (
        ZeroPad2d<1, 0, 2, 1>,
        ZeroPad2d<0, 3, 0, 0>,
        ZeroPad2d<2, 2, 2, 2>,
    ) = (model.pad, model.wide, model.same);
    let _: (ZeroPad1d<2, 1>, ZeroPad1d<1, 1>) = (PaddedSeq::ZERO.0, PaddedSeq::ZERO.2);
    assert_eq!(<Padded as Module>::NUM_PARAMS, 2 * 4 + 2 + 18 * 2 + 2);
    let names: Vec<String> = model.parameters().map(|p| p.name.to_string()).collect();
    assert_eq!(names, ["conv.weight", "conv.bias", "fc.weight", "fc.bias"]);
}

/// An image whose values step by 0.37 from -2.
fn image(seed: usize) -> [[[f32; 4]; 3]; 1] {
    let mut x = [[[0.0; 4]; 3]; 1];
    for (i, v) in x
        .as_flattened_mut()
        .as_flattened_mut()
        .iter_mut()
        .enumerate()
    {
        *v = ((i * 7 + seed) % 12) as f32 * 0.37 - 2.0;
    }
    x
}

#[test]
fn forward_is_the_layers_in_order() {
    let model = Padded::init(&mut StdRng::seed_from_u64(3));
    let x = image(0);
    let h: [[[f32; 3]; 2]; 2] = model.conv.forward(&x);
    let p: [[[f32; 4]; 5]; 2] = model.pad.forward(&h);
    // Two rows of zeros on top and one below, one column on the left.
    assert_eq!(p[1][0], [0.0; 4]);
    assert_eq!(p[1][4], [0.0; 4]);
    assert_eq!(p[0][2][1..], h[0][0]);
    assert_eq!(p[0][3][0], 0.0);
    let p = Hardswish.forward(&p);
    let p: [[[f32; 7]; 5]; 2] = model.wide.forward(&p);
    let p: [[[f32; 11]; 9]; 2] = model.same.forward(&p);
    let p: [[[f32; 3]; 3]; 2] = model.pool.forward(&ReLU6.forward(&p));
    let y: [f32; 2] = model.fc.forward(&model.flat.forward(&p));
    assert_eq!(Model::forward(&model, &x), Hardsigmoid.forward(&y));

    let model = PaddedSeq::init(&mut StdRng::seed_from_u64(4));
    let s = [[1.0, -2.0, 0.5, 3.0, -1.0], [0.25, 0.0, -0.75, 2.0, 1.5]];
    let p: [[f32; 8]; 2] = model.0.forward(&s);
    assert_eq!(p[1], [0.0, 0.0, 0.25, 0.0, -0.75, 2.0, 1.5, 0.0]);
    let h: [[f32; 6]; 3] = model.1.forward(&p);
    let h: [[f32; 8]; 3] = model.2.forward(&h);
    let y: [f32; 2] = model.4.forward(&model.3.forward(&h));
    assert_eq!(Model::forward(&model, &s), y);
}

/// One batch through `backward` puts the padding's gradient (the output gradient's interior) on
/// the convolution before it: the same as the convolution's own backward given that interior.
#[test]
fn backward_crops_the_gradient_for_the_layer_before() {
    let model = PaddedSeq::init(&mut StdRng::seed_from_u64(5));
    let xs = [[[1.0, -2.0, 0.5, 3.0, -1.0], [0.25, 0.0, -0.75, 2.0, 1.5]]; 1];
    let dys = [[0.5, -1.25]];
    let mut grads = Grads::<PaddedSeq>::new();
    model.backward(&xs, &dys, &mut grads).unwrap();

    let p0: [[f32; 8]; 2] = model.0.forward(&xs[0]);
    let h: [[f32; 6]; 3] = model.1.forward(&p0);
    let p2: [[f32; 8]; 3] = model.2.forward(&h);
    let f: [f32; 24] = model.3.forward(&p2);
    let d_f = model.4.backward_input(&f, &model.4.forward(&f), &dys[0]);
    let d_p2: [[f32; 8]; 3] = model.3.backward_input(&p2, &f, &d_f);
    let d_h: [[f32; 6]; 3] = model.2.backward_input(&h, &p2, &d_p2);
    assert_eq!(d_h[2], d_p2[2][1..7]);
    let mut conv = PaddedSeq::ZERO.1;
    model.1.backward_params(&p0, &h, &d_h, &mut conv);
    assert_eq!(grads.1, conv);
}
