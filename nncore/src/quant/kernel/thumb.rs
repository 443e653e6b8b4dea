//! The portable dot products on bare-metal Arm cores without the DSP extension (Cortex-M0, M0+,
//! M3, M23), written out: compiled from Rust, the loop over two rows is unrolled and spills its
//! addresses on the eight low registers of Thumb-1. Here it keeps every address and index in a
//! register: a load of the input, and per row a load of the weight, a multiply and an add, 4.25
//! instructions a multiply-add. The sums are the portable path's, wrapping alike.

use core::arch::asm;
use core::mem::MaybeUninit;

/// The most inputs offset into words at a time (512 bytes): a longer row runs in slices of
/// its columns, so the stack holds these words whatever the row's length.
const CHUNK: usize = 128;

/// Adds to `acc[o]` the dot product of row `o` with `x + offset`, wrapping: `acc.len()` rows of
/// `len = KH · KW · IN` weights laid end to end in `weight` (a dense layer's with `KH = KW = 1`,
/// a convolution's with its patch).
#[inline]
pub(super) fn rows_of<const IN: usize, const KW: usize, const KH: usize>(
    weight: &[i8],
    x: &[i8],
    offset: i32,
    acc: &mut [i32],
) {
    let len = KH * KW * IN;
    assert!(weight.len() == acc.len() * len && x.len() == len);
    // Words, so that one `LDM` loads an input and steps to the next; written, not zeroed first.
    let uninit = const { MaybeUninit::<i32>::uninit() };
    if len <= CHUNK {
        let mut words = [[[uninit; IN]; KW]; KH];
        let words = words.as_flattened_mut().as_flattened_mut();
        columns(weight, len, 0, offset_words(words, x, offset), acc);
    } else {
        let mut words = [uninit; CHUNK];
        for (k, x) in x.chunks(CHUNK).enumerate() {
            columns(
                weight,
                len,
                k * CHUNK,
                offset_words(&mut words, x, offset),
                acc,
            );
        }
    }
}

/// `x[i] + offset` into the first `x.len()` of `words`, which it returns.
///
/// # Panics
/// If `words` is shorter than `x`.
#[inline(always)]
fn offset_words<'a>(words: &'a mut [MaybeUninit<i32>], x: &[i8], offset: i32) -> &'a [i32] {
    let words = &mut words[..x.len()];
    for (w, &x) in words.iter_mut().zip(x) {
        w.write(x as i32 + offset);
    }
    // SAFETY: every one of these words was written above.
    unsafe { &*(words as *mut [MaybeUninit<i32>] as *const [i32]) }
}

/// Adds to `acc[o]` the products of columns `start..start + xs.len()` of row `o` (rows `len`
/// bytes apart in `weight`) with `xs`, wrapping.
#[inline(always)]
fn columns(weight: &[i8], len: usize, start: usize, xs: &[i32], acc: &mut [i32]) {
    let n = xs.len();
    assert!(start + n <= len, "columns inside the rows");
    let even = n / 2 * 2;
    let mut quads = weight.chunks_exact((4 * len).max(1));
    let mut acc4 = acc.chunks_exact_mut(4);
    if even > 0 {
        for (rows, acc) in (&mut quads).zip(&mut acc4) {
            // The rows' columns from `start`, checked once above rather than row by row.
            let first = rows.as_ptr().wrapping_add(start);
            let w = core::array::from_fn(|k| first.wrapping_add(k * len));
            let mut a = [acc[0], acc[1], acc[2], acc[3]];
            // SAFETY: reads `even ≤ n` bytes of each row from `start`, `start + n ≤ len`, and
            // `even` inputs.
            unsafe { four_rows(w, xs.as_ptr(), even, &mut a) };
            if even < n {
                for (k, a) in a.iter_mut().enumerate() {
                    let w = rows[k * len + start + even] as i32;
                    *a = a.wrapping_add(w * xs[even]);
                }
            }
            acc.copy_from_slice(&a);
        }
    }
    let (weight, acc) = if even > 0 {
        (quads.remainder(), acc4.into_remainder())
    } else {
        (weight, &mut acc[..])
    };
    let mut pairs = weight.chunks_exact((2 * len).max(1));
    let mut accs = acc.chunks_exact_mut(2);
    for (rows, acc) in (&mut pairs).zip(&mut accs) {
        let row0 = &rows[start..start + n];
        let row1 = &rows[len + start..len + start + n];
        let (mut a0, mut a1) = (acc[0], acc[1]);
        if even > 0 {
            // SAFETY: reads `even` bytes of each row and `even` inputs.
            unsafe {
                two_rows(
                    row0.as_ptr(),
                    row1.as_ptr(),
                    xs.as_ptr(),
                    even,
                    &mut a0,
                    &mut a1,
                )
            };
        }
        for i in even..n {
            a0 = a0.wrapping_add(row0[i] as i32 * xs[i]);
            a1 = a1.wrapping_add(row1[i] as i32 * xs[i]);
        }
        acc[0] = a0;
        acc[1] = a1;
    }
    let rest = pairs.remainder().chunks_exact(len.max(1));
    for (row, acc) in rest.zip(accs.into_remainder()) {
        let sum = row[start..start + n]
            .iter()
            .zip(xs)
            .fold(0i32, |s, (&w, &x)| s.wrapping_add(w as i32 * x));
        *acc = acc.wrapping_add(sum);
    }
}

/// Two rows against `n` inputs (`n` even, nonzero), two inputs a step.
///
/// # Safety
/// `w0` and `w1` must be readable for `n` bytes and `x` for `n` words.
#[inline]
unsafe fn two_rows(
    w0: *const i8,
    w1: *const i8,
    x: *const i32,
    n: usize,
    a0: &mut i32,
    a1: &mut i32,
) {
    let (sum0, sum1): (i32, i32);
    // SAFETY: the rows are read from `end − n` to `end`, the inputs `n` words from `x`.
    unsafe {
        // r0: inputs, r1: an input, r2: a product, r3 and r4: the rows' ends, r5: the index
        // from −n up to 0, r8 and r10: the sums (high registers, which ADD reaches), returned
        // in r1 and r2.
        asm!(
            "movs r1, #0",
            "mov r8, r1",
            "mov r10, r1",
            "2:",
            "ldm r0!, {{r1}}",
            "ldrsb r2, [r3, r5]",
            "muls r2, r1",
            "add r8, r2",
            "ldrsb r2, [r4, r5]",
            "muls r2, r1",
            "add r10, r2",
            "adds r5, #1",
            "ldm r0!, {{r1}}",
            "ldrsb r2, [r3, r5]",
            "muls r2, r1",
            "add r8, r2",
            "ldrsb r2, [r4, r5]",
            "muls r2, r1",
            "add r10, r2",
            "adds r5, #1",
            "bne 2b",
            "mov r1, r8",
            "mov r2, r10",
            inout("r0") x => _,
            out("r1") sum0,
            out("r2") sum1,
            in("r3") w0.add(n),
            in("r4") w1.add(n),
            inout("r5") -(n as isize) => _,
            out("r8") _,
            out("r10") _,
            options(nostack, readonly),
        );
    }
    *a0 = a0.wrapping_add(sum0);
    *a1 = a1.wrapping_add(sum1);
}

/// Four rows against `n` inputs (`n` even, nonzero), two inputs a step: 3.6 instructions a
/// multiply-add. Four row addresses, the index, the inputs' address, an input and a product
/// take all eight low registers: `r6` and `r7` (which the compiler keeps for itself) are saved
/// on the stack and restored. The sums, in high registers (which Thumb-1 code cannot hand to
/// the compiler), are stored back through memory.
///
/// # Safety
/// Each row must be readable for `n` bytes and `x` for `n` words.
#[inline]
unsafe fn four_rows(w: [*const i8; 4], x: *const i32, n: usize, a: &mut [i32; 4]) {
    // The last two rows' ends in, the four sums out.
    let mut io = [
        w[2].wrapping_add(n) as i32,
        w[3].wrapping_add(n) as i32,
        0,
        0,
    ];
    // SAFETY: the rows are read from `end − n` to `end`, the inputs `n` words from `x`, `io`
    // written; `r6` and `r7` are restored.
    unsafe {
        // r0: inputs, r1: an input, r2: a product, r3, r4, r6, r7: the rows' ends, r5: the
        // index from −n up to 0, r8 to r11: the sums.
        asm!(
            "push {{r1, r6, r7}}",
            "ldr r6, [r1, #0]",
            "ldr r7, [r1, #4]",
            "movs r1, #0",
            "mov r8, r1",
            "mov r9, r1",
            "mov r10, r1",
            "mov r11, r1",
            "2:",
            "ldm r0!, {{r1}}",
            "ldrsb r2, [r3, r5]",
            "muls r2, r1",
            "add r8, r2",
            "ldrsb r2, [r4, r5]",
            "muls r2, r1",
            "add r9, r2",
            "ldrsb r2, [r6, r5]",
            "muls r2, r1",
            "add r10, r2",
            "ldrsb r2, [r7, r5]",
            "muls r2, r1",
            "add r11, r2",
            "adds r5, #1",
            "ldm r0!, {{r1}}",
            "ldrsb r2, [r3, r5]",
            "muls r2, r1",
            "add r8, r2",
            "ldrsb r2, [r4, r5]",
            "muls r2, r1",
            "add r9, r2",
            "ldrsb r2, [r6, r5]",
            "muls r2, r1",
            "add r10, r2",
            "ldrsb r2, [r7, r5]",
            "muls r2, r1",
            "add r11, r2",
            "adds r5, #1",
            "bne 2b",
            "pop {{r1}}",
            "mov r2, r8",
            "str r2, [r1, #0]",
            "mov r2, r9",
            "str r2, [r1, #4]",
            "mov r2, r10",
            "str r2, [r1, #8]",
            "mov r2, r11",
            "str r2, [r1, #12]",
            "pop {{r6, r7}}",
            inout("r0") x => _,
            inout("r1") io.as_mut_ptr() => _,
            out("r2") _,
            in("r3") w[0].add(n),
            in("r4") w[1].add(n),
            inout("r5") -(n as isize) => _,
            out("r8") _,
            out("r9") _,
            out("r10") _,
            out("r11") _,
        );
    }
    for (a, s) in a.iter_mut().zip(io) {
        *a = a.wrapping_add(s);
    }
}

/// Thumb-1 has no 64-bit product: the high multiplication is four 16-bit products added with
/// carries (25 instructions, where `__aeabi_lmul` and the code around it took about 48).
impl super::DoubleStage {
    /// The int8 output for the accumulator `acc`.
    #[inline(always)]
    pub(crate) fn finish(&self, acc: i32) -> i8 {
        let high = high_mul(acc, self.mantissa);
        // gemmlowp's `RoundingDivideByPOT`.
        let threshold = (self.mask >> 1) + (high < 0) as i32;
        let scaled = (high >> self.exponent) + ((high & self.mask) > threshold) as i32;
        let q = scaled.saturating_add(self.zero_point);
        self.clamp(q)
    }
}

/// `floor((a · b + 2^30) / 2^31)` for `b ≥ 0`: gemmlowp's `SaturatingRoundingDoublingHighMul`,
/// which saturates only for `a = b = i32::MIN`. With `a = ah · 2^16 + al` and `b = bh · 2^16 +
/// bl` (`al`, `bl` unsigned), `a · b = ah·bh · 2^32 + (ah·bl + al·bh) · 2^16 + al·bl`, each
/// product within 32 bits.
#[inline(always)]
fn high_mul(a: i32, b: i32) -> i32 {
    let out: i32;
    // SAFETY: register arithmetic only.
    unsafe {
        asm!(
            "uxth {al}, {a}",
            "asrs {a}, {a}, #16",
            "uxth {bl}, {b}",
            "lsrs {b}, {b}, #16",
            // lo = al·bl, hi = ah·bh; then ah·bl and al·bh, shifted by 16, added with carries.
            "mov {lo}, {al}",
            "muls {lo}, {bl}",
            "muls {bl}, {a}",
            "muls {al}, {b}",
            "muls {b}, {a}",
            "lsls {a}, {bl}, #16",
            "asrs {bl}, {bl}, #16",
            "adds {lo}, {a}",
            "adcs {b}, {bl}",
            "lsls {a}, {al}, #16",
            "lsrs {al}, {al}, #16",
            "adds {lo}, {a}",
            "adcs {b}, {al}",
            // + 2^30, then bits 31 to 62.
            "movs {a}, #1",
            "lsls {a}, {a}, #30",
            "adds {lo}, {a}",
            "movs {a}, #0",
            "adcs {b}, {a}",
            "lsls {b}, {b}, #1",
            "lsrs {lo}, {lo}, #31",
            "adds {b}, {lo}",
            a = inout(reg) a => _,
            b = inout(reg) b => out,
            al = out(reg) _,
            bl = out(reg) _,
            lo = out(reg) _,
            options(pure, nomem, nostack),
        );
    }
    out
}
