//! [`Conv2d`] in AVX-512 lanes (`conv_lanes.rs`) reading each patch where it lies: the input
//! flipped to unsigned bytes (`x + 128`) once, into a copy with its padding, whose rows of taps
//! are runs of `KW · C` bytes, so that a block of positions needs no patches of its own (the
//! patches of a 3 × 3 layer copy each input nine times). For layers without dilation whose
//! padded input fits [`ROOM`]; rows of taps not whole groups of four inputs (3 × 3 over RGB,
//! 9 bytes) read up to the next group, against weights widened with zeros
//! ([`Conv2d::run_len`]).

use core::mem::MaybeUninit;

use super::conv::{Conv2d, Window};
use super::conv_lanes::SMALL;
use super::kernel::{Amx, AmxLayer, Kernel, Packed, Runs, packed_len};

/// The bytes of the room for the padded input.
const ROOM: usize = 32 * 1024;

/// Bytes past the padded input, zero: what the last row of taps widened to a group of four
/// reads past it.
const SLACK: usize = 3;

impl<const IN: usize, const OUT: usize, const KH: usize, const KW: usize> Conv2d<IN, OUT, KH, KW> {
    /// The rows and columns of the padded input the taps reach (without dilation).
    const fn padded<const HO: usize, const WO: usize>(window: &Window) -> [usize; 2] {
        [
            (HO - 1) * window.stride[0] + KH,
            (WO - 1) * window.stride[1] + KW,
        ]
    }

    /// The inputs a row of taps reads on rows: its `KW · C`, and where a patch has more rows,
    /// up to a whole group of four (the next pixel's inputs, against zero weights).
    pub(super) const fn run_len<const C: usize>() -> usize {
        match KH {
            1 => KW * C,
            _ => (KW * C).next_multiple_of(4),
        }
    }

    /// Whether [`Conv2d::run_on_rows`] runs this layer: no dilation, the padded input inside
    /// [`ROOM`], and rows of taps of whole groups of four inputs (or one row), or widened to
    /// them in a few kilobytes.
    pub(super) fn reads_rows<const C: usize, const HO: usize, const WO: usize>(
        window: &Window,
    ) -> bool {
        if HO == 0 || WO == 0 || window.dilation != [1, 1] {
            return false;
        }
        let [hp, wp] = Self::padded::<HO, WO>(window);
        let k = KH * Self::run_len::<C>();
        (k == KH * KW * C || packed_len(k, OUT) <= SMALL) && hp * wp * C + SLACK <= ROOM
    }

    /// [`Conv2d::patches_in_lanes`] with the weights packed, reading each block's patches
    /// where they lie in the flipped, padded input.
    ///
    /// # Safety
    /// The CPU must run AVX-512F, AVX-512BW and AVX-512 VNNI; `P` is `kernel/block.rs`'s
    /// block or its [`super::kernel::positions`] of the layer; [`Conv2d::reads_rows`] holds.
    #[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
    pub(super) unsafe fn run_on_rows<
        const P: usize,
        const C: usize,
        const H: usize,
        const W: usize,
        const HO: usize,
        const WO: usize,
    >(
        &self,
        x: &[[[i8; C]; W]; H],
        window: &Window,
        kernel: Kernel,
        amx: Option<Amx>,
        packed: &Packed<'_>,
        y: &mut [[[i8; OUT]; WO]; HO],
    ) {
        let offset = self.stage.input_offset();
        let mut room = MaybeUninit::uninit();
        let shared = self.shared(packed, kernel, &mut room);
        // A tap in the padding reads the zero point, so adds `w · 0`.
        let zero = (-offset) as i8 as u8 ^ 0x80;
        let [hp, wp] = Self::padded::<HO, WO>(window);
        let mut padded = [MaybeUninit::<u8>::uninit(); ROOM];
        let u = flip_padded(x, window.before, [hp, wp], zero, &mut padded);
        let (row, [sh, sw]) = (wp * C, window.stride);
        // On AMX tiles where the CPU has them: blocks of up to sixteen positions of a line of
        // evenly spaced ones (an output row, or all of them where each row goes on from the
        // last: a 1 × 1 layer of stride 1), a line's last block moved back to end at its end
        // (some outputs then computed twice, alike).
        if let (Some(amx), Some(lanes)) = (amx, shared.lanes) {
            let apart = C * sw;
            let (lines, line) = match sh * row == WO * apart {
                true => (1, HO * WO),
                false => (HO, WO),
            };
            let per = line.min(16);
            let runs = [KH, row, Self::run_len::<C>()];
            if let Some(layer) = AmxLayer::new(amx, (packed, &shared.base, lanes), per, runs, apart)
            {
                let blocks = (0..lines).flat_map(|i| {
                    (0..line).step_by(per).map(move |j| {
                        let j = j.min(line - per);
                        (i * sh * row + j * apart, i * line + j)
                    })
                });
                layer.run(u, blocks, y.as_flattened_mut().as_flattened_mut());
                return;
            }
        }
        // The outputs of a last, partial block.
        let mut spare = [[0i8; OUT]; P];
        let y = y.as_flattened_mut();
        let positions = y.len();
        let (mut i, mut j) = (0, 0);
        for first in (0..positions).step_by(P) {
            let n = (positions - first).min(P);
            let len = Self::run_len::<C>();
            let runs = match n == P && j + P <= WO && C * sw > 0 {
                // A whole block inside one output row: its patches `C · sw` bytes apart.
                true => {
                    let at = i * sh * row + j * sw * C;
                    j += P;
                    if j == WO {
                        (i, j) = (i + 1, 0);
                    }
                    Runs::spaced(u, [at, C * sw], KH, row, len)
                }
                false => {
                    // Where each position's patch starts (a partial block's others at the
                    // input's start).
                    let mut at = [0; P];
                    for at in at.iter_mut().take(n) {
                        *at = i * sh * row + j * sw * C;
                        j += 1;
                        if j == WO {
                            (i, j) = (i + 1, 0);
                        }
                    }
                    Runs::rows(u, at, KH, row, len)
                }
            };
            let out = match n == P {
                true => &mut y[first..first + P],
                false => &mut spare[..],
            };
            self.finish_block::<P>(packed, runs, &shared, out);
            if n < P {
                y[first..].copy_from_slice(&spare[..n]);
            }
        }
    }
}

/// `x` flipped to unsigned bytes in the first `rows · columns · C` bytes of `room`, `before`
/// rows and columns of `zero` ahead of it and as many after it as fill the rest, and [`SLACK`]
/// more: the padded input, every byte of it written.
///
/// # Panics
/// If `room` is shorter than the padded input.
#[inline]
#[target_feature(enable = "avx512f,avx512bw")]
fn flip_padded<'a, const C: usize, const H: usize, const W: usize>(
    x: &[[[i8; C]; W]; H],
    before: [usize; 2],
    [rows, columns]: [usize; 2],
    zero: u8,
    room: &'a mut [MaybeUninit<u8>],
) -> &'a [u8] {
    let len = rows * columns * C + SLACK;
    let all = &mut room[..len];
    let (room, slack) = all.split_at_mut(len - SLACK);
    slack.fill(MaybeUninit::new(zero));
    // The columns of the input inside the padded rows.
    let (start, end) = (before[1].min(columns), (before[1] + W).min(columns));
    for (r, dst) in room.chunks_exact_mut(columns * C).enumerate() {
        let src = r.checked_sub(before[0]).and_then(|r| x.get(r));
        let (lead, rest) = dst.split_at_mut(start * C);
        let (body, trail) = rest.split_at_mut((end - start) * C);
        match src {
            Some(src) => {
                let src = src[..end - start].as_flattened();
                for (d, &s) in body.iter_mut().zip(src) {
                    d.write(s as u8 ^ 0x80);
                }
                lead.fill(MaybeUninit::new(zero));
                trail.fill(MaybeUninit::new(zero));
            }
            None => dst.fill(MaybeUninit::new(zero)),
        }
    }
    // SAFETY: every one of the `len` bytes was written above (the slack, and each row's lead,
    // body and trail, or the whole row).
    unsafe { core::slice::from_raw_parts(all.as_ptr().cast::<u8>(), len) }
}
