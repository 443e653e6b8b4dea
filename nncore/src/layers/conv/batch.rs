//! A batch's convolution, as the layers run it: with the `rayon` feature, large batches split
//! over rayon's threads, the forward and the input gradient by samples, the parameter
//! gradients by input channels (the weight's columns: ungrouped layers that `weight.rs` takes,
//! so that no two threads gather the same input) or else by output channels (by groups when
//! there are several); each thread sums its share as one thread would, so the bits do not
//! change. Without it, [`kernel`]'s functions.

use super::kernel::{self, Geometry};
#[cfg(feature = "rayon")]
use crate::kernels::parallel;
use crate::kernels::{Affine, Isa};
#[cfg(feature = "rayon")]
use rayon::prelude::*;

/// [`kernel::forward`], the samples split over threads.
#[allow(clippy::too_many_arguments)]
pub(crate) fn forward<
    const H: usize,
    const W: usize,
    const HO: usize,
    const WO: usize,
    const KH: usize,
    const KW: usize,
>(
    isa: Isa,
    geo: &Geometry,
    weight: &[[f32; KW]],
    bias: Option<&[f32]>,
    then: Option<Affine<'_>>,
    x: &[[f32; W]],
    y: &mut [[f32; WO]],
) {
    #[cfg(feature = "rayon")]
    {
        let (rx, ry) = (
            geo.in_per_group * geo.groups * H,
            y_rows(weight, geo, KH, HO),
        );
        let work = weight.len() * KW * HO * WO;
        if let Some(per) = parallel::split_even(x.len() / rx.max(1), work, 1) {
            let (xs, ys) = (x.par_chunks(per * rx), y.par_chunks_mut(per * ry));
            xs.zip(ys).for_each(|(x, y)| {
                kernel::forward::<H, W, HO, WO, KH, KW>(isa, geo, weight, bias, then, x, y);
            });
            return;
        }
    }
    kernel::forward::<H, W, HO, WO, KH, KW>(isa, geo, weight, bias, then, x, y);
}

/// [`kernel::backward_input`], the samples split over threads.
pub(crate) fn backward_input<
    const H: usize,
    const W: usize,
    const HO: usize,
    const WO: usize,
    const KH: usize,
    const KW: usize,
>(
    isa: Isa,
    geo: &Geometry,
    weight: &[[f32; KW]],
    dy: &[[f32; WO]],
    dx: &mut [[f32; W]],
) {
    #[cfg(feature = "rayon")]
    {
        let (rx, ry) = (
            geo.in_per_group * geo.groups * H,
            y_rows(weight, geo, KH, HO),
        );
        let work = weight.len() * KW * HO * WO;
        if let Some(per) = parallel::split_even(dx.len() / rx.max(1), work, 1) {
            let (dys, dxs) = (dy.par_chunks(per * ry), dx.par_chunks_mut(per * rx));
            dys.zip(dxs).for_each(|(dy, dx)| {
                kernel::backward_input::<H, W, HO, WO, KH, KW>(isa, geo, weight, dy, dx);
            });
            return;
        }
    }
    kernel::backward_input::<H, W, HO, WO, KH, KW>(isa, geo, weight, dy, dx);
}

/// [`kernel::backward_params`], the output channels split over threads: each thread takes
/// every sample, in order, for its channels.
pub(crate) fn backward_params<
    const H: usize,
    const W: usize,
    const HO: usize,
    const WO: usize,
    const KH: usize,
    const KW: usize,
>(
    isa: Isa,
    geo: &Geometry,
    x: &[[f32; W]],
    dy: &[[f32; WO]],
    dweight: &mut [[f32; KW]],
    dbias: Option<&mut [f32]>,
) {
    #[cfg(feature = "rayon")]
    let dbias = match by_columns::<H, W, HO, WO, KH, KW>(isa, geo, x, dy, dweight, dbias) {
        Ok(()) => return,
        Err(dbias) => dbias,
    };
    #[cfg(feature = "rayon")]
    {
        let out = dweight.len() / (geo.in_per_group * KH).max(1);
        let samples = x.len() / (geo.in_per_group * geo.groups * H).max(1);
        // Whole groups a thread, or output channels in multiples of 8 (the tiles' rows).
        let (units, unit, round) = match geo.groups {
            1 => (out, 1, 8),
            g => (g, out / g, 1),
        };
        let per_unit = unit * geo.in_per_group * KH * KW * HO * WO * samples;
        if let Some(per) = parallel::split_even(units, per_unit, round) {
            let rows = per * unit * geo.in_per_group * KH;
            let part = move |i: usize, dw: &mut [[f32; KW]], db: Option<&mut [f32]>| {
                let start = i * per * unit;
                let part = start..start + dw.len() / (geo.in_per_group * KH).max(1);
                kernel::backward_params_part::<H, W, HO, WO, KH, KW>(
                    isa, geo, x, dy, dw, db, out, part,
                );
            };
            let dws = dweight.par_chunks_mut(rows).enumerate();
            match dbias {
                Some(db) => dws
                    .zip(db.par_chunks_mut(per * unit))
                    .for_each(|((i, dw), db)| part(i, dw, Some(db))),
                None => dws.for_each(|(i, dw)| part(i, dw, None)),
            }
            return;
        }
    }
    kernel::backward_params::<H, W, HO, WO, KH, KW>(isa, geo, x, dy, dweight, dbias);
}

/// Floats of the weight gradient's columns a thread of [`by_columns`] holds on its stack.
#[cfg(feature = "rayon")]
const COLUMNS: usize = 1 << 14;

/// The weight gradient, shared by the threads of [`by_columns`], each of which reads and writes
/// only its own columns, through the pointer.
#[cfg(feature = "rayon")]
struct Shared(*mut f32);

// SAFETY: the threads touch disjoint floats (`by_columns`), while it holds the only borrow.
#[cfg(feature = "rayon")]
unsafe impl Send for Shared {}
#[cfg(feature = "rayon")]
unsafe impl Sync for Shared {}

#[cfg(feature = "rayon")]
impl Shared {
    /// The pointer (a method, so that closures capture the `Sync` whole).
    fn at(&self, i: usize) -> *mut f32 {
        self.0.wrapping_add(i)
    }
}

/// [`backward_params`] of an ungrouped layer that `weight.rs` takes, the input channels split
/// over threads: each gathers only its channels' rows of every sample, in order, into its
/// columns of the weight gradient, copied onto its stack (a run of channels at a time) and
/// back; the first also adds the bias gradient. `Err` (with `dbias`), doing nothing, for other
/// layers, too few channels for even shares, or too little work.
#[cfg(feature = "rayon")]
fn by_columns<
    'a,
    const H: usize,
    const W: usize,
    const HO: usize,
    const WO: usize,
    const KH: usize,
    const KW: usize,
>(
    isa: Isa,
    geo: &Geometry,
    x: &[[f32; W]],
    dy: &[[f32; WO]],
    dweight: &mut [[f32; KW]],
    dbias: Option<&'a mut [f32]>,
) -> Result<(), Option<&'a mut [f32]>> {
    use super::{pointwise, shape::with_shape, small, weight};
    let (ipg, taps) = (geo.in_per_group, KH * KW);
    let (k, out) = (ipg * taps, dweight.len() / (ipg * KH).max(1));
    let (per_x, per_y) = ((ipg * H * W).max(1), (out * HO * WO).max(1));
    let samples = x.len() / (ipg * H).max(1);
    let takes = |s: &super::kernel::Shape<'_>| !pointwise::pointwise(s) && weight::fits::<KW>(s);
    if geo.groups != 1
        || ipg < 2 * rayon::current_num_threads()
        || out * taps > COLUMNS
        || small::small(k, out)
        || !with_shape::<H, W, HO, WO, KH, KW, _>(geo, takes)
    {
        return Err(dbias);
    }
    let Some(per) = parallel::split_even(ipg, out * taps * HO * WO * samples, 1) else {
        return Err(dbias);
    };
    let (x, dy) = (x.as_flattened(), dy.as_flattened());
    let dw = Shared(dweight.as_flattened_mut().as_mut_ptr());
    // Channels `cs`, in runs of as many as fit `COLUMNS`, every sample in order for each.
    let part = |cs: core::ops::Range<usize>| {
        let mut columns = [0.0; COLUMNS];
        let runs = cs.len().div_ceil(COLUMNS / (out * taps));
        let step = cs.len().div_ceil(runs.max(1)).max(1);
        for c0 in cs.clone().step_by(step) {
            let c1 = (c0 + step).min(cs.end);
            let ldc = (c1 - c0) * taps;
            let columns = &mut columns[..out * ldc];
            for (o, row) in columns.chunks_exact_mut(ldc).enumerate() {
                // SAFETY: columns `c0 · taps..c1 · taps` of row `o`, inside `dweight`, which
                // no other thread touches (the shares of channels are disjoint).
                unsafe {
                    core::ptr::copy_nonoverlapping(dw.at(o * k + c0 * taps), row.as_mut_ptr(), ldc)
                };
            }
            with_shape::<H, W, HO, WO, KH, KW, _>(geo, |s| {
                // The whole batch at once where a path takes it (its buffers filled once, not
                // for every sample), else sample by sample: the same sums.
                let sample = |b: usize| (&x[b * per_x..][..per_x], &dy[b * per_y..][..per_y]);
                if weight::backward_batch::<KW>(isa, s, samples, sample, c0..c1, columns, ldc)
                    .is_some()
                {
                    return;
                }
                for (x, dy) in x.chunks_exact(per_x).zip(dy.chunks_exact(per_y)) {
                    let done = weight::backward_columns::<KW>(isa, s, x, dy, c0..c1, columns, ldc);
                    debug_assert!(done.is_some());
                }
            });
            for (o, row) in columns.chunks_exact(ldc).enumerate() {
                // SAFETY: as above.
                unsafe {
                    core::ptr::copy_nonoverlapping(row.as_ptr(), dw.at(o * k + c0 * taps), ldc)
                };
            }
        }
    };
    let shares = ipg.div_ceil(per);
    rayon::join(
        || {
            if let Some(dbias) = dbias {
                for dy in dy.chunks_exact(per_y) {
                    small::bias_grad::<WO>(dy, dbias);
                }
            }
            part(0..per.min(ipg));
        },
        || {
            (1..shares)
                .into_par_iter()
                .for_each(|i| part(i * per..((i + 1) * per).min(ipg)));
        },
    );
    Ok(())
}

/// Rows of `WO` floats in one sample's output.
#[cfg(feature = "rayon")]
fn y_rows<const KW: usize>(weight: &[[f32; KW]], geo: &Geometry, kh: usize, ho: usize) -> usize {
    weight.len() / (geo.in_per_group * kh).max(1) * ho
}
