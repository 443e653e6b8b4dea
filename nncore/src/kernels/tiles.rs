//! The products of narrow dense layers (fewer than [`super::dense::WIDE`] inputs), written for
//! their exact sizes so that the loops unroll: a batch goes through in tiles of 8 samples
//! gathered feature-major, so that the loops over the samples vectorize.
//!
//! Summation order, the same for one sample and in a tile: the forward adds the products in
//! input order from zero, then the bias; the input gradient adds them in output order from
//! zero; the weight and bias gradients add one sample after another onto what is there. Each
//! step is a multiplication then an addition.

/// `W x`, without bias.
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

/// `y[o][b] = bias[o] + Σᵢ W[o][i] x[i][b]` for a tile.
#[inline]
fn matmul_tile<const IN: usize, const OUT: usize>(
    weight: &[[f32; IN]; OUT],
    bias: Option<&[f32; OUT]>,
    x: &[[f32; TILE]; IN],
    y: &mut [[f32; TILE]; OUT],
) {
    for (o, (yo, row)) in y.iter_mut().zip(weight).enumerate() {
        let mut acc = [0.0; TILE];
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

/// `dx[·][b] = Wᵀ dy[·][b]` for a tile.
#[inline]
fn matmul_transposed_tile<const IN: usize, const OUT: usize>(
    weight: &[[f32; IN]; OUT],
    dy: &[[f32; TILE]; OUT],
    dx: &mut [[f32; TILE]; IN],
) {
    for (i, dxi) in dx.iter_mut().enumerate() {
        let mut acc = [0.0; TILE];
        for (row, d) in weight.iter().zip(dy) {
            let w = row[i];
            for (a, &db) in acc.iter_mut().zip(d) {
                *a += w * db;
            }
        }
        *dxi = acc;
    }
}

/// Samples a tile holds.
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

/// `y[b] = W x[b] + bias`.
#[inline]
pub(super) fn forward<const IN: usize, const OUT: usize>(
    weight: &[[f32; IN]; OUT],
    bias: Option<&[f32; OUT]>,
    x: &[[f32; IN]],
    y: &mut [[f32; OUT]],
) {
    if x.len() > 1 && tiled(IN, OUT) {
        for (x, y) in x.chunks(TILE).zip(y.chunks_mut(TILE)) {
            let mut tile = [[0.0; TILE]; OUT];
            matmul_tile(weight, bias, &gather(x), &mut tile);
            scatter(&tile, y);
        }
        return;
    }
    for (x, y) in x.iter().zip(y) {
        *y = matvec(weight, x);
        if let Some(bias) = bias {
            for (yo, b) in y.iter_mut().zip(bias) {
                *yo += b;
            }
        }
    }
}

/// `dx[b] = Wᵀ dy[b]`.
#[inline]
pub(super) fn input_grad<const IN: usize, const OUT: usize>(
    weight: &[[f32; IN]; OUT],
    dy: &[[f32; OUT]],
    dx: &mut [[f32; IN]],
) {
    if dy.len() > 1 && tiled(IN, OUT) {
        for (dy, dx) in dy.chunks(TILE).zip(dx.chunks_mut(TILE)) {
            let mut tile = [[0.0; TILE]; IN];
            matmul_transposed_tile(weight, &gather(dy), &mut tile);
            scatter(&tile, dx);
        }
        return;
    }
    for (dy, dx) in dy.iter().zip(dx) {
        *dx = matvec_transposed(weight, dy);
    }
}

/// `dW += dy[b] x[b]ᵀ` and `db += dy[b]`, one sample after another.
#[inline]
pub(super) fn weight_grad<const IN: usize, const OUT: usize>(
    dw: &mut [[f32; IN]; OUT],
    mut db: Option<&mut [f32; OUT]>,
    x: &[[f32; IN]],
    dy: &[[f32; OUT]],
) {
    for (x, dy) in x.iter().zip(dy) {
        for (row, &d) in dw.iter_mut().zip(dy) {
            for (g, &xi) in row.iter_mut().zip(x) {
                *g += d * xi;
            }
        }
        if let Some(db) = db.as_deref_mut() {
            for (g, d) in db.iter_mut().zip(dy) {
                *g += d;
            }
        }
    }
}
