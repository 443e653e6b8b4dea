//! `nn.Linear`: `y = W x + b`.

use core::fmt;

use crate::math::sqrt;
use crate::{Layer, Module, Name, Param, ParamMut, Shape};
use rand::distr::{Distribution, Uniform};

/// A fully connected layer, `y = W x + b` (PyTorch's `nn.Linear(IN, OUT)`).
///
/// `weight` is `[[f32; IN]; OUT]`: PyTorch's `[out_features, in_features]`, row-major.
#[derive(Clone, Debug, PartialEq)]
pub struct Linear<const IN: usize, const OUT: usize> {
    /// `weight[o][i]` connects input `i` to output `o`.
    pub weight: [[f32; IN]; OUT],
    /// One bias per output.
    pub bias: [f32; OUT],
}

/// A fully connected layer without bias, `y = W x` (`nn.Linear(IN, OUT, bias=False)`).
///
/// `weight` is `[[f32; IN]; OUT]`, as in [`Linear`].
#[derive(Clone, Debug, PartialEq)]
pub struct LinearNoBias<const IN: usize, const OUT: usize> {
    /// `weight[o][i]` connects input `i` to output `o`.
    pub weight: [[f32; IN]; OUT],
}

impl<const IN: usize, const OUT: usize> Linear<IN, OUT> {
    /// A layer whose parameters are all zero.
    pub const ZERO: Self = Linear {
        weight: [[0.0; IN]; OUT],
        bias: [0.0; OUT],
    };

    /// PyTorch's default initialization: weight and bias uniform in ±1/√IN (zero for `IN = 0`).
    pub fn init<R: rand::Rng + ?Sized>(rng: &mut R) -> Self {
        let mut layer = Self::ZERO;
        layer.reset_parameters(rng);
        layer
    }

    /// Draws new parameters in place, as [`Linear::init`] does (`reset_parameters()`).
    pub fn reset_parameters<R: rand::Rng + ?Sized>(&mut self, rng: &mut R) {
        let dist = init_distribution(IN);
        fill(self.weight.as_flattened_mut(), dist.as_ref(), rng);
        fill(&mut self.bias, dist.as_ref(), rng);
    }
}

impl<const IN: usize, const OUT: usize> LinearNoBias<IN, OUT> {
    /// A layer whose weights are all zero.
    pub const ZERO: Self = LinearNoBias {
        weight: [[0.0; IN]; OUT],
    };

    /// PyTorch's default initialization: weight uniform in ±1/√IN (empty for `IN = 0`).
    pub fn init<R: rand::Rng + ?Sized>(rng: &mut R) -> Self {
        let mut layer = Self::ZERO;
        layer.reset_parameters(rng);
        layer
    }

    /// Draws new weights in place, as [`LinearNoBias::init`] does (`reset_parameters()`).
    pub fn reset_parameters<R: rand::Rng + ?Sized>(&mut self, rng: &mut R) {
        fill(
            self.weight.as_flattened_mut(),
            init_distribution(IN).as_ref(),
            rng,
        );
    }
}

/// The `Linear` whose weight (row-major) then bias are the first `IN * OUT + OUT` values of
/// `params`; for `from_params` written by `sequential!`, which passes enough values.
#[doc(hidden)]
#[must_use]
pub const fn linear_from_params<const IN: usize, const OUT: usize>(
    params: &[f32],
) -> Linear<IN, OUT> {
    let mut layer = Linear::ZERO;
    let mut o = 0;
    while o < OUT {
        let mut i = 0;
        while i < IN {
            layer.weight[o][i] = params[o * IN + i];
            i += 1;
        }
        layer.bias[o] = params[IN * OUT + o];
        o += 1;
    }
    layer
}

/// The `LinearNoBias` whose weight is the first `IN * OUT` values of `params`, row-major.
#[doc(hidden)]
#[must_use]
pub const fn linear_no_bias_from_params<const IN: usize, const OUT: usize>(
    params: &[f32],
) -> LinearNoBias<IN, OUT> {
    let mut layer = LinearNoBias::ZERO;
    let mut o = 0;
    while o < OUT {
        let mut i = 0;
        while i < IN {
            layer.weight[o][i] = params[o * IN + i];
            i += 1;
        }
        o += 1;
    }
    layer
}

/// `kaiming_uniform_(a=√5)` on the weight and the bias rule of `nn.Linear.reset_parameters`
/// both come to U(-1/√fan_in, 1/√fan_in). Without inputs PyTorch's bound is 0: `None`, zeros.
pub(crate) fn init_distribution(fan_in: usize) -> Option<Uniform<f32>> {
    if fan_in == 0 {
        return None;
    }
    let bound = 1.0 / sqrt(fan_in as f32);
    Uniform::new(-bound, bound).ok()
}

/// Draws every value from `dist`, or sets it to zero for `None`.
pub(crate) fn fill<R: rand::Rng + ?Sized>(
    values: &mut [f32],
    dist: Option<&Uniform<f32>>,
    rng: &mut R,
) {
    match dist {
        Some(dist) => values.iter_mut().for_each(|v| *v = dist.sample(rng)),
        None => values.fill(0.0),
    }
}

/// `W x`, without bias. Each output sums its products in input order, as the block form does.
#[inline]
fn matvec<const IN: usize, const OUT: usize>(
    weight: &[[f32; IN]; OUT],
    x: &[f32; IN],
) -> [f32; OUT] {
    let mut y = [0.0; OUT];
    for (yo, row) in y.iter_mut().zip(weight) {
        for (w, x) in row.iter().zip(x) {
            *yo += w * x;
        }
    }
    y
}

/// `y[o][b] = bias[o] + Σᵢ W[o][i] x[i][b]` for a block, samples inside so that it vectorizes.
#[inline]
fn matmul_block<const IN: usize, const OUT: usize, const B: usize>(
    weight: &[[f32; IN]; OUT],
    bias: Option<&[f32; OUT]>,
    x: &[[f32; B]; IN],
    y: &mut [[f32; B]; OUT],
) {
    for (o, (yo, row)) in y.iter_mut().zip(weight).enumerate() {
        let mut acc = [0.0; B];
        for (&w, xi) in row.iter().zip(x) {
            for (a, &xb) in acc.iter_mut().zip(xi) {
                *a += w * xb;
            }
        }
        if let Some(bias) = bias {
            for a in &mut acc {
                *a += bias[o];
            }
        }
        *yo = acc;
    }
}

/// `dW += Σ_b dy[·][b] x[·][b]ᵀ` over a block.
#[inline]
fn add_outer_block<const IN: usize, const OUT: usize, const B: usize>(
    dw: &mut [[f32; IN]; OUT],
    dy: &[[f32; B]; OUT],
    x: &[[f32; B]; IN],
) {
    for (row, d) in dw.iter_mut().zip(dy) {
        for (g, xi) in row.iter_mut().zip(x) {
            let mut sum = 0.0;
            for (&d, &xb) in d.iter().zip(xi) {
                sum += d * xb;
            }
            *g += sum;
        }
    }
}

/// `dx[·][b] = Wᵀ dy[·][b]` over a block.
#[inline]
fn matmul_transposed_block<const IN: usize, const OUT: usize, const B: usize>(
    weight: &[[f32; IN]; OUT],
    dy: &[[f32; B]; OUT],
    dx: &mut [[f32; B]; IN],
) {
    for (i, dxi) in dx.iter_mut().enumerate() {
        let mut acc = [0.0; B];
        for (row, d) in weight.iter().zip(dy) {
            let w = row[i];
            for (a, &db) in acc.iter_mut().zip(d) {
                *a += w * db;
            }
        }
        *dxi = acc;
    }
}

/// `dW += dy xᵀ`.
#[inline]
fn add_outer<const IN: usize, const OUT: usize>(
    dw: &mut [[f32; IN]; OUT],
    dy: &[f32; OUT],
    x: &[f32; IN],
) {
    for (row, &d) in dw.iter_mut().zip(dy) {
        for (g, &xi) in row.iter_mut().zip(x) {
            *g += d * xi;
        }
    }
}

/// `Wᵀ dy`.
#[inline]
fn matvec_transposed<const IN: usize, const OUT: usize>(
    weight: &[[f32; IN]; OUT],
    dy: &[f32; OUT],
) -> [f32; IN] {
    let mut dx = [0.0; IN];
    for (row, &d) in weight.iter().zip(dy) {
        for (g, &w) in dx.iter_mut().zip(row) {
            *g += w * d;
        }
    }
    dx
}

/// Samples a batch kernel takes at once, gathered feature-major so that its loops over them
/// vectorize.
const TILE: usize = 8;

/// The most bytes a tile of inputs or outputs takes on the stack; wider layers run their
/// batches one sample at a time.
const TILE_BYTES: usize = 64 * 1024;

/// Whether a layer from `IN` to `OUT` features runs its batches in tiles.
const fn tiled(inputs: usize, outputs: usize) -> bool {
    let widest = if inputs > outputs { inputs } else { outputs };
    widest * TILE * core::mem::size_of::<f32>() <= TILE_BYTES
}

/// The samples `xs` (at most `TILE`) feature-major, zero past the last.
#[inline(always)]
fn gather<const N: usize>(xs: &[[f32; N]]) -> [[f32; TILE]; N] {
    let mut tile = [[0.0; TILE]; N];
    for (b, x) in xs.iter().enumerate().take(TILE) {
        for (row, &v) in tile.iter_mut().zip(x) {
            row[b] = v;
        }
    }
    tile
}

/// Writes the first `out.len()` samples of a feature-major tile into `out`.
#[inline(always)]
fn scatter<const N: usize>(tile: &[[f32; TILE]; N], out: &mut [[f32; N]]) {
    for (b, y) in out.iter_mut().enumerate().take(TILE) {
        for (v, row) in y.iter_mut().zip(tile) {
            *v = row[b];
        }
    }
}

/// A Linear's batch forward, tile by tile.
#[inline]
fn forward_tiles<const IN: usize, const OUT: usize>(
    weight: &[[f32; IN]; OUT],
    bias: Option<&[f32; OUT]>,
    x: &[[f32; IN]],
    y: &mut [[f32; OUT]],
) {
    for (x, y) in x.chunks(TILE).zip(y.chunks_mut(TILE)) {
        let mut tile = [[0.0; TILE]; OUT];
        matmul_block(weight, bias, &gather(x), &mut tile);
        scatter(&tile, y);
    }
}

/// A Linear's batch weight gradient, tile by tile; the bias gradient too if there is one.
#[inline]
fn backward_params_tiles<const IN: usize, const OUT: usize>(
    dw: &mut [[f32; IN]; OUT],
    db: Option<&mut [f32; OUT]>,
    x: &[[f32; IN]],
    dy: &[[f32; OUT]],
) {
    let mut db = db;
    for (x, dy) in x.chunks(TILE).zip(dy.chunks(TILE)) {
        let dy = gather(dy);
        add_outer_block(dw, &dy, &gather(x));
        if let Some(db) = db.as_deref_mut() {
            for (g, d) in db.iter_mut().zip(&dy) {
                *g += d.iter().sum::<f32>();
            }
        }
    }
}

/// A Linear's batch input gradient, tile by tile.
#[inline]
fn backward_input_tiles<const IN: usize, const OUT: usize>(
    weight: &[[f32; IN]; OUT],
    dy: &[[f32; OUT]],
    dx: &mut [[f32; IN]],
) {
    for (dy, dx) in dy.chunks(TILE).zip(dx.chunks_mut(TILE)) {
        let mut tile = [[0.0; TILE]; IN];
        matmul_transposed_block(weight, &gather(dy), &mut tile);
        scatter(&tile, dx);
    }
}

impl<const IN: usize, const OUT: usize> Layer<[f32; IN], [f32; OUT]> for Linear<IN, OUT> {
    #[inline]
    fn forward(&self, x: &[f32; IN]) -> [f32; OUT] {
        let mut y = matvec(&self.weight, x);
        for (yo, b) in y.iter_mut().zip(&self.bias) {
            *yo += b;
        }
        y
    }

    #[inline]
    fn backward_params(&self, x: &[f32; IN], _y: &[f32; OUT], dy: &[f32; OUT], grads: &mut Self) {
        add_outer(&mut grads.weight, dy, x);
        for (g, d) in grads.bias.iter_mut().zip(dy) {
            *g += d;
        }
    }

    #[inline]
    fn backward_input(&self, _x: &[f32; IN], _y: &[f32; OUT], dy: &[f32; OUT]) -> [f32; IN] {
        matvec_transposed(&self.weight, dy)
    }

    #[inline]
    fn forward_batch(&self, x: &[[f32; IN]], y: &mut [[f32; OUT]]) {
        if tiled(IN, OUT) {
            forward_tiles(&self.weight, Some(&self.bias), x, y);
        } else {
            x.iter().zip(y).for_each(|(x, y)| *y = self.forward(x));
        }
    }

    #[inline]
    fn backward_params_batch(
        &self,
        x: &[[f32; IN]],
        y: &[[f32; OUT]],
        dy: &[[f32; OUT]],
        grads: &mut Self,
    ) {
        if tiled(IN, OUT) {
            backward_params_tiles(&mut grads.weight, Some(&mut grads.bias), x, dy);
        } else {
            for ((x, y), dy) in x.iter().zip(y).zip(dy) {
                self.backward_params(x, y, dy, grads);
            }
        }
    }

    #[inline]
    fn backward_input_batch(
        &self,
        x: &[[f32; IN]],
        y: &[[f32; OUT]],
        dy: &[[f32; OUT]],
        dx: &mut [[f32; IN]],
    ) {
        if tiled(IN, OUT) {
            backward_input_tiles(&self.weight, dy, dx);
        } else {
            for (((x, y), dy), dx) in x.iter().zip(y).zip(dy).zip(dx) {
                *dx = self.backward_input(x, y, dy);
            }
        }
    }
}

impl<const IN: usize, const OUT: usize> Layer<[f32; IN], [f32; OUT]> for LinearNoBias<IN, OUT> {
    #[inline]
    fn forward(&self, x: &[f32; IN]) -> [f32; OUT] {
        matvec(&self.weight, x)
    }

    #[inline]
    fn backward_params(&self, x: &[f32; IN], _y: &[f32; OUT], dy: &[f32; OUT], grads: &mut Self) {
        add_outer(&mut grads.weight, dy, x);
    }

    #[inline]
    fn backward_input(&self, _x: &[f32; IN], _y: &[f32; OUT], dy: &[f32; OUT]) -> [f32; IN] {
        matvec_transposed(&self.weight, dy)
    }

    #[inline]
    fn forward_batch(&self, x: &[[f32; IN]], y: &mut [[f32; OUT]]) {
        if tiled(IN, OUT) {
            forward_tiles(&self.weight, None, x, y);
        } else {
            x.iter().zip(y).for_each(|(x, y)| *y = self.forward(x));
        }
    }

    #[inline]
    fn backward_params_batch(
        &self,
        x: &[[f32; IN]],
        y: &[[f32; OUT]],
        dy: &[[f32; OUT]],
        grads: &mut Self,
    ) {
        if tiled(IN, OUT) {
            backward_params_tiles(&mut grads.weight, None, x, dy);
        } else {
            for ((x, y), dy) in x.iter().zip(y).zip(dy) {
                self.backward_params(x, y, dy, grads);
            }
        }
    }

    #[inline]
    fn backward_input_batch(
        &self,
        x: &[[f32; IN]],
        y: &[[f32; OUT]],
        dy: &[[f32; OUT]],
        dx: &mut [[f32; IN]],
    ) {
        if tiled(IN, OUT) {
            backward_input_tiles(&self.weight, dy, dx);
        } else {
            for (((x, y), dy), dx) in x.iter().zip(y).zip(dy).zip(dx) {
                *dx = self.backward_input(x, y, dy);
            }
        }
    }
}

const WEIGHT: Name = Name::local("weight");
const BIAS: Name = Name::local("bias");

// SAFETY: the fields are arrays of `f32`, and all-zero bits are the `f32` `0.0`.
unsafe impl<const IN: usize, const OUT: usize> crate::heap::Zeroable for Linear<IN, OUT> {}

impl<const IN: usize, const OUT: usize> Module for Linear<IN, OUT> {
    const NUM_PARAMS: usize = IN * OUT + OUT;
    const MULTIPLY_ADDS: usize = IN * OUT;
    const MAX_WIDTH: usize = if IN > OUT { IN } else { OUT };

    fn zeros() -> Self {
        Self::ZERO
    }

    #[cfg(feature = "alloc")]
    fn zeros_boxed() -> alloc::boxed::Box<Self> {
        crate::heap::zeroed_box()
    }

    fn parameters(&self) -> impl Iterator<Item = Param<'_>> {
        [
            Param {
                name: WEIGHT,
                shape: Shape::matrix(OUT, IN),
                data: self.weight.as_flattened(),
            },
            Param {
                name: BIAS,
                shape: Shape::vector(OUT),
                data: &self.bias,
            },
        ]
        .into_iter()
    }

    fn parameters_mut(&mut self) -> impl Iterator<Item = ParamMut<'_>> {
        [
            ParamMut {
                name: WEIGHT,
                shape: Shape::matrix(OUT, IN),
                data: self.weight.as_flattened_mut(),
            },
            ParamMut {
                name: BIAS,
                shape: Shape::vector(OUT),
                data: &mut self.bias,
            },
        ]
        .into_iter()
    }
}

// SAFETY: the fields are arrays of `f32`, and all-zero bits are the `f32` `0.0`.
unsafe impl<const IN: usize, const OUT: usize> crate::heap::Zeroable for LinearNoBias<IN, OUT> {}

impl<const IN: usize, const OUT: usize> Module for LinearNoBias<IN, OUT> {
    const NUM_PARAMS: usize = IN * OUT;
    const MULTIPLY_ADDS: usize = IN * OUT;
    const MAX_WIDTH: usize = if IN > OUT { IN } else { OUT };

    fn zeros() -> Self {
        Self::ZERO
    }

    #[cfg(feature = "alloc")]
    fn zeros_boxed() -> alloc::boxed::Box<Self> {
        crate::heap::zeroed_box()
    }

    fn parameters(&self) -> impl Iterator<Item = Param<'_>> {
        core::iter::once(Param {
            name: WEIGHT,
            shape: Shape::matrix(OUT, IN),
            data: self.weight.as_flattened(),
        })
    }

    fn parameters_mut(&mut self) -> impl Iterator<Item = ParamMut<'_>> {
        core::iter::once(ParamMut {
            name: WEIGHT,
            shape: Shape::matrix(OUT, IN),
            data: self.weight.as_flattened_mut(),
        })
    }
}

impl<const IN: usize, const OUT: usize> fmt::Display for Linear<IN, OUT> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Linear(in_features={IN}, out_features={OUT}, bias=True)")
    }
}

impl<const IN: usize, const OUT: usize> fmt::Display for LinearNoBias<IN, OUT> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Linear(in_features={IN}, out_features={OUT}, bias=False)"
        )
    }
}

#[cfg(test)]
mod tests {
    use super::{Linear, LinearNoBias};
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    /// With no inputs PyTorch's bound is 0: the bias is zero, and nothing panics.
    #[test]
    fn init_without_inputs_is_zero() {
        let mut rng = StdRng::seed_from_u64(0);
        assert_eq!(Linear::<0, 3>::init(&mut rng), Linear::ZERO);
        assert_eq!(LinearNoBias::<0, 3>::init(&mut rng), LinearNoBias::ZERO);
        let mut layer = Linear::<0, 2> {
            weight: [[]; 2],
            bias: [1.0, -2.0],
        };
        layer.reset_parameters(&mut rng);
        assert_eq!(layer.bias, [0.0; 2]);
        // One input: the usual bound, 1.
        let layer = Linear::<1, 64>::init(&mut rng);
        let values = layer.weight.as_flattened().iter().chain(&layer.bias);
        assert!(values.clone().all(|v| v.abs() <= 1.0));
        assert!(values.clone().any(|&v| v != 0.0));
    }
}
