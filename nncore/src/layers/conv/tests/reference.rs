//! A convolution and its gradients straight from PyTorch's definition, in f64, each value
//! with the sum of the absolute values of its terms: the scale of the rounding an f32 sum of
//! the same terms, in any order, may make.

extern crate std;
use std::vec::Vec;

/// The relative tolerance, against the sum of the absolute values of a value's terms.
const TOLERANCE: f64 = 1e-5;

/// A layer's sizes and settings, `[rows, columns]` along the axes (`Conv1d` one row high).
#[derive(Clone, Copy, Debug)]
pub(super) struct Conv {
    pub(super) in_per_group: usize,
    pub(super) groups: usize,
    pub(super) out: usize,
    pub(super) input: [usize; 2],
    pub(super) output: [usize; 2],
    pub(super) kernel: [usize; 2],
    pub(super) stride: [usize; 2],
    pub(super) padding: [usize; 2],
    pub(super) dilation: [usize; 2],
}

impl Conv {
    /// Input channels.
    pub(super) fn channels(&self) -> usize {
        self.in_per_group * self.groups
    }

    /// Floats of one input sample.
    pub(super) fn x_len(&self) -> usize {
        self.channels() * self.input[0] * self.input[1]
    }

    /// Floats of one output sample.
    pub(super) fn y_len(&self) -> usize {
        self.out * self.output[0] * self.output[1]
    }

    /// Floats of the weight.
    pub(super) fn w_len(&self) -> usize {
        self.out * self.in_per_group * self.kernel[0] * self.kernel[1]
    }

    /// The input index `o · stride + t · dilation - padding` along `axis`, if inside.
    fn at(&self, axis: usize, o: usize, t: usize) -> Option<usize> {
        (o * self.stride[axis] + t * self.dilation[axis])
            .checked_sub(self.padding[axis])
            .filter(|&i| i < self.input[axis])
    }
}

/// Sums of products in f64, with the sums of their absolute values.
pub(super) struct Sums {
    value: Vec<f64>,
    scale: Vec<f64>,
}

impl Sums {
    fn new(n: usize) -> Self {
        Sums {
            value: std::vec![0.0; n],
            scale: std::vec![0.0; n],
        }
    }

    /// Adds `a · b` to sum `i`.
    #[inline]
    fn add(&mut self, i: usize, a: f32, b: f32) {
        let p = f64::from(a) * f64::from(b);
        self.value[i] += p;
        self.scale[i] += p.abs();
    }

    /// Asserts that `got` holds the sums, each within [`TOLERANCE`] of its scale.
    pub(super) fn check(&self, got: &[f32], what: &dyn core::fmt::Display) {
        assert_eq!(got.len(), self.value.len(), "{what}: lengths");
        for (i, ((&g, &v), &s)) in got.iter().zip(&self.value).zip(&self.scale).enumerate() {
            let tolerance = TOLERANCE * s;
            assert!(
                (f64::from(g) - v).abs() <= tolerance,
                "{what} at {i}: {g} against {v} (± {tolerance:e})"
            );
        }
    }
}

/// A batch's forward and gradients.
pub(super) struct Expected {
    /// The outputs, sample after sample.
    pub(super) y: Sums,
    /// The input gradients, sample after sample.
    pub(super) dx: Sums,
    /// The weight and bias gradients of the whole batch, added onto the initial ones.
    pub(super) dw: Sums,
    pub(super) db: Sums,
}

/// The forward of the samples `x` (one after another, [`Conv::x_len`] floats each) and, for
/// the output gradients `dy`, the input gradients and the parameter gradients added onto `dw0`
/// and `db0` (no bias gradient for an empty `db0`: a layer without bias). Flat row-major tensors: `w[o][c][kh][kw]`, `x[c][ih][iw]`, `y[o][oh][ow]`.
pub(super) fn expected(
    conv: &Conv,
    [w, b]: [&[f32]; 2],
    [dw0, db0]: [&[f32]; 2],
    x: &[f32],
    dy: &[f32],
) -> Expected {
    let ([h, wi], [ho, wo], [kh, kw]) = (conv.input, conv.output, conv.kernel);
    let (ipg, opg) = (conv.in_per_group, conv.out / conv.groups);
    let samples = x.len() / conv.x_len();
    let mut e = Expected {
        y: Sums::new(dy.len()),
        dx: Sums::new(x.len()),
        dw: Sums::new(w.len()),
        db: Sums::new(db0.len()),
    };
    for (i, &g) in dw0.iter().enumerate() {
        e.dw.add(i, g, 1.0);
    }
    for (o, &g) in db0.iter().enumerate() {
        e.db.add(o, g, 1.0);
    }
    for n in 0..samples {
        let (x0, y0) = (n * conv.x_len(), n * conv.y_len());
        for (o, &bias) in b.iter().enumerate() {
            for p in 0..ho * wo {
                let yi = y0 + o * ho * wo + p;
                e.y.add(yi, bias, 1.0);
                if !db0.is_empty() {
                    e.db.add(o, dy[yi], 1.0);
                }
            }
            for c in 0..ipg {
                let channel = x0 + (o / opg * ipg + c) * h * wi;
                for (i, j) in (0..kh).flat_map(|i| (0..kw).map(move |j| (i, j))) {
                    let wj = ((o * ipg + c) * kh + i) * kw + j;
                    for oh in 0..ho {
                        let Some(ih) = conv.at(0, oh, i) else {
                            continue;
                        };
                        for ow in 0..wo {
                            let Some(iw) = conv.at(1, ow, j) else {
                                continue;
                            };
                            let (xi, yi) = (channel + ih * wi + iw, y0 + (o * ho + oh) * wo + ow);
                            e.y.add(yi, w[wj], x[xi]);
                            e.dx.add(xi, w[wj], dy[yi]);
                            e.dw.add(wj, dy[yi], x[xi]);
                        }
                    }
                }
            }
        }
    }
    e
}
