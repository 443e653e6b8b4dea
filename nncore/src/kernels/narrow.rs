//! The products of narrow dense layers (fewer than [`super::dense::WIDE`] inputs), written for
//! their exact sizes so that the loops unroll, in the unfused vectors of the instruction set the
//! kernels run with (`lanes.rs`). One sample's forward is a dot product an output; a batch's
//! puts the outputs in the lanes (`axpy.rs`), or the samples (`tiles.rs`) for a layer with less
//! than half as many outputs as inputs. The input gradient puts the inputs in the lanes, or the
//! samples for a batch through a layer with more than twice as many outputs as inputs.
//!
//! Summation order, the same in every form, on every instruction set, and for one sample as in a
//! batch: the forward adds the products in input order from zero, then the bias; the input
//! gradient adds them in output order from zero; the weight and bias gradients add one sample
//! after another onto what is there. Each step is a multiplication then an addition (Rust never
//! fuses them), so every form and instruction set gives the same bits.

#[cfg(all(target_arch = "aarch64", target_feature = "neon"))]
use super::lanes::Neon;
use super::lanes::Portable;
use super::transpose::Transpose;
use super::{Isa, axpy, tiles};

/// `y[b] = W x[b] + bias`.
#[inline]
pub(super) fn forward<const IN: usize, const OUT: usize>(
    isa: Isa,
    weight: &[[f32; IN]; OUT],
    bias: Option<&[f32; OUT]>,
    x: &[[f32; IN]],
    y: &mut [[f32; OUT]],
) {
    match isa {
        Isa::Portable => forward_in::<Portable, IN, OUT>(weight, bias, x, y),
        // SAFETY: a vector path is chosen only where the CPU has it.
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 => unsafe { avx2::forward(weight, bias, x, y) },
        // SAFETY: as above.
        #[cfg(all(target_arch = "x86_64", nncore_avx512))]
        Isa::Avx512 => unsafe { avx512::forward(weight, bias, x, y) },
        // NEON is part of the build's target: no entry point with features to enable.
        #[cfg(all(target_arch = "aarch64", target_feature = "neon"))]
        Isa::Neon => forward_in::<Neon<false>, IN, OUT>(weight, bias, x, y),
    }
}

/// `dx[b] = Wᵀ dy[b]`.
#[inline]
pub(super) fn input_grad<const IN: usize, const OUT: usize>(
    isa: Isa,
    weight: &[[f32; IN]; OUT],
    dy: &[[f32; OUT]],
    dx: &mut [[f32; IN]],
) {
    match isa {
        Isa::Portable => input_grad_in::<Portable, IN, OUT>(weight, dy, dx),
        // SAFETY: as in `forward`.
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 => unsafe { avx2::input_grad(weight, dy, dx) },
        // SAFETY: as in `forward`.
        #[cfg(all(target_arch = "x86_64", nncore_avx512))]
        Isa::Avx512 => unsafe { avx512::input_grad(weight, dy, dx) },
        #[cfg(all(target_arch = "aarch64", target_feature = "neon"))]
        Isa::Neon => input_grad_in::<Neon<false>, IN, OUT>(weight, dy, dx),
    }
}

/// `dW += dy[b] x[b]ᵀ` and `db += dy[b]`, one sample after another.
#[inline]
pub(super) fn weight_grad<const IN: usize, const OUT: usize>(
    isa: Isa,
    dw: &mut [[f32; IN]; OUT],
    db: Option<&mut [f32; OUT]>,
    x: &[[f32; IN]],
    dy: &[[f32; OUT]],
) {
    match isa {
        Isa::Portable => weight_grad_in(dw, db, x, dy),
        // SAFETY: as in `forward`.
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 => unsafe { avx2::weight_grad(dw, db, x, dy) },
        // SAFETY: as in `forward`.
        #[cfg(all(target_arch = "x86_64", nncore_avx512))]
        Isa::Avx512 => unsafe { avx512::weight_grad(dw, db, x, dy) },
        #[cfg(all(target_arch = "aarch64", target_feature = "neon"))]
        Isa::Neon => weight_grad_in(dw, db, x, dy),
    }
}

/// [`forward`] in vectors `V`.
#[inline(always)]
fn forward_in<V: Transpose, const IN: usize, const OUT: usize>(
    weight: &[[f32; IN]; OUT],
    bias: Option<&[f32; OUT]>,
    x: &[[f32; IN]],
    y: &mut [[f32; OUT]],
) {
    if let ([x], [y]) = (x, &mut *y) {
        // One sample: each output a dot product, no columns to gather.
        for ((yo, row), o) in y.iter_mut().zip(weight).zip(0..) {
            let mut acc = 0.0;
            for (w, x) in row.iter().zip(x) {
                acc += w * x;
            }
            *yo = bias.map_or(acc, |b| acc + b[o]);
        }
    } else if 2 * OUT < IN {
        tiles::forward::<V, IN, OUT>(weight, bias, x, y);
    } else {
        axpy::forward::<V, IN, OUT>(weight, bias, x, y);
    }
}

/// [`input_grad`] in vectors `V`.
#[inline(always)]
fn input_grad_in<V: Transpose, const IN: usize, const OUT: usize>(
    weight: &[[f32; IN]; OUT],
    dy: &[[f32; OUT]],
    dx: &mut [[f32; IN]],
) {
    if dy.len() > 1 && 2 * IN < OUT {
        tiles::input_grad::<V, IN, OUT>(weight, dy, dx);
    } else {
        axpy::input_grad::<V, IN, OUT>(weight, dy, dx);
    }
}

/// [`weight_grad`], vectorized as the target allows.
#[inline(always)]
fn weight_grad_in<const IN: usize, const OUT: usize>(
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

/// The entry points of one instruction set: the generic forms compiled with its features, in
/// its unfused vectors.
#[cfg(target_arch = "x86_64")]
macro_rules! entry_points {
    ($features:literal, $lanes:ty) => {
        use super::{forward_in, input_grad_in, weight_grad_in};

        /// See [`super::forward`].
        #[target_feature(enable = $features)]
        pub(super) unsafe fn forward<const IN: usize, const OUT: usize>(
            weight: &[[f32; IN]; OUT],
            bias: Option<&[f32; OUT]>,
            x: &[[f32; IN]],
            y: &mut [[f32; OUT]],
        ) {
            forward_in::<$lanes, IN, OUT>(weight, bias, x, y);
        }

        /// See [`super::input_grad`].
        #[target_feature(enable = $features)]
        pub(super) unsafe fn input_grad<const IN: usize, const OUT: usize>(
            weight: &[[f32; IN]; OUT],
            dy: &[[f32; OUT]],
            dx: &mut [[f32; IN]],
        ) {
            input_grad_in::<$lanes, IN, OUT>(weight, dy, dx);
        }

        /// See [`super::weight_grad`].
        #[target_feature(enable = $features)]
        pub(super) unsafe fn weight_grad<const IN: usize, const OUT: usize>(
            dw: &mut [[f32; IN]; OUT],
            db: Option<&mut [f32; OUT]>,
            x: &[[f32; IN]],
            dy: &[[f32; OUT]],
        ) {
            weight_grad_in(dw, db, x, dy);
        }
    };
}

/// AVX2: eight lanes a register.
#[cfg(target_arch = "x86_64")]
mod avx2 {
    entry_points!("avx2,fma", super::super::lanes::Avx2<false>);
}

/// AVX-512: sixteen lanes a register.
#[cfg(all(target_arch = "x86_64", nncore_avx512))]
#[allow(clippy::incompatible_msrv)]
mod avx512 {
    entry_points!("avx512f,avx2,fma", super::super::lanes::Avx512<false>);
}
