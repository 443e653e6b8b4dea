//! BatchNorm's input gradients in a training-mode backward, from the batch's sums: over the
//! whole batch (split by values) or over a run of channels ([`super::split`]).

use core::ops::Range;

use super::split::Part;

/// `dx = (dy − grad_mean − (x − mean)·k)·invstd·weight` per channel, with each `dy` masked
/// as [`super::kernels::ReluMask::keep`] does by `(α, β)` where a ReLU was folded in.
pub(super) struct InputGrads<'a, const C: usize> {
    pub(super) k: [f32; C],
    pub(super) grad_mean: [f32; C],
    pub(super) mean: &'a [f32; C],
    pub(super) invstd: &'a [f32; C],
    pub(super) weight: &'a [f32; C],
    pub(super) alpha: &'a [f32; C],
    pub(super) beta: &'a [f32; C],
}

impl<const C: usize> InputGrads<'_, C> {
    /// The gradients of the whole batch, masked if `mask`.
    pub(super) fn all(&self, mask: bool, (x, dy): (&[f32], &[f32]), p: usize, dx: &mut [f32]) {
        let p = p.max(1);
        crate::kernels::elementwise(
            dx,
            p,
            #[inline(always)]
            |start, dx| {
                let (x, dy) = (&x[start..start + dx.len()], &dy[start..start + dx.len()]);
                let planes_in = x.chunks_exact(p).zip(dy.chunks_exact(p));
                for (i, (dx, (x, dy))) in dx.chunks_exact_mut(p).zip(planes_in).enumerate() {
                    self.plane(mask, (start / p + i) % C, (x, dy), dx);
                }
            },
        );
    }

    /// The gradients of the planes of `channels` (`p > 1`), `dxs` theirs of every sample.
    pub(super) fn part(
        &self,
        mask: bool,
        (x, dy): (&[f32], &[f32]),
        p: usize,
        dxs: Part<'_>,
        channels: Range<usize>,
    ) {
        crate::kernels::in_lanes(
            #[inline(always)]
            || {
                let samples = x.chunks_exact(C * p).zip(dy.chunks_exact(C * p));
                for ((x, dy), dx) in samples.zip(dxs) {
                    let run = channels.start * p..channels.end * p;
                    let (x, dy) = (&x[run.clone()], &dy[run]);
                    let planes = x.chunks_exact(p).zip(dy.chunks_exact(p));
                    for (c, (dx, (x, dy))) in
                        channels.clone().zip(dx.chunks_exact_mut(p).zip(planes))
                    {
                        self.plane(mask, c, (x, dy), dx);
                    }
                }
            },
        );
    }

    /// The gradients of one plane of channel `c`.
    #[inline(always)]
    fn plane(&self, mask: bool, c: usize, (x, dy): (&[f32], &[f32]), dx: &mut [f32]) {
        if mask {
            self.plane_masked::<true>(c, (x, dy), dx);
        } else {
            self.plane_masked::<false>(c, (x, dy), dx);
        }
    }

    #[inline(always)]
    fn plane_masked<const MASK: bool>(&self, c: usize, (x, dy): (&[f32], &[f32]), dx: &mut [f32]) {
        // The plane's constants in locals, so that the loop runs in the vector lanes.
        let (m, k, g) = (self.mean[c], self.k[c], self.grad_mean[c]);
        let (s, w, a, b) = (self.invstd[c], self.weight[c], self.alpha[c], self.beta[c]);
        for ((dx, &x), &dy) in dx.iter_mut().zip(x).zip(dy) {
            let dy = if !MASK || x * a + b > 0.0 { dy } else { 0.0 };
            let projection = (x - m) * k;
            *dx = (dy - g - projection) * s * w;
        }
    }
}
