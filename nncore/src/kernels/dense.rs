//! The products of a dense layer from `IN` to `OUT` features, as `Linear` calls them: a layer
//! with at least [`WIDE`] inputs runs the vector kernels of this module's parent, a narrower
//! one the products of `narrow.rs`, written for its exact sizes. Which one depends only on the
//! layer, so a sample gives the same bits alone or in any batch.

use super::{forward as gemm_forward, input_grad as gemm_input_grad, isa, narrow};

/// The fewest inputs for which a layer runs the vector kernels: below, its products are too
/// short for eight lanes.
pub(crate) const WIDE: usize = 16;

/// `y[b] = W x[b] + bias`.
#[inline]
pub(crate) fn forward<const IN: usize, const OUT: usize>(
    weight: &[[f32; IN]; OUT],
    bias: Option<&[f32; OUT]>,
    x: &[[f32; IN]],
    y: &mut [[f32; OUT]],
) {
    if IN >= WIDE {
        let bias = bias.map(|b| b.as_slice());
        let (w, x, y) = (
            weight.as_flattened(),
            x.as_flattened(),
            y.as_flattened_mut(),
        );
        gemm_forward(isa(), w, bias, x, y, IN, OUT);
    } else {
        narrow::forward(isa(), weight, bias, x, y);
    }
}

/// `dx[b] = Wᵀ dy[b]`.
#[inline]
pub(crate) fn input_grad<const IN: usize, const OUT: usize>(
    weight: &[[f32; IN]; OUT],
    dy: &[[f32; OUT]],
    dx: &mut [[f32; IN]],
) {
    if IN >= WIDE {
        let (w, dy, dx) = (
            weight.as_flattened(),
            dy.as_flattened(),
            dx.as_flattened_mut(),
        );
        gemm_input_grad(isa(), w, dy, dx, IN, OUT);
    } else {
        narrow::input_grad(isa(), weight, dy, dx);
    }
}

/// `dW += Σ_b dy[b] x[b]ᵀ` and `db += Σ_b dy[b]`, the samples in order.
#[inline]
pub(crate) fn weight_grad<const IN: usize, const OUT: usize>(
    dw: &mut [[f32; IN]; OUT],
    db: Option<&mut [f32; OUT]>,
    x: &[[f32; IN]],
    dy: &[[f32; OUT]],
) {
    if IN >= WIDE {
        let (g, dys, xs) = (dw.as_flattened_mut(), dy.as_flattened(), x.as_flattened());
        super::weight_grad(isa(), g, dys, xs, IN, OUT);
        if let Some(db) = db {
            for dy in dy {
                for (g, d) in db.iter_mut().zip(dy) {
                    *g += d;
                }
            }
        }
    } else {
        narrow::weight_grad(isa(), dw, db, x, dy);
    }
}
