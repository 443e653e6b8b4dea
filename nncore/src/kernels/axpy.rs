//! Narrow layers' products with the features in the lanes, one sample at a time: the forward's
//! outputs, `WIDTH` at a time, are `Σᵢ x[i] · (column i of W)`, the columns gathered into
//! vectors once a call; the input gradient's inputs are `Σ_o dy[o] · (row o of W)`. What a
//! layer takes unless `tiles.rs` suits it better (`narrow.rs` chooses).
//!
//! Summation order, as in `narrow.rs`: the products in input order (forward) or output order
//! (input gradient) from zero, then the bias.

use super::lanes::Lanes;
use super::tiles::{load, store};

/// `y[b] = W x[b] + bias`, outputs `WIDTH` at a time.
#[inline(always)]
pub(super) fn forward<V: Lanes, const IN: usize, const OUT: usize>(
    weight: &[[f32; IN]; OUT],
    bias: Option<&[f32; OUT]>,
    x: &[[f32; IN]],
    y: &mut [[f32; OUT]],
) {
    for first in (0..OUT).step_by(V::WIDTH) {
        let last = OUT.min(first + V::WIDTH);
        let rows = &weight[first..last];
        // The outputs' weight columns, zero past the last output: those lanes are not kept.
        // (Loops, not closures, here and below: those might not inline into the
        // `target_feature` entry points.)
        let mut columns = [V::zero(); IN];
        for (i, column) in columns.iter_mut().enumerate() {
            let mut values = [0.0; 16];
            for (v, row) in values.iter_mut().zip(rows) {
                *v = row[i];
            }
            *column = load(&values[..V::WIDTH]);
        }
        #[allow(clippy::manual_map)] // No closure, as above.
        let b = match bias {
            Some(b) => Some(load::<V>(&b[first..last])),
            None => None,
        };
        for (x, y) in x.iter().zip(&mut *y) {
            let mut acc = V::zero();
            for (&column, &xi) in columns.iter().zip(x) {
                acc = acc.madd(column, V::splat(xi));
            }
            if let Some(b) = b {
                acc = acc.add(b);
            }
            store(acc, &mut y[first..last]);
        }
    }
}

/// `dx[b] = Wᵀ dy[b]`, inputs `WIDTH` at a time.
#[inline(always)]
pub(super) fn input_grad<V: Lanes, const IN: usize, const OUT: usize>(
    weight: &[[f32; IN]; OUT],
    dy: &[[f32; OUT]],
    dx: &mut [[f32; IN]],
) {
    for (dy, dx) in dy.iter().zip(dx) {
        for first in (0..IN).step_by(V::WIDTH) {
            let last = IN.min(first + V::WIDTH);
            let mut acc = V::zero();
            for (row, &d) in weight.iter().zip(dy) {
                acc = acc.madd(load(&row[first..last]), V::splat(d));
            }
            store(acc, &mut dx[first..last]);
        }
    }
}
