//! A training-mode pass of a flat `[N, C, P]` batch by runs of channels: each run's sums, then
//! its planes of every sample written from them, in one go. With the `rayon` feature a large
//! batch takes a run a thread, so that a layer's statistics and the values they give are one
//! parallel section, not one for each pass. A channel's sums and values are its own, taken in
//! the order one thread takes them, so the bits do not depend on the split.

use core::marker::PhantomData;
use core::ops::Range;

/// The planes of a run of channels in every sample of a flat batch, in order: what one run
/// writes.
pub(super) struct Part<'a> {
    at: *mut f32,
    /// Floats in a sample (`C · P`).
    sample: usize,
    /// The run's floats from a sample's start.
    run: Range<usize>,
    samples: Range<usize>,
    batch: PhantomData<&'a mut [f32]>,
}

// SAFETY: a part is the only way to its floats while the batch is borrowed (the runs of one
// batch are disjoint), as a `&mut [f32]` of them would be.
unsafe impl Send for Part<'_> {}

impl<'a> Iterator for Part<'a> {
    type Item = &'a mut [f32];

    fn next(&mut self) -> Option<&'a mut [f32]> {
        let s = self.samples.next()?;
        // SAFETY: the run of sample `s`, inside the batch ([`Batch::new`] took whole samples),
        // which no other part reaches, and this one only once.
        Some(unsafe {
            core::slice::from_raw_parts_mut(
                self.at.add(s * self.sample + self.run.start),
                self.run.len(),
            )
        })
    }
}

/// A flat batch, borrowed for as long as its parts live.
struct Batch<'a> {
    at: *mut f32,
    sample: usize,
    samples: usize,
    p: usize,
    values: PhantomData<&'a mut [f32]>,
}

// SAFETY: the threads reach the floats only through parts of disjoint runs ([`Batch::part`]).
unsafe impl Sync for Batch<'_> {}

impl<'a> Batch<'a> {
    /// `values` as whole samples of `c` planes of `p`.
    fn new(values: &'a mut [f32], c: usize, p: usize) -> Self {
        let sample = (c * p).max(1);
        Batch {
            at: values.as_mut_ptr(),
            sample,
            samples: values.len() / sample,
            p,
            values: PhantomData,
        }
    }

    /// The planes of `channels`.
    ///
    /// # Safety
    /// No two live parts of the batch have a channel in common.
    unsafe fn part(&self, channels: &Range<usize>) -> Part<'a> {
        Part {
            at: self.at,
            sample: self.sample,
            run: channels.start * self.p..channels.end * self.p,
            samples: 0..self.samples,
            batch: PhantomData,
        }
    }
}

/// `f(channels, planes)` for runs of the `C` channels of a flat `[N, C, P]` batch of `len`
/// values (`planes` the run's planes of `out`, where given), each run's sums merged: `f` fills
/// its channels of the arrays it returns. With the `rayon` feature, a run a thread when the
/// batch's `passes` passes over its values are worth splitting.
pub(super) fn by_channels<const C: usize, const K: usize>(
    out: Option<&mut [f32]>,
    (len, p, passes): (usize, usize, usize),
    f: impl Fn(Range<usize>, Option<Part<'_>>) -> [[f64; C]; K] + Sync,
) -> [[f64; C]; K] {
    let batch = out.map(|out| Batch::new(out, C, p));
    #[cfg(feature = "rayon")]
    if let Some(per) = crate::kernels::parallel::channels(C, len.saturating_mul(passes)) {
        use rayon::prelude::*;
        let run = |i: usize| i * per..((i + 1) * per).min(C);
        let (_, sums) = (0..C.div_ceil(per))
            .into_par_iter()
            .map(|i| {
                let channels = run(i);
                // SAFETY: the runs are disjoint.
                let part = batch.as_ref().map(|b| unsafe { b.part(&channels) });
                (channels.clone(), f(channels, part))
            })
            .reduce_with(|(a, mut sums), (b, rest)| {
                for (sums, rest) in sums.iter_mut().zip(&rest) {
                    sums[b.clone()].copy_from_slice(&rest[b.clone()]);
                }
                (a.start.min(b.start)..a.end.max(b.end), sums)
            })
            .unwrap_or((0..0, [[0.0; C]; K]));
        return sums;
    }
    let _ = (len, passes);
    // SAFETY: the only part.
    f(0..C, batch.as_ref().map(|b| unsafe { b.part(&(0..C)) }))
}
