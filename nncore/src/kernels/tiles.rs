//! Narrow layers' products with the samples in the lanes: a tile of `WIDTH` samples is loaded
//! as rows and transposed in registers into a vector a feature, the products run over the
//! features, and the results are transposed back into the samples' rows. What a layer with few
//! outputs for its inputs takes in the forward, or few inputs for its outputs in the input
//! gradient (`narrow.rs` chooses): one sample's outputs would not fill a vector.
//!
//! Summation order, as in `narrow.rs`: the forward adds the products in input order from zero,
//! then the bias; the input gradient adds them in output order from zero.

use super::lanes::Lanes;
use super::transpose::Transpose;

/// `values` (at most `WIDTH`) in the first lanes, zero in the others.
#[inline(always)]
pub(super) fn load<V: Lanes>(values: &[f32]) -> V {
    debug_assert!(values.len() <= V::WIDTH);
    if values.len() == V::WIDTH {
        // SAFETY: `values` holds `WIDTH` floats.
        unsafe { V::load(values.as_ptr()) }
    } else {
        // SAFETY: `values` holds fewer.
        unsafe { V::load_partial(values.as_ptr(), values.len()) }
    }
}

/// Writes the first `values.len()` (at most `WIDTH`) lanes of `v` into `values`.
#[inline(always)]
pub(super) fn store<V: Lanes>(v: V, values: &mut [f32]) {
    debug_assert!(values.len() <= V::WIDTH);
    if values.len() == V::WIDTH {
        // SAFETY: `values` holds `WIDTH` floats.
        unsafe { v.store(values.as_mut_ptr()) }
    } else {
        // SAFETY: `values` holds fewer.
        unsafe { v.store_partial(values.as_mut_ptr(), values.len()) }
    }
}

/// Features `first..` (at most `WIDTH` of them) of the samples `rows` (at most `WIDTH`): a
/// vector a feature, sample `b` in lane `b`, zero past the last sample.
#[inline(always)]
fn load_columns<V: Transpose, const N: usize>(rows: &[[f32; N]], first: usize) -> V::Block {
    let mut block = V::zeros();
    if N == 1 {
        // One feature: the samples' values are its vector, in order.
        block.as_mut()[0] = load(rows.as_flattened());
        return block;
    }
    let last = N.min(first + V::WIDTH);
    if rows.len() == V::WIDTH {
        // A whole tile: a loop of known length, unrolled, every vector loaded.
        let mut whole = V::zeros();
        for (b, v) in whole.as_mut().iter_mut().enumerate() {
            *v = load(&rows[b][first..last]);
        }
        return V::transpose(whole);
    }
    for (v, row) in block.as_mut().iter_mut().zip(rows) {
        *v = load(&row[first..last]);
    }
    V::transpose(block)
}

/// Writes the features `first..` (at most `WIDTH`) of `columns`, a vector a feature, into the
/// samples `rows` (at most `WIDTH`).
#[inline(always)]
fn store_columns<V: Transpose, const N: usize>(
    columns: &[V; N],
    rows: &mut [[f32; N]],
    first: usize,
) {
    if N == 1 {
        store(columns[0], rows.as_flattened_mut());
        return;
    }
    let last = N.min(first + V::WIDTH);
    let mut block = V::zeros();
    for (v, c) in block.as_mut().iter_mut().zip(&columns[first..last]) {
        *v = *c;
    }
    let block = V::transpose(block);
    if rows.len() == V::WIDTH {
        for (b, v) in block.as_ref().iter().enumerate() {
            store(*v, &mut rows[b][first..last]);
        }
    } else {
        for (v, row) in block.as_ref().iter().zip(rows) {
            store(*v, &mut row[first..last]);
        }
    }
}

/// `y[b] = W x[b] + bias`, a tile of samples at a time.
#[inline(always)]
pub(super) fn forward<V: Transpose, const IN: usize, const OUT: usize>(
    weight: &[[f32; IN]; OUT],
    bias: Option<&[f32; OUT]>,
    x: &[[f32; IN]],
    y: &mut [[f32; OUT]],
) {
    for (x, y) in x.chunks(V::WIDTH).zip(y.chunks_mut(V::WIDTH)) {
        let mut acc = [V::zero(); OUT];
        for first in (0..IN).step_by(V::WIDTH) {
            let columns = load_columns::<V, IN>(x, first);
            for (i, &column) in (first..IN).zip(columns.as_ref()) {
                for (a, row) in acc.iter_mut().zip(weight) {
                    *a = a.madd(V::splat(row[i]), column);
                }
            }
        }
        if let Some(bias) = bias {
            for (a, &b) in acc.iter_mut().zip(bias) {
                *a = a.add(V::splat(b));
            }
        }
        for first in (0..OUT).step_by(V::WIDTH) {
            store_columns(&acc, y, first);
        }
    }
}

/// `dx[b] = Wᵀ dy[b]`, a tile of samples at a time.
#[inline(always)]
pub(super) fn input_grad<V: Transpose, const IN: usize, const OUT: usize>(
    weight: &[[f32; IN]; OUT],
    dy: &[[f32; OUT]],
    dx: &mut [[f32; IN]],
) {
    for (dy, dx) in dy.chunks(V::WIDTH).zip(dx.chunks_mut(V::WIDTH)) {
        let mut acc = [V::zero(); IN];
        for first in (0..OUT).step_by(V::WIDTH) {
            let columns = load_columns::<V, OUT>(dy, first);
            for (row, &column) in weight[first..].iter().zip(columns.as_ref()) {
                for (a, &w) in acc.iter_mut().zip(row) {
                    *a = a.madd(V::splat(w), column);
                }
            }
        }
        for first in (0..IN).step_by(V::WIDTH) {
            store_columns(&acc, dx, first);
        }
    }
}
