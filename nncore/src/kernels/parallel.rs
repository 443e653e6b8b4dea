//! With the `rayon` feature, large products split over rayon's threads: the forward and the
//! input gradient by samples, the weight gradient by rows (the convolutions' shares are
//! `split_even`'s, taken by `layers/conv/batch.rs`), long elementwise passes by chunks of
//! values (`values`, taken by [`super::elementwise`]), and BatchNorm's training passes by runs
//! of channels (`channels`). Each output is still summed in its own order by one thread, so the
//! bits do not change.
//!
//! Only whole batches are large enough: training mode's (`Train`), not the blocks of at most 32
//! samples that evaluation mode runs.

/// The fewest multiply-adds worth splitting: about a millisecond's work split in two pays for
/// waking the other threads many times over.
const MIN_MULTIPLY_ADDS: usize = 1 << 22;

/// The fewest values worth splitting in a pass that does a few operations a value (an
/// activation, a sum, a batch norm): 2^17 values (half a megabyte of each operand, a batch of
/// 32 at ResNet-8's last stack) take some tens of microseconds on one thread.
const MIN_VALUES: usize = 1 << 17;

/// The fewest samples or rows a thread takes: a multiple of 8, so that the tiles stay full.
const MIN_PER_THREAD: usize = 32;

/// How many of `count` items (samples or rows) of `per_item` multiply-adds each thread takes,
/// if the work is worth splitting.
fn split(count: usize, per_item: usize) -> Option<usize> {
    let threads = rayon::current_num_threads();
    if threads < 2 || count.saturating_mul(per_item) < MIN_MULTIPLY_ADDS {
        return None;
    }
    let per = count
        .div_ceil(threads)
        .next_multiple_of(8)
        .max(MIN_PER_THREAD);
    (per < count).then_some(per)
}

/// Samples per thread for a batch of `batch` samples of `per_sample` multiply-adds.
pub(super) fn samples(batch: usize, per_sample: usize) -> Option<usize> {
    split(batch, per_sample)
}

/// Weight rows per thread for `rows` rows of `per_row` multiply-adds.
pub(super) fn rows(rows: usize, per_row: usize) -> Option<usize> {
    split(rows, per_row)
}

/// How many of `count` items (samples, output channels or groups of a convolution) of
/// `per_item` multiply-adds each thread takes, a multiple of `round`, if the work is worth
/// splitting: no fewer than a thread's share, unlike [`split`]'s, as each item is large.
pub(crate) fn split_even(count: usize, per_item: usize, round: usize) -> Option<usize> {
    let threads = rayon::current_num_threads();
    if threads < 2 || count.saturating_mul(per_item) < MIN_MULTIPLY_ADDS {
        return None;
    }
    let per = count.div_ceil(threads).next_multiple_of(round.max(1));
    (per < count).then_some(per)
}

/// Values per thread for an elementwise pass over `n` values, a multiple of `unit`, if the pass
/// is worth splitting.
pub(crate) fn values(n: usize, unit: usize) -> Option<usize> {
    let threads = rayon::current_num_threads();
    if threads < 2 || n < MIN_VALUES {
        return None;
    }
    let per = n.div_ceil(threads).next_multiple_of(unit.max(1));
    (per < n).then_some(per)
}

/// Channels per thread for a pass that takes `work` values (the batch's, once for each time it
/// is read or written) by runs of channels, a multiple of 8 (the runs BatchNorm sums side by
/// side), if the pass is worth splitting.
pub(crate) fn channels(count: usize, work: usize) -> Option<usize> {
    let threads = rayon::current_num_threads();
    if threads < 2 || work < MIN_VALUES {
        return None;
    }
    let per = count.div_ceil(threads).next_multiple_of(8);
    (per < count).then_some(per)
}
