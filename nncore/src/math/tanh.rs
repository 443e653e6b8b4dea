//! A fast tanh that stays accurate: a rational function with a clamp, exactly ±1 where tanh
//! saturates.

/// The rational function is fitted on ±`TANH_CLAMP`, and its input clamped to it.
pub(super) const TANH_CLAMP: f64 = 9.0;

/// From `|x| ≥ SATURATION` on, tanh is exactly ±1 (so its gradient `1 - y²` is 0, as
/// PyTorch's is). By default: the smallest f32 whose correctly rounded tanh is 1.0,
/// 9.010913848876953 (13 ln 2 rounded up; just below it tanh rounds to 0.99999994).
#[cfg(not(nn_tanh_f32))]
pub(super) const SATURATION: f32 = f32::from_bits(0x4110_2cb4);

/// With `fast-tanh`: the smallest f32 at which the rational, evaluated in f32, reaches 1.0,
/// 7.850532. Beyond it that evaluation wanders between 0.9999999 and 1.0000004; the exact tanh
/// there is within 5.1 ULP of 1, inside the error bound of that evaluation (below).
#[cfg(nn_tanh_f32)]
pub(super) const SATURATION: f32 = f32::from_bits(0x40fb_378f);

// tanh(x) = x P(x²) / Q(x²), fitted for least maximum relative error on |x| ≤ 9 by
// `scripts/fit_tanh.py` (approximation error 6.6e-9 before rounding the coefficients).
pub(super) const P: [f64; 7] = [
    1.0,
    0.130_840_131_061_784_4,
    0.003_103_959_508_761_94,
    1.115_434_278_464_026_6e-5,
    -2.022_536_553_549_971e-8,
    5.278_014_709_970_965e-11,
    -8.488_875_486_720_506e-14,
];
pub(super) const Q: [f64; 4] = [
    1.0,
    0.464_173_404_281_740_36,
    0.024_495_191_562_335_688,
    0.000_254_615_001_956_143_5,
];

/// The hyperbolic tangent, as a rational function of `x` with a clamp: no table, no branch, no
/// platform math, so it vectorizes and gives the same bits on every target.
///
/// Largest error against the correctly rounded tanh, over every f32 in ±9.5 (the function is
/// odd and saturated beyond): 0.68 ULP, 7.0e-8 relative, evaluated in f64 (the default, close
/// enough to keep gradients within 1e-5 of PyTorch's); 6.3 ULP, 3.8e-7 relative, with the
/// `fast-tanh` feature, which evaluates the same rational in f32 at about half the cost
/// (`cargo test -p nncore --release --lib -- --ignored tanh_every_f32`, with and without
/// `--features fast-tanh`). On bare-metal Arm targets (no double-precision hardware: `f64` in
/// software costs about 40 times as much) the f32 evaluation is the only one.
///
/// By default it is monotonic and exactly ±1 from |x| = 9.010913848876953 on, where the
/// correctly rounded tanh reaches ±1. With `fast-tanh` it is exactly ±1 from |x| = 7.850532
/// on, where the f32 evaluation first reaches 1, and smaller in magnitude before. `tanh(NaN)`
/// is NaN.
#[inline]
#[must_use]
pub fn tanh(x: f32) -> f32 {
    #[cfg(nn_tanh_f32)]
    let y = rational::<f32>(x);
    #[cfg(not(nn_tanh_f32))]
    let y = rational::<f64>(f64::from(x)) as f32;
    // A select, not a branch, so that loops over it vectorize. NaN compares false: it stays NaN.
    if x.abs() >= SATURATION {
        1.0f32.copysign(x)
    } else {
        y
    }
}

/// `x P(x²) / Q(x²)` on the clamped `x`, in the precision `F`.
#[inline]
fn rational<F: Float>(x: F) -> F {
    let x = x.clamp_to(F::from_f64(TANH_CLAMP));
    let s = x * x;
    let mut p = F::from_f64(P[6]);
    for &c in P[..6].iter().rev() {
        p = p * s + F::from_f64(c);
    }
    let mut q = F::from_f64(Q[3]);
    for &c in Q[..3].iter().rev() {
        q = q * s + F::from_f64(c);
    }
    x * p / q
}

/// The arithmetic `rational` needs, for f32 and f64.
trait Float:
    Copy + core::ops::Mul<Output = Self> + core::ops::Add<Output = Self> + core::ops::Div<Output = Self>
{
    fn from_f64(c: f64) -> Self;
    fn clamp_to(self, bound: Self) -> Self;
}

impl Float for f32 {
    #[inline]
    fn from_f64(c: f64) -> Self {
        c as f32
    }
    #[inline]
    fn clamp_to(self, bound: Self) -> Self {
        self.clamp(-bound, bound)
    }
}

impl Float for f64 {
    #[inline]
    fn from_f64(c: f64) -> Self {
        c
    }
    #[inline]
    fn clamp_to(self, bound: Self) -> Self {
        self.clamp(-bound, bound)
    }
}

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::{SATURATION, tanh};

    /// The bounds the doc comment of `tanh` states, for each evaluation.
    #[cfg(nn_tanh_f32)]
    const MAX_ULP: f64 = 6.4;
    #[cfg(nn_tanh_f32)]
    const MAX_REL: f64 = 3.8e-7;
    #[cfg(not(nn_tanh_f32))]
    const MAX_ULP: f64 = 0.7;
    #[cfg(not(nn_tanh_f32))]
    const MAX_REL: f64 = 7.1e-8;

    /// The distance from `y` to the exact `reference`, in units of the f32 spacing there.
    fn ulps(y: f32, reference: f64) -> f64 {
        let r = reference as f32;
        let spacing = f32::from_bits(r.abs().to_bits() + 1) - r.abs();
        (f64::from(y) - reference).abs() / f64::from(spacing)
    }

    /// The largest error of `tanh` over the non-negative f32 below 9.5 whose bits are a multiple
    /// of `stride`, as (ULP, relative). By default it also checks that `tanh` never decreases.
    fn max_error(stride: usize) -> (f64, f64) {
        let end = 9.5f32.to_bits();
        let (mut worst_ulp, mut worst_rel) = (0.0f64, 0.0f64);
        let mut previous = 0.0f32;
        for bits in (0..end).step_by(stride).chain([end]) {
            let x = f32::from_bits(bits);
            let exact = f64::from(x).tanh();
            let y = tanh(x);
            assert_eq!(tanh(-x).to_bits(), (-y).to_bits(), "tanh is odd at {x}");
            assert!(y <= 1.0, "tanh({x}) = {y}");
            if cfg!(not(nn_tanh_f32)) {
                assert!(y >= previous, "tanh decreases at {x}: {previous} then {y}");
            }
            previous = y;
            if exact != 0.0 {
                worst_ulp = worst_ulp.max(ulps(y, exact));
                worst_rel = worst_rel.max((f64::from(y) - exact).abs() / exact);
            }
        }
        (worst_ulp, worst_rel)
    }

    #[test]
    fn tanh_error_on_a_dense_sweep() {
        let (ulp, rel) = max_error(997);
        assert!(
            ulp <= MAX_ULP && rel <= MAX_REL,
            "max error {ulp} ULP, {rel:e} relative"
        );
    }

    /// Every f32 in ±9.5; about a minute in a release build.
    #[test]
    #[ignore = "sweeps a billion values"]
    fn tanh_every_f32() {
        let (ulp, rel) = max_error(1);
        std::println!("tanh: max error {ulp} ULP, {rel:e} relative");
        assert!(
            ulp <= MAX_ULP && rel <= MAX_REL,
            "max error {ulp} ULP, {rel:e} relative"
        );
    }

    /// The f32 just below `x` (for positive `x`).
    fn below(x: f32) -> f32 {
        f32::from_bits(x.to_bits() - 1)
    }

    #[test]
    fn tanh_edges() {
        assert!(tanh(f32::NAN).is_nan());
        assert!(tanh(-f32::NAN).is_nan());
        for x in [f32::INFINITY, f32::MAX, 100.0, 9.5, SATURATION] {
            assert_eq!(tanh(x), 1.0, "tanh({x})");
            assert_eq!(tanh(-x), -1.0, "tanh(-{x})");
        }
        assert!(tanh(below(SATURATION)) < 1.0);
        assert_eq!(tanh(0.0).to_bits(), 0.0f32.to_bits());
        assert_eq!(tanh(-0.0).to_bits(), (-0.0f32).to_bits());
        assert_eq!(tanh(1e-30), 1e-30);
    }

    /// By default, saturation starts exactly where the correctly rounded tanh reaches 1.
    #[cfg(not(nn_tanh_f32))]
    #[test]
    fn tanh_saturates_where_the_correctly_rounded_one_does() {
        let rounded = |x: f32| f64::from(x).tanh() as f32;
        assert_eq!(rounded(SATURATION), 1.0);
        assert_eq!(rounded(below(SATURATION)), 0.999_999_94);
        assert_eq!(tanh(below(SATURATION)), 0.999_999_94);
        assert_eq!(SATURATION, 9.010_914);
    }

    /// With `fast-tanh`, saturation starts where the f32 evaluation first reaches 1.
    #[cfg(nn_tanh_f32)]
    #[test]
    fn tanh_saturates_where_the_f32_evaluation_reaches_one() {
        assert!(super::rational::<f32>(SATURATION) >= 1.0);
        assert!(super::rational::<f32>(below(SATURATION)) < 1.0);
    }

    /// Every f32 from 7 to 10: below 1 until `SATURATION`, exactly 1 from it on, and (by
    /// default) never decreasing.
    #[test]
    fn tanh_is_monotonic_near_saturation() {
        let mut previous = tanh(7.0);
        for bits in 7.0f32.to_bits()..=10.0f32.to_bits() {
            let x = f32::from_bits(bits);
            let y = tanh(x);
            if x < SATURATION {
                assert!(y < 1.0, "tanh({x}) = {y} before saturation");
            } else {
                assert_eq!(y, 1.0, "tanh({x})");
            }
            if cfg!(not(nn_tanh_f32)) {
                assert!(y >= previous, "tanh decreases at {x}: {previous} then {y}");
            }
            previous = y;
        }
    }
}
