//! The strided input gradient's phases on the planes of the output gradient (`phases/planes.rs`
//! on AVX-512, `phases.rs`'s rows elsewhere) against the documented order on every instruction
//! set, a batch of three and each sample alone: the edges of the planes' path.

use super::order::{check, geometry};

#[test]
fn strided_phases_on_planes_sum_in_the_documented_order() {
    // ResNet-8's first stride-2 layer, fewer outputs: 3×3, padding 1, 32 → 16, every phase
    // as wide as the output gradient's rows; and its 1×1 shortcut (one phase of four).
    check::<32, 32, 16, 16, 3, 3>(geometry(16, 1, [2, 2], [1, 1], [1, 1]), 5);
    check::<16, 16, 8, 8, 1, 1>(geometry(16, 1, [2, 2], [0, 0], [1, 1]), 32);
    // Odd sizes, channels not a multiple of 16: (15 + 2 - 3) / 2 + 1 = 8 rows, (13 + 2 - 3) /
    // 2 + 1 = 7 columns; the odd phases one column narrower than the output gradient's rows.
    check::<15, 13, 8, 7, 3, 3>(geometry(9, 1, [2, 2], [1, 1], [1, 1]), 5);
    // Padding 0 on an odd size: the even phases one column wider than the output gradient's
    // rows (9 against 8) read a copy of its planes with a column of zeros, the odd ones the
    // planes in place.
    check::<17, 17, 8, 8, 3, 3>(geometry(10, 1, [2, 2], [0, 0], [1, 1]), 3);
    // Stride 3, padding 1: three phases an axis, one or two taps each; and a 1×1 at stride 3.
    check::<12, 14, 4, 5, 3, 3>(geometry(10, 1, [3, 3], [1, 1], [1, 1]), 3);
    check::<12, 14, 4, 5, 1, 1>(geometry(11, 1, [3, 3], [0, 0], [1, 1]), 6);
    // Stride 2 in the rows only: whole rows of 40 written at once, sixteen values a store.
    check::<8, 40, 4, 40, 3, 3>(geometry(8, 1, [2, 1], [1, 1], [1, 1]), 3);
    // Planes of 32 · 32 floats: four input channels a block of sums; and two groups.
    check::<64, 64, 32, 32, 3, 3>(geometry(9, 1, [2, 2], [1, 1], [1, 1]), 2);
    check::<10, 10, 5, 5, 3, 3>(geometry(8, 2, [2, 2], [1, 1], [1, 1]), 6);
    // Weights too many to pack once (40 · 64 · 4 floats for phase (1, 1)): blocks of 32 and
    // 8 output channels, each continuing the chains the one before stored.
    check::<4, 4, 2, 2, 3, 3>(geometry(64, 1, [2, 2], [1, 1], [1, 1]), 40);
}

#[test]
fn phases_wider_than_the_output_gradient_sum_in_the_documented_order() {
    // ResNet-8's stride-2 layers (after `ZeroPad2d((0, 1, 0, 1))`): 33×33 → 16×16, the even
    // phases 17 wide; copies of 15 output channels a block (16 · 17 floats each), then 2, and
    // input channels in two blocks of 8 (17 · 17 floats a plane).
    check::<33, 33, 16, 16, 3, 3>(geometry(16, 1, [2, 2], [0, 0], [1, 1]), 32);
    // 17×17 → 8×8, 32 → 64: the even phases 9 wide, copies of 56 output channels, then 8.
    check::<17, 17, 8, 8, 3, 3>(geometry(32, 1, [2, 2], [0, 0], [1, 1]), 64);
    // Even rows, odd columns: (16 - 3) / 2 + 1 = 7 rows against phases of 8, (17 - 3) / 2 + 1
    // = 8 columns against 9; and the transpose.
    check::<16, 17, 7, 8, 3, 3>(geometry(8, 1, [2, 2], [0, 0], [1, 1]), 5);
    check::<17, 16, 8, 7, 3, 3>(geometry(8, 1, [2, 2], [0, 0], [1, 1]), 5);
    // Stride 3: (14 - 3) / 3 + 1 = 4 columns against phases of 5, 5 and 4.
    check::<13, 14, 4, 4, 3, 3>(geometry(9, 1, [3, 3], [0, 0], [1, 1]), 5);
    // A wide phase whose weights are packed a block at a time (40 · 64 · 4 floats for phase
    // (0, 0)): the copies follow the blocks of weights.
    check::<5, 5, 2, 2, 3, 3>(geometry(64, 1, [2, 2], [0, 0], [1, 1]), 40);
}
