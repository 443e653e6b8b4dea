//! The activation plan: where each value of a forward pass lives in one arena, space reused
//! once a value is dead. `sequential!` lists a model's values with their lifetimes; [`plan`]
//! places them when the crate compiles.

/// The offsets of a model's values in its arena, and the arena's length, in floats per sample.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Plan<const K: usize> {
    /// Where each value starts.
    pub offsets: [usize; K],
    /// The floats one sample's pass needs.
    pub total: usize,
}

/// Where values may start: a multiple of 16 floats, 64 bytes, so that a value of a block of
/// samples starts on a cache line wherever the block's arena is.
pub const ALIGN: usize = 16;

/// `at` rounded up to a multiple of [`ALIGN`].
const fn aligned(at: usize) -> usize {
    at.div_ceil(ALIGN) * ALIGN
}

/// Places `K` values, each `(len, first, last)`: its length in floats and the first and last
/// steps of the pass it is alive in. Two values alive at a common step never overlap. The
/// values go in one of two orders, the one that needs the shorter arena (the order given on a
/// tie): as given, or the longest first (in the order given among equals); each at the lowest
/// offset, a multiple of 16 floats, that keeps it clear of the values placed before it.
#[must_use]
pub const fn plan<const K: usize>(values: [(usize, usize, usize); K]) -> Plan<K> {
    let mut order = [0; K];
    let mut i = 0;
    while i < K {
        order[i] = i;
        i += 1;
    }
    let given = place(&values, &order);
    // An insertion sort, stable: the longest values first.
    let mut i = 1;
    while i < K {
        let mut j = i;
        while j > 0 && values[order[j - 1]].0 < values[order[j]].0 {
            (order[j - 1], order[j]) = (order[j], order[j - 1]);
            j -= 1;
        }
        i += 1;
    }
    let longest_first = place(&values, &order);
    if longest_first.total < given.total {
        longest_first
    } else {
        given
    }
}

/// [`plan`]'s placement of the values in `order`: each at the lowest offset that keeps it clear
/// of the values placed before it (first fit).
const fn place<const K: usize>(values: &[(usize, usize, usize); K], order: &[usize; K]) -> Plan<K> {
    let mut offsets = [0; K];
    let mut total = 0;
    let mut n = 0;
    while n < K {
        let i = order[n];
        let (len, first, last) = values[i];
        let mut at = 0;
        // Move past every placed value that overlaps in time and space, until none does.
        let mut moved = true;
        while moved {
            moved = false;
            let mut m = 0;
            while m < n {
                let j = order[m];
                let (other, start, end) = values[j];
                let in_time = first <= end && start <= last;
                let in_space = at < offsets[j] + other && offsets[j] < at + len;
                if in_time && in_space && len > 0 && other > 0 {
                    at = aligned(offsets[j] + other);
                    moved = true;
                }
                m += 1;
            }
        }
        offsets[i] = at;
        if at + len > total {
            total = aligned(at + len);
        }
        n += 1;
    }
    Plan { offsets, total }
}

/// Disjoint slices of `arena` for the spans `(offset, len)`, each scaled by the `batch` size:
/// the value at `offset` for one sample starts at `offset · batch` for `batch` samples. An
/// empty span gets an empty slice.
///
/// # Panics
/// If two spans overlap or one ends past the arena, which a [`plan`] never gives.
#[must_use]
#[inline(always)]
pub fn regions<const K: usize>(
    mut arena: &mut [f32],
    batch: usize,
    spans: [(usize, usize); K],
) -> [&mut [f32]; K] {
    // The spans by offset: an insertion sort, which for the two or three spans of a step folds
    // away where the offsets are constants.
    let mut order: [usize; K] = core::array::from_fn(|i| i);
    for i in 1..K {
        let mut j = i;
        while j > 0 && spans[order[j - 1]].0 > spans[order[j]].0 {
            order.swap(j - 1, j);
            j -= 1;
        }
    }
    let mut out: [&mut [f32]; K] = core::array::from_fn(|_| <&mut [f32]>::default());
    let mut at = 0;
    for i in order {
        let (offset, len) = (spans[i].0 * batch, spans[i].1 * batch);
        if len == 0 {
            // Empty: anywhere will do, and it holds nothing up.
            continue;
        }
        let (_, rest) = core::mem::take(&mut arena).split_at_mut(offset - at);
        let (mine, rest) = rest.split_at_mut(len);
        out[i] = mine;
        (arena, at) = (rest, offset + len);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{plan, regions};

    #[test]
    fn dead_values_give_their_space_back() {
        // A chain: each value read by the next step only.
        let chain = plan([(16, 0, 1), (32, 1, 2), (16, 2, 3), (5, 3, 3)]);
        assert_eq!(chain.offsets, [0, 16, 0, 16]);
        assert_eq!(chain.total, 48);
        // A residual: value 0 is read again at step 2, so it stays.
        let residual = plan([(16, 0, 2), (16, 1, 2), (16, 2, 3)]);
        assert_eq!(residual.offsets, [0, 16, 32]);
        assert_eq!(residual.total, 48);
        // Every value starts on a multiple of 16 floats.
        let odd = plan([(13, 0, 1), (13, 1, 2), (1, 2, 3)]);
        assert_eq!(odd.offsets, [0, 16, 0]);
        assert_eq!(odd.total, 32);
        // Empty values take no space and block nothing.
        let empty = plan([(0, 0, 5), (4, 0, 5)]);
        assert_eq!(empty.offsets, [0, 0]);
    }

    #[test]
    fn the_longest_values_go_first_where_that_takes_less_room() {
        // A small value, then a long one born while it lives, then a longer one alive with
        // the second only: in the order given the third goes past both (24,704 floats); the
        // longest first, the first value takes the third's place, dead by then.
        let p = plan([(704, 0, 1), (8000, 1, 3), (16000, 3, 3)]);
        assert_eq!((p.offsets, p.total), ([0, 16000, 0], 24000));
        // On a tie, the order given.
        let tie = plan([(16, 0, 1), (32, 1, 2), (16, 2, 3)]);
        assert_eq!((tie.offsets, tie.total), ([0, 16, 0], 48));
    }

    #[test]
    fn placed_values_alive_together_never_overlap() {
        let values = [
            (7, 0, 4),
            (3, 1, 2),
            (9, 2, 5),
            (2, 3, 3),
            (6, 4, 6),
            (1, 5, 6),
        ];
        let p = plan(values);
        for i in 0..values.len() {
            for j in 0..i {
                let ((li, fi, ti), (lj, fj, tj)) = (values[i], values[j]);
                if fi <= tj && fj <= ti {
                    let (a, b) = (p.offsets[i], p.offsets[j]);
                    assert!(a + li <= b || b + lj <= a, "{i} and {j} overlap");
                }
            }
            assert!(p.offsets[i] + values[i].0 <= p.total);
        }
    }

    #[test]
    fn regions_scale_with_the_batch() {
        let mut arena = [0.0f32; 30];
        let [b, a] = regions(&mut arena, 3, [(4, 2), (0, 4)]);
        assert_eq!((a.len(), b.len()), (12, 6));
        a.fill(1.0);
        b.fill(2.0);
        assert_eq!(&arena[..12], &[1.0; 12]);
        assert_eq!(&arena[12..18], &[2.0; 6]);
    }
}
