//! The activation plan: where each value of a forward pass lives in one arena, space reused
//! once a value is dead. `sequential!` lists a model's values with their lifetimes; [`plan`]
//! places them when the crate compiles.

/// Where a model's values live, and the arena's length, in floats per sample.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Plan<const K: usize> {
    /// Where each value starts, in the arena or in the pass's output.
    pub offsets: [usize; K],
    /// Whether each value lives in the pass's output: the output's own value, or one that is
    /// dead before the output is written.
    pub in_output: [bool; K],
    /// The floats of arena one sample's pass needs.
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
/// steps of the pass it is alive in. Two values alive at a common step never overlap.
///
/// With `output`, `(value, len)`: that value is the pass's output, written where the caller
/// wants it, `len` floats a sample, which other values may use while it is not yet alive.
///
/// The values go in one of three orders, the one that needs the shorter arena (the first on a
/// tie): as given, the longest first (in the order given among equals), or the last first (a
/// chain's last value, alive when the output is written, keeps out of the output, and the
/// values before it take turns in it); each in the output if it fits there, else in the arena,
/// at the lowest offset, a multiple of 16 floats, that keeps it clear of the values placed
/// before it.
#[must_use]
pub const fn plan<const K: usize>(
    values: [(usize, usize, usize); K],
    output: Option<(usize, usize)>,
) -> Plan<K> {
    let mut order = [0; K];
    let mut i = 0;
    while i < K {
        order[i] = i;
        i += 1;
    }
    let given = place(&values, &order, output);
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
    let longest_first = place(&values, &order, output);
    let mut i = 0;
    while i < K {
        order[i] = K - 1 - i;
        i += 1;
    }
    let last_first = place(&values, &order, output);
    let mut best = given;
    if longest_first.total < best.total {
        best = longest_first;
    }
    if last_first.total < best.total {
        best = last_first;
    }
    best
}

/// [`plan`]'s placement of the values in `order`, the output's own value first.
const fn place<const K: usize>(
    values: &[(usize, usize, usize); K],
    order: &[usize; K],
    output: Option<(usize, usize)>,
) -> Plan<K> {
    let mut plan = Plan {
        offsets: [0; K],
        in_output: [false; K],
        total: 0,
    };
    let mut placed = [0; K];
    let mut n = 0;
    let room = match output {
        Some((value, len)) => {
            plan.in_output[value] = true;
            placed[0] = value;
            n = 1;
            len
        }
        None => 0,
    };
    let mut m = 0;
    while m < K {
        let i = order[m];
        m += 1;
        if matches!(output, Some((value, _)) if value == i) {
            continue;
        }
        let len = values[i].0;
        let at = first_fit(values, &plan, &placed, n, i, true);
        if len > 0 && at + len <= room {
            plan.in_output[i] = true;
            plan.offsets[i] = at;
        } else {
            let at = first_fit(values, &plan, &placed, n, i, false);
            plan.offsets[i] = at;
            if at + len > plan.total {
                plan.total = aligned(at + len);
            }
        }
        placed[n] = i;
        n += 1;
    }
    plan
}

/// The lowest offset, a multiple of [`ALIGN`], at which value `i` keeps clear of the first `n`
/// values of `placed` in the same place (the output, or the arena) alive with it.
const fn first_fit<const K: usize>(
    values: &[(usize, usize, usize); K],
    plan: &Plan<K>,
    placed: &[usize; K],
    n: usize,
    i: usize,
    in_output: bool,
) -> usize {
    let (len, first, last) = values[i];
    let mut at = 0;
    // Move past every placed value that overlaps in time and space, until none does.
    let mut moved = true;
    while moved {
        moved = false;
        let mut m = 0;
        while m < n {
            let j = placed[m];
            let (other, start, end) = values[j];
            let offset = plan.offsets[j];
            let in_time = first <= end && start <= last;
            let in_space = at < offset + other && offset < at + len;
            if plan.in_output[j] == in_output && in_time && in_space && len > 0 && other > 0 {
                at = aligned(offset + other);
                moved = true;
            }
            m += 1;
        }
    }
    at
}

/// Disjoint slices of `arena` and `output` for the spans `(in_output, offset, len)`, each
/// scaled by the `batch` size: the value at `offset` for one sample starts at `offset · batch`
/// for `batch` samples. An empty span gets an empty slice.
///
/// # Panics
/// If two spans overlap or one ends past its slice, which a [`plan`] never gives.
#[must_use]
#[inline(always)]
pub fn regions<'a, const K: usize>(
    arena: &'a mut [f32],
    output: &'a mut [f32],
    batch: usize,
    spans: [(bool, usize, usize); K],
) -> [&'a mut [f32]; K] {
    let mut out: [&mut [f32]; K] = core::array::from_fn(|_| <&mut [f32]>::default());
    carve(arena, batch, &spans, false, &mut out);
    carve(output, batch, &spans, true, &mut out);
    out
}

/// The slices of `from` for the spans in the output if `in_output`, else in the arena.
#[inline(always)]
fn carve<'a, const K: usize>(
    mut from: &'a mut [f32],
    batch: usize,
    spans: &[(bool, usize, usize); K],
    in_output: bool,
    out: &mut [&'a mut [f32]; K],
) {
    // The spans by offset: an insertion sort, which for the two or three spans of a step folds
    // away where the offsets are constants.
    let mut order: [usize; K] = core::array::from_fn(|i| i);
    for i in 1..K {
        let mut j = i;
        while j > 0 && spans[order[j - 1]].1 > spans[order[j]].1 {
            order.swap(j - 1, j);
            j -= 1;
        }
    }
    let mut at = 0;
    for i in order {
        let (place, offset, len) = (spans[i].0, spans[i].1 * batch, spans[i].2 * batch);
        if len == 0 || place != in_output {
            // Empty: anywhere will do, and it holds nothing up.
            continue;
        }
        let (_, rest) = core::mem::take(&mut from).split_at_mut(offset - at);
        let (mine, rest) = rest.split_at_mut(len);
        out[i] = mine;
        (from, at) = (rest, offset + len);
    }
}

#[cfg(test)]
mod tests {
    use super::{plan, regions};

    #[test]
    fn dead_values_give_their_space_back() {
        // A chain: each value read by the next step only.
        let chain = plan([(16, 0, 1), (32, 1, 2), (16, 2, 3), (5, 3, 3)], None);
        assert_eq!(chain.offsets, [0, 16, 0, 16]);
        assert_eq!(chain.total, 48);
        // A residual: value 0 is read again at step 2, so it stays.
        let residual = plan([(16, 0, 2), (16, 1, 2), (16, 2, 3)], None);
        assert_eq!(residual.offsets, [0, 16, 32]);
        assert_eq!(residual.total, 48);
        // Every value starts on a multiple of 16 floats.
        let odd = plan([(13, 0, 1), (13, 1, 2), (1, 2, 3)], None);
        assert_eq!(odd.offsets, [0, 16, 0]);
        assert_eq!(odd.total, 32);
        // Empty values take no space and block nothing.
        let empty = plan([(0, 0, 5), (4, 0, 5)], None);
        assert_eq!(empty.offsets, [0, 0]);
    }

    #[test]
    fn the_longest_values_go_first_where_that_takes_less_room() {
        // A small value, then a long one born while it lives, then a longer one alive with
        // the second only: in the order given the third goes past both (24,704 floats); the
        // longest first, the first value takes the third's place, dead by then.
        let p = plan([(704, 0, 1), (8000, 1, 3), (16000, 3, 3)], None);
        assert_eq!((p.offsets, p.total), ([0, 16000, 0], 24000));
        // On a tie, the order given.
        let tie = plan([(16, 0, 1), (32, 1, 2), (16, 2, 3)], None);
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
        let p = plan(values, None);
        for i in 0..values.len() {
            for j in 0..i {
                let ((li, fi, ti), (lj, fj, tj)) = (values[i], values[j]);
                if fi <= tj && fj <= ti && p.in_output[i] == p.in_output[j] {
                    let (a, b) = (p.offsets[i], p.offsets[j]);
                    assert!(a + li <= b || b + lj <= a, "{i} and {j} overlap");
                }
            }
            assert!(p.offsets[i] + values[i].0 <= p.total);
        }
    }

    #[test]
    fn values_dead_before_the_output_is_written_may_live_in_it() {
        // A residual block: its first value is dead once the second is written, and the
        // output is written last, from the second (and the block's input).
        let block = plan([(16, 0, 3), (16, 3, 5), (16, 5, 7)], Some((2, 16)));
        assert_eq!(block.in_output, [true, false, true]);
        assert_eq!((block.offsets, block.total), ([0, 0, 0], 16));
        // Alive when the output is written, or too long for it: in the arena.
        let p = plan([(16, 0, 5), (32, 1, 2), (16, 5, 7)], Some((2, 16)));
        assert_eq!(p.in_output, [false, false, true]);
        assert_eq!(p.total, 48);
        // A chain: every other value in the output, from the last before it, back.
        let chain = plan(
            [(16, 0, 1), (16, 1, 2), (16, 2, 3), (16, 3, 4)],
            Some((3, 16)),
        );
        assert_eq!(chain.in_output, [false, true, false, true]);
        assert_eq!(chain.total, 16);
    }

    #[test]
    fn regions_scale_with_the_batch() {
        let mut arena = [0.0f32; 30];
        let [b, a] = regions(&mut arena, &mut [], 3, [(false, 4, 2), (false, 0, 4)]);
        assert_eq!((a.len(), b.len()), (12, 6));
        a.fill(1.0);
        b.fill(2.0);
        assert_eq!(&arena[..12], &[1.0; 12]);
        assert_eq!(&arena[12..18], &[2.0; 6]);
        // A span in the output.
        let mut output = [0.0f32; 8];
        let [c, d] = regions(&mut arena, &mut output, 2, [(true, 1, 3), (false, 0, 2)]);
        assert_eq!((c.len(), d.len()), (6, 4));
        c.fill(3.0);
        d.fill(4.0);
        assert_eq!(output, [0.0, 0.0, 3.0, 3.0, 3.0, 3.0, 3.0, 3.0]);
        assert_eq!(&arena[..4], &[4.0; 4]);
    }
}
