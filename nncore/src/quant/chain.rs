//! The storage of an int8 chain's `forward_into` (`sequential!`'s int8 twin): one buffer for
//! the values between the caller's input and output, each layer reading its input at one end
//! and writing its output at the other, straight into it (a layer that works in place,
//! [`QuantLayer::IN_PLACE`], rewriting its input where it lies). The last layer that does not
//! work in place writes the caller's output, and the layers after it rewrite that in place, so
//! the stack holds the buffer and no copies of the activations. A layer's input and output
//! never overlap: the buffer is as long as the two together at the widest step it holds both. A
//! model among the layers runs its own layers in the same buffer ([`inside`]), so one buffer is
//! zeroed for the whole forward pass.

use super::QuantLayer;
use super::sample::Int8Sample;

/// The layer of a chain that writes the caller's output: the last one that does not work in
/// place (the first if all do: its input is the caller's, so it never works in place).
#[must_use]
pub const fn written_last(in_place: &[bool]) -> usize {
    let mut k = in_place.len();
    while k > 1 && in_place[k - 1] {
        k -= 1;
    }
    k.saturating_sub(1)
}

/// The bytes a step of a chain takes in its buffer: its input `x` and output `y` together, one
/// of them alone in place, or `inside` if not 0 (a model whose own steps run in the buffer).
const fn step_bytes(in_place: bool, x: usize, y: usize, inside: usize) -> usize {
    if inside > 0 {
        inside
    } else if in_place {
        if x > y { x } else { y }
    } else {
        x + y
    }
}

/// The length of the buffer of a chain whose steps write `lens[k]` values, working in place
/// where `in_place` says, the values of steps from [`written_last`] on being the caller's: the
/// widest step's input and output together (one of them alone in place, `inside[k]` for a model
/// run inside the buffer) while both are in the buffer, the first step's output alone (its input
/// is the caller's).
#[must_use]
pub const fn two_ended(in_place: &[bool], lens: &[usize], inside: &[usize]) -> usize {
    let last = written_last(in_place);
    let mut len = 0;
    let mut k = 0;
    while k < last {
        let step = if k == 0 {
            lens[0]
        } else {
            step_bytes(in_place[k], lens[k - 1], lens[k], inside[k])
        };
        if step > len {
            len = step;
        }
        k += 1;
    }
    len
}

/// The bytes a chain's steps take when they all run inside a caller's buffer
/// ([`inside`]), its input of `input` values at one end: the widest step's.
#[must_use]
pub const fn inside_bytes(
    in_place: &[bool],
    input: usize,
    lens: &[usize],
    inside: &[usize],
) -> usize {
    let mut len = input;
    let mut k = 0;
    while k < lens.len() {
        let x = if k == 0 { input } else { lens[k - 1] };
        let step = step_bytes(in_place[k], x, lens[k], inside[k]);
        if step > len {
            len = step;
        }
        k += 1;
    }
    len
}

/// A step of a chain run inside its caller's buffer: `layer` on the value at the back of `buffer`
/// if `at_back`, else at its front, written at the other end (`at_back` flipped), or where it
/// lies if the layer works in place.
#[inline(always)]
pub fn inside<L: QuantLayer<X, Y>, X: Int8Sample, Y: Int8Sample>(
    layer: &L,
    buffer: &mut [i8],
    at_back: &mut bool,
) {
    step(layer, 1, usize::MAX, buffer, at_back, &mut []);
}

/// The first step of a chain: `layer` on the caller's `x`, written at the front of `buffer`, or
/// into the caller's `out` if it is step `last`.
#[inline(always)]
pub fn first<L: QuantLayer<X, Y>, X, Y: Int8Sample>(
    layer: &L,
    x: &X,
    buffer: &mut [i8],
    last: usize,
    out: &mut [i8],
) {
    let y = if last == 0 { out } else { buffer };
    layer.forward_into(x, Y::view_mut(y));
}

/// Step `k` of a chain after the first: `layer` on the value at the back of `buffer` if
/// `at_back`, else at its front, written at the other end (`at_back` flipped), or where it lies
/// if the layer works in place; at step `last` written into the caller's `out`, and after it
/// rewriting `out` in place.
///
/// # Panics
/// If `buffer` holds fewer values than the input and the output, or `out` fewer than the
/// output.
#[inline(always)]
pub fn step<L: QuantLayer<X, Y>, X: Int8Sample, Y: Int8Sample>(
    layer: &L,
    k: usize,
    last: usize,
    buffer: &mut [i8],
    at_back: &mut bool,
    out: &mut [i8],
) {
    let end = buffer.len();
    if k > last {
        layer.forward_in_place(Y::view_mut(out));
    } else if k == last {
        let at = if *at_back { end - X::LEN } else { 0 };
        layer.forward_into(X::view(&buffer[at..]), Y::view_mut(out));
    } else if L::IN_PLACE {
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

/// `y` rewritten by `layer`, from a sample to one like it: in place if the layer works in place,
/// else from a copy of `y`.
#[inline(always)]
pub fn rewrite<L: QuantLayer<Y, Y>, Y: Int8Sample>(layer: &L, y: &mut Y) {
    if L::IN_PLACE {
        layer.forward_in_place(y);
    } else {
        let x = *y;
        layer.forward_into(&x, y);
    }
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
        let flat_out: [i8; 12] = flat.forward(&relu.forward(&padded));
        let want: [i8; 12] = relu.forward(&flat_out);
        let in_place = [
            false,
            <Relu as QuantLayer<[[i8; 2]; 6], [[i8; 2]; 6]>>::IN_PLACE,
            <Flatten as QuantLayer<[[i8; 2]; 6], [i8; 12]>>::IN_PLACE,
            <Relu as QuantLayer<[i8; 12], [i8; 12]>>::IN_PLACE,
        ];
        assert_eq!(in_place, [false, true, false, true]);
        // Flatten writes the caller's output, the ReLU after it rewrites that in place.
        let last = written_last(&in_place);
        assert_eq!(last, 2);
        assert_eq!(two_ended(&in_place, &[12, 12, 12, 12], &[0; 4]), 12);
        // Storage full of other values: every step writes all of its output.
        let (mut buffer, mut at_back, mut out) = ([55i8; 12], false, [66i8; 12]);
        first::<_, _, [[i8; 2]; 6]>(&pad, &x, &mut buffer, last, &mut out);
        step::<_, [[i8; 2]; 6], [[i8; 2]; 6]>(&relu, 1, last, &mut buffer, &mut at_back, &mut out);
        assert!(!at_back, "ReLU rewrites its input where it lies");
        assert_eq!(out, [66; 12], "the buffer holds the values before the last");
        step::<_, [[i8; 2]; 6], [i8; 12]>(&flat, 2, last, &mut buffer, &mut at_back, &mut out);
        assert_eq!(out, flat_out);
        step::<_, [i8; 12], [i8; 12]>(&relu, 3, last, &mut buffer, &mut at_back, &mut out);
        assert_eq!(out, want);
    }

    #[test]
    fn a_chain_working_in_place_after_its_first_layer_needs_no_buffer() {
        let quant = QuantParams::new(0.1, -3);
        let (pad, relu) = (Pad::<1, 2, 0, 0> { quant }, Relu { quant });
        let x: [[i8; 2]; 3] = [[-9, 4], [0, -2], [7, -128]];
        let want: [[i8; 2]; 6] = relu.forward(&pad.forward(&x));
        let in_place = [false, true];
        let last = written_last(&in_place);
        assert_eq!((last, two_ended(&in_place, &[12, 12], &[0; 2])), (0, 0));
        let (mut buffer, mut at_back, mut out) = ([0i8; 0], false, [66i8; 12]);
        first::<_, _, [[i8; 2]; 6]>(&pad, &x, &mut buffer, last, &mut out);
        step::<_, [[i8; 2]; 6], [[i8; 2]; 6]>(&relu, 1, last, &mut buffer, &mut at_back, &mut out);
        assert_eq!(*<[[i8; 2]; 6]>::view(&out), want);
    }

    #[test]
    fn the_buffer_holds_the_widest_step_before_the_output() {
        // 10 alone, 10 + 8, 8 in place, 8 + 4; the 6 are the caller's.
        let lens = [10, 8, 8, 4, 6];
        assert_eq!(
            two_ended(&[false, false, true, false, false], &lens, &[0; 5]),
            18
        );
        // A narrow value between two wide ones: 8000 + 10 at most, not 8000 twice.
        assert_eq!(two_ended(&[false; 3], &[8000, 10, 8000], &[0; 3]), 8010);
        // A wide output is the caller's.
        assert_eq!(two_ended(&[false; 3], &[10, 10, 8000], &[0; 3]), 20);
        // Layers in place after the output rewrite the caller's.
        assert_eq!(
            two_ended(&[false, false, true], &[10, 8000, 8000], &[0; 3]),
            10
        );
        assert_eq!(written_last(&[false, false, true]), 1);
        assert_eq!(two_ended(&[false], &[10], &[0]), 0);
        assert_eq!((written_last(&[]), two_ended(&[], &[], &[])), (0, 0));
        // A model run inside the buffer takes its own widest step there.
        assert_eq!(two_ended(&[false; 3], &[10, 20, 5], &[0, 100, 0]), 100);
        // Inside a caller's buffer, the input is there too: 10 + 8, 8 in place, 8 + 30.
        let in_place = [false, true, false];
        assert_eq!(inside_bytes(&in_place, 10, &[8, 8, 30], &[0; 3]), 38);
        assert_eq!(inside_bytes(&[], 10, &[], &[]), 10);
    }
}
