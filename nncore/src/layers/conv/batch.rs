//! A batch's convolution, as the layers run it: with the `rayon` feature, large batches split
//! over rayon's threads, the forward and the input gradient by samples, the parameter
//! gradients by output channels (by groups when there are several); each thread sums its
//! share as one thread would, so the bits do not change. Without it, [`kernel`]'s functions.

use super::kernel::{self, Geometry};
use crate::kernels::Isa;
#[cfg(feature = "rayon")]
use crate::kernels::parallel;
#[cfg(feature = "rayon")]
use rayon::prelude::*;

/// [`kernel::forward`], the samples split over threads.
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
                kernel::forward::<H, W, HO, WO, KH, KW>(isa, geo, weight, bias, x, y);
            });
            return;
        }
    }
    kernel::forward::<H, W, HO, WO, KH, KW>(isa, geo, weight, bias, x, y);
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

/// Rows of `WO` floats in one sample's output.
#[cfg(feature = "rayon")]
fn y_rows<const KW: usize>(weight: &[[f32; KW]], geo: &Geometry, kh: usize, ho: usize) -> usize {
    weight.len() / (geo.in_per_group * kh).max(1) * ho
}
