/// `Norm` with its trained values: 2 parameters and 3 buffer values, bit for bit.
#[rustfmt::skip]
pub const NORM: Norm = Norm::from_state(&[
    // bn.weight [2]
    0.5, f32::from_bits(0x7fc00000),
], &[
    // bn.running_mean [2]
    -0.25, 1e-45,
    // bn.num_batches_tracked [] int64
    60.0,
]);
