//! The storage of an int8 chain's `forward` (`sequential!`'s int8 twin): one buffer, each
//! layer reading its input at one end and writing its output at the other, straight into it (a
//! layer that works in place, [`QuantLayer::IN_PLACE`], rewriting its input where it lies), so
//! the stack holds the buffer and no copies of the activations. A layer's input and output
//! never overlap: the buffer is as long as the two together at the widest step.

use super::QuantLayer;
use super::sample::Int8Sample;

/// The length of the buffer of a chain whose steps write `lens[k]` values, working in place
/// where `in_place` says: the widest step's input and output together (one of them alone in
/// place), the first step's output alone (its input is the caller's).
#[must_use]
pub const fn two_ended(in_place: &[bool], lens: &[usize]) -> usize {
    let mut len = if lens.is_empty() { 0 } else { lens[0] };
    let mut k = 1;
    while k < lens.len() {
        let (x, y) = (lens[k - 1], lens[k]);
        let step = if in_place[k] {
            if x > y { x } else { y }
        } else {
            x + y
        };
        if step > len {
            len = step;
        }
        k += 1;
    }
    len
}

/// The first step of a chain: `layer` on the caller's `x`, written at the front of `buffer`.
#[inline(always)]
pub fn first<L: QuantLayer<X, Y>, X, Y: Int8Sample>(layer: &L, x: &X, buffer: &mut [i8]) {
    layer.forward_into(x, Y::view_mut(buffer));
}

/// A later step: `layer` on the value at the back of `buffer` if `at_back`, else at its front,
/// written at the other end (`at_back` flipped), or where it lies if the layer works in place.
///
/// # Panics
/// If `buffer` holds fewer values than the input and the output.
#[inline(always)]
pub fn step<L: QuantLayer<X, Y>, X: Int8Sample, Y: Int8Sample>(
    layer: &L,
    buffer: &mut [i8],
    at_back: &mut bool,
) {
    let end = buffer.len();
    if L::IN_PLACE {
        let at = if *at_back { end - Y::LEN } else { 0 };
        layer.forward_in_place(Y::view_mut(&mut buffer[at..]));
    } else if *at_back {
        let (y, x) = buffer.split_at_mut(end - X::LEN);
        layer.forward_into(X::view(x), Y::view_mut(y));
        *at_back = false;
    } else {
        let (x, y) = buffer.split_at_mut(end - Y::LEN);
        layer.forward_into(X::view(x), Y::view_mut(y));
        *at_back = true;
    }
}

/// The chain's output: the value at the back of `buffer` if `at_back`, else at its front.
#[inline(always)]
#[must_use]
pub fn last<Y: Int8Sample>(buffer: &[i8], at_back: bool) -> Y {
    let at = if at_back { buffer.len() - Y::LEN } else { 0 };
    *Y::view(&buffer[at..])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quant::{Flatten, Pad, QuantParams, Relu};

    #[test]
    fn a_chain_in_one_buffer_is_its_layers_one_after_another() {
        let quant = QuantParams::new(0.1, -3);
        let (pad, relu, flat) = (
            Pad::<1, 2, 0, 0> { quant },
            Relu { quant },
            Flatten { quant },
        );
        let x: [[i8; 2]; 3] = [[-9, 4], [0, -2], [7, -128]];
        let padded: [[i8; 2]; 6] = pad.forward(&x);
        let want: [i8; 12] = flat.forward(&relu.forward(&padded));
        let in_place = [
            false,
            <Relu as QuantLayer<[[i8; 2]; 6], [[i8; 2]; 6]>>::IN_PLACE,
            <Flatten as QuantLayer<[[i8; 2]; 6], [i8; 12]>>::IN_PLACE,
        ];
        assert_eq!(in_place, [false, true, false]);
        assert_eq!(two_ended(&in_place, &[12, 12, 12]), 24);
        // Storage full of other values: every step writes all of its output.
        let (mut buffer, mut at_back) = ([55i8; 24], false);
        first::<_, _, [[i8; 2]; 6]>(&pad, &x, &mut buffer);
        step::<_, [[i8; 2]; 6], [[i8; 2]; 6]>(&relu, &mut buffer, &mut at_back);
        assert!(!at_back, "ReLU rewrites its input where it lies");
        step::<_, [[i8; 2]; 6], [i8; 12]>(&flat, &mut buffer, &mut at_back);
        assert!(at_back);
        assert_eq!(last::<[i8; 12]>(&buffer, at_back), want);
    }

    #[test]
    fn the_buffer_holds_the_widest_step() {
        // 10 alone, 10 + 8, 8 in place, 8 + 4, 4 + 6.
        let lens = [10, 8, 8, 4, 6];
        assert_eq!(two_ended(&[false, false, true, false, false], &lens), 18);
        // A narrow value between two wide ones: 8000 + 10 at most, not 8000 twice.
        assert_eq!(two_ended(&[false; 4], &[8000, 10, 10, 8000]), 8010);
        assert_eq!(two_ended(&[], &[]), 0);
    }
}
