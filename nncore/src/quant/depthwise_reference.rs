//! The depthwise kernels' tests' reference: every output of a layer of one output a channel,
//! its sum taken tap by tap in `i64` and finished by the scalar stage.

use core::fmt::Display;

use super::OutputStage;
use super::conv::Window;

/// Asserts that `y` is the layer's output for `x` at every position and channel; `case` names
/// the case in a failure.
#[allow(clippy::too_many_arguments)]
pub(super) fn assert_reference<
    const C: usize,
    const KH: usize,
    const KW: usize,
    const H: usize,
    const W: usize,
    const HO: usize,
    const WO: usize,
>(
    y: &[[[i8; C]; WO]; HO],
    x: &[[[i8; C]; W]; H],
    weight: &[[[i8; C]; KW]; KH],
    bias: &[i32; C],
    window: &Window,
    zero_point: impl Into<i64>,
    stage: &OutputStage<C>,
    case: impl Display,
) {
    let zero_point = zero_point.into();
    for (i, row) in y.iter().enumerate() {
        for (j, pixel) in row.iter().enumerate() {
            for (c, &got) in pixel.iter().enumerate() {
                let mut acc = bias[c] as i64;
                for (kh, taps) in weight.iter().enumerate() {
                    for (kw, w) in taps.iter().enumerate() {
                        let (Some(r), Some(col)) =
                            (window.tap(0, i, kh, H), window.tap(1, j, kw, W))
                        else {
                            continue;
                        };
                        acc += w[c] as i64 * (x[r][col][c] as i64 - zero_point);
                    }
                }
                assert_eq!(got, stage.finish(c, acc as i32), "{case} at {i},{j},{c}");
            }
        }
    }
}
