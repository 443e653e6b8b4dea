//! Checks shared by the tests of the layers without parameters (the pools, `Flatten`,
//! `ZeroPad1d` and `ZeroPad2d`): finite differences, and the batch forms against the
//! per-sample ones.

use crate::module::Layer;
use crate::tensor::Tensor;
use rand::SeedableRng;
use rand::rngs::StdRng;

/// `Σ dy · f(x)` in f64.
fn loss<X: Tensor, Y: Tensor, P: Layer<X, Y>>(layer: &P, x: &X, dy: &Y) -> f64 {
    let y = layer.forward(x);
    y.flat()
        .iter()
        .zip(dy.flat())
        .map(|(&y, &d)| f64::from(y) * f64::from(d))
        .sum()
}

/// Compares `backward_input` with central differences of `Σ dy · f(x)`, and checks that
/// `backward_params` adds nothing (there are no parameters). `x` must keep every window's
/// maximum more than `h = 1e-2` above the rest.
pub(crate) fn check_gradients<X: Tensor, Y: Tensor, P: Layer<X, Y> + PartialEq + Clone>(
    layer: &P,
    x: &X,
    dy: &Y,
) {
    assert_eq!(P::NUM_PARAMS, 0);
    assert_eq!(layer.parameters().count(), 0);
    let y = layer.forward(x);
    let dx = layer.backward_input(x, &y, dy);
    let mut grads = layer.clone();
    layer.backward_params(x, &y, dy, &mut grads);
    assert!(grads == *layer, "backward_params changed the layer");
    let h = 1e-2;
    for i in 0..X::LEN {
        let (mut up, mut down) = (*x, *x);
        up.flat_mut()[i] += h;
        down.flat_mut()[i] -= h;
        let numeric = (loss(layer, &up, dy) - loss(layer, &down, dy)) / (2.0 * f64::from(h));
        let analytic = f64::from(dx.flat()[i]);
        assert!(
            (numeric - analytic).abs() <= 1e-3 * (1.0 + numeric.abs()),
            "input {i}: finite difference {numeric}, backward {analytic}"
        );
    }
}

/// The batch and training forms give what the per-sample forms give, sample by sample.
pub(crate) fn check_batch<X: Tensor, Y: Tensor, P: Layer<X, Y> + PartialEq + Clone>(
    layer: &P,
    x: &[X; 3],
    dy: &[Y; 3],
) {
    let single: [Y; 3] = core::array::from_fn(|b| layer.forward(&x[b]));
    let mut y = [Y::ZERO; 3];
    layer.forward_batch(x, &mut y);
    assert!(same(&y, &single), "forward_batch");
    assert_eq!(P::train_cache_len(3), 0);
    let mut train = layer.clone();
    let mut y_train = [Y::ZERO; 3];
    train.forward_train(x, &mut y_train, &mut [], &mut StdRng::seed_from_u64(0));
    assert!(same(&y_train, &single), "forward_train");
    assert!(train == *layer, "forward_train changed the layer");

    let dx_single: [X; 3] = core::array::from_fn(|b| layer.backward_input(&x[b], &y[b], &dy[b]));
    let mut dx = [X::ZERO; 3];
    layer.backward_input_batch(x, &y, dy, &mut dx);
    assert!(same(&dx, &dx_single), "backward_input_batch");
    let mut dx = [X::ZERO; 3];
    layer.backward_train(x, &y, dy, &mut [], None, Some(&mut dx));
    assert!(same(&dx, &dx_single), "backward_train");

    let mut grads = layer.clone();
    layer.backward_params_batch(x, &y, dy, &mut grads);
    layer.backward_train(x, &y, dy, &mut [], Some(&mut grads), None);
    assert!(grads == *layer, "the parameter gradients changed the layer");
}

/// Whether two batches hold the same bits (a NaN equals itself).
fn same<T: Tensor>(a: &[T], b: &[T]) -> bool {
    let bits = |batch| T::flat_batch(batch).iter().map(|v: &f32| v.to_bits());
    bits(a).eq(bits(b))
}

/// A sample of distinct values a quarter apart (far more than the `h` of [`check_gradients`]),
/// in an order that `seed` shuffles.
pub(crate) fn distinct<T: Tensor>(seed: usize) -> T {
    let mut t = T::ZERO;
    // 7919 is prime, larger than every test sample: `i * 7919 + seed` runs over all residues.
    for (i, v) in t.flat_mut().iter_mut().enumerate() {
        *v = ((i * 7919 + seed) % T::LEN) as f32 * 0.25 - T::LEN as f32 / 8.0;
    }
    t
}

/// [`check_gradients`] and [`check_batch`] on samples of [`distinct`] values.
pub(crate) fn check_layer<X: Tensor, Y: Tensor, P: Layer<X, Y> + PartialEq + Clone>(layer: &P) {
    let x: [X; 3] = core::array::from_fn(|b| distinct(3 * b));
    let dy: [Y; 3] = core::array::from_fn(|b| distinct(3 * b + 1));
    check_gradients(layer, &x[0], &dy[0]);
    check_batch(layer, &x, &dy);
}
