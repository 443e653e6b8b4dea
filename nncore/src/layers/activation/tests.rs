//! The activations against PyTorch's formulas, finite differences and printed forms.
//!
//! Expected values were computed once in float64 from the formulas in PyTorch's documentation
//! (`torch.nn.GELU`, `SiLU`, `Softplus`, `ELU`) with Python's `math` module (`math.erf`,
//! `math.tanh`, `math.log1p`), independently of this crate. `ReLU6`, `Hardswish` and
//! `Hardsigmoid` are piecewise polynomials: their values at the kinks are checked exactly, and
//! their gradients there against PyTorch's backward kernels.

extern crate std;
use std::string::ToString;

use crate::layers::activation::elu::ELU;
use crate::layers::activation::gelu::GELU;
use crate::layers::activation::hardsigmoid::Hardsigmoid;
use crate::layers::activation::hardswish::Hardswish;
use crate::layers::activation::identity::Identity;
use crate::layers::activation::relu6::ReLU6;
use crate::layers::activation::silu::SiLU;
use crate::layers::activation::softplus::Softplus;
use crate::module::Layer;

const X: [f32; 5] = [-3.0, -0.7, 0.0, 0.4, 2.5];

fn check_values(layer: &impl Layer<[f32; 5], [f32; 5]>, expected: [f64; 5]) {
    let y = layer.forward(&X);
    for i in 0..5 {
        let tolerance = 1e-6 + 2e-6 * expected[i].abs();
        assert!(
            (f64::from(y[i]) - expected[i]).abs() <= tolerance,
            "f({}) = {}, expected {}",
            X[i],
            y[i],
            expected[i]
        );
    }
}

/// Compares `backward_input` with central differences, at points away from every kink.
fn check_grads(layer: &impl Layer<[f32; 6], [f32; 6]>) {
    check_grads_at(layer, [-3.0, -0.7, -0.05, 0.4, 2.5, 0.7]);
}

/// [`check_grads`] at `x`, whose values must be more than a step from every kink.
fn check_grads_at(layer: &impl Layer<[f32; 6], [f32; 6]>, x: [f32; 6]) {
    let dy = [0.3, -1.1, 0.7, 2.0, -0.4, 1.3];
    let y = layer.forward(&x);
    let dx = layer.backward_input(&x, &y, &dy);
    let h = 1e-3;
    for i in 0..6 {
        let (mut up, mut down) = (x, x);
        up[i] += h;
        down[i] -= h;
        let slope = (layer.forward(&up)[i] - layer.forward(&down)[i]) / (2.0 * h);
        let numeric = dy[i] * slope;
        assert!(
            (numeric - dx[i]).abs() <= 1e-3 + 1e-3 * numeric.abs(),
            "at x = {}: finite difference {numeric}, backward {}",
            x[i],
            dx[i]
        );
    }
}

#[test]
fn gelu() {
    check_values(
        &GELU::EXACT,
        [
            -0.00404969409489031,
            -0.1693745565561511,
            0.0,
            0.2621686966441297,
            2.4844758366855597,
        ],
    );
    check_values(
        &GELU::TANH,
        [
            -0.0036373920817729943,
            -0.16942986529488321,
            0.0,
            0.2621611694273562,
            2.484915733910001,
        ],
    );
    check_grads(&GELU::EXACT);
    check_grads(&GELU::TANH);
    assert_eq!(GELU::default(), GELU::EXACT);
    assert_eq!(GELU::EXACT.to_string(), "GELU(approximate='none')");
    assert_eq!(GELU::TANH.to_string(), "GELU(approximate='tanh')");
}

#[test]
fn silu() {
    check_values(
        &SiLU,
        [
            -0.14227761953270035,
            -0.2322685594822837,
            0.0,
            0.2394750640449808,
            2.3103545499468914,
        ],
    );
    check_grads(&SiLU);
    assert_eq!(SiLU.to_string(), "SiLU()");
}

#[test]
fn softplus() {
    check_values(
        &Softplus::default(),
        [
            0.04858735157374206,
            0.4031860488854579,
            core::f64::consts::LN_2, // log(2)
            0.9130152523999526,
            2.5788897342925496,
        ],
    );
    check_values(
        &Softplus::new(2.0, 1.0),
        [
            0.0012378425688652247,
            0.11020870495922547,
            0.34657359027997264,
            0.5855503329738889,
            2.5,
        ],
    );
    check_grads(&Softplus::default());
    check_grads(&Softplus::new(2.0, 1.0));
    assert_eq!(
        Softplus::default().to_string(),
        "Softplus(beta=1.0, threshold=20.0)"
    );
    assert_eq!(
        Softplus::new(2.0, 1.0).to_string(),
        "Softplus(beta=2.0, threshold=1.0)"
    );
}

#[test]
fn elu() {
    check_values(
        &ELU::default(),
        [-0.950212931632136, -0.5034146962085905, 0.0, 0.4, 2.5],
    );
    check_values(
        &ELU::new(0.5),
        [-0.475106465816068, -0.25170734810429524, 0.0, 0.4, 2.5],
    );
    check_grads(&ELU::default());
    check_grads(&ELU::new(0.5));
    assert_eq!(ELU::default().to_string(), "ELU(alpha=1.0)");
    assert_eq!(ELU::new(0.5).to_string(), "ELU(alpha=0.5)");
}

#[test]
fn identity() {
    assert_eq!(Identity.forward(&X), X);
    check_grads(&Identity);
    assert_eq!(Identity.to_string(), "Identity()");
}

/// Away from the kinks at 0 and 6 (ReLU6), ±3 (Hardswish, Hardsigmoid).
const SMOOTH: [f32; 6] = [-4.0, -2.5, 0.4, 2.5, 5.5, 6.5];

/// `(x, f(x), f'(x))` for each `x`: the value exactly, the gradient of `dy = 2` exactly.
fn check_exact(layer: &impl Layer<[f32; 8], [f32; 8]>, cases: [(f32, f32, f32); 8]) {
    let (x, y, dx) = (cases.map(|c| c.0), cases.map(|c| c.1), cases.map(|c| c.2));
    let got = layer.forward(&x);
    assert_eq!(
        got.map(f32::to_bits),
        y.map(f32::to_bits),
        "values at {x:?}"
    );
    let grads = layer.backward_input(&x, &got, &[2.0; 8]);
    assert_eq!(grads, dx, "gradients at {x:?}");
}

/// `hardtanh(x, 0, 6)` and `hardtanh_backward`: zero gradient at both kinks.
#[test]
fn relu6() {
    check_exact(
        &ReLU6,
        [
            (-1.0, 0.0, 0.0),
            (-0.0, -0.0, 0.0),
            (0.0, 0.0, 0.0),
            (1e-30, 1e-30, 2.0),
            (3.0, 3.0, 2.0),
            (5.999_999_5, 5.999_999_5, 2.0),
            (6.0, 6.0, 0.0),
            (7.5, 6.0, 0.0),
        ],
    );
    assert!(ReLU6.forward(&[f32::NAN])[0].is_nan());
    check_grads_at(&ReLU6, SMOOTH);
    assert_eq!(ReLU6.to_string(), "ReLU6()");
}

/// `x * min(max(x + 3, 0), 6) / 6` and `hardswish_backward`: `-0.5 dy` at -3, `1.5 dy` at 3.
#[test]
fn hardswish() {
    check_exact(
        &Hardswish,
        [
            (-4.0, -0.0, 0.0),
            (-3.0, -0.0, -1.0),
            (-1.5, -0.375, 0.0),
            (0.0, 0.0, 1.0),
            (1.5, 1.125, 2.0),
            (3.0, 3.0, 3.0),
            (3.5, 3.5, 2.0),
            (-3.5, -0.0, 0.0),
        ],
    );
    // Between the kinks, x (x + 3) / 6; rounded as PyTorch's kernel rounds it.
    let y = Hardswish.forward(&[0.7, -2.2, 2.9, 0.1, 1.0, -1.0]);
    for (x, y) in [0.7f32, -2.2, 2.9, 0.1, 1.0, -1.0].iter().zip(y) {
        let want = f64::from(*x) * (f64::from(*x) + 3.0) / 6.0;
        assert!(
            (f64::from(y) - want).abs() <= 1e-6 * want.abs().max(1.0),
            "{x}"
        );
    }
    check_grads_at(&Hardswish, SMOOTH);
    assert_eq!(Hardswish.to_string(), "Hardswish()");
}

/// `min(max(x + 3, 0), 6) / 6` and `hardsigmoid_backward`: `dy · (1/6)` strictly inside ±3.
#[test]
fn hardsigmoid() {
    let sixth = 2.0 * (1.0f32 / 6.0);
    check_exact(
        &Hardsigmoid,
        [
            (-4.0, 0.0, 0.0),
            (-3.0, 0.0, 0.0),
            (-1.5, 0.25, sixth),
            (0.0, 0.5, sixth),
            (1.5, 0.75, sixth),
            (3.0, 1.0, 0.0),
            (9.0, 1.0, 0.0),
            (-2.999_999_8, 2.0 * f32::EPSILON / 6.0, sixth),
        ],
    );
    check_grads_at(&Hardsigmoid, SMOOTH);
    assert_eq!(Hardsigmoid.to_string(), "Hardsigmoid()");
}

/// Zeroed memory is a valid GELU, and the exact one: `Approximate::None` is the zero byte.
#[cfg(feature = "alloc")]
#[test]
fn a_zeroed_gelu_is_the_exact_one() {
    assert_eq!(*crate::heap::zeroed_box::<GELU>(), GELU::EXACT);
    assert_eq!(core::mem::size_of::<GELU>(), 1);
}
