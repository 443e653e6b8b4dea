//! Products onto a strided matrix, as the convolutions run them: `c[r][col] += Σ_j a(r, j) ·
//! b[j][col]`, generic over the lanes (`V::WIDTH` columns of `c` a vector), in register tiles
//! of `MR` rows by `NV` vectors (micro-kernels) and the loops that walk them (driver).
//!
//! Each element of `c` is one chain of multiply-adds over `j` in order, starting from the
//! value `c` holds, or from the one [`Start`] gives in its place (the same bits as filling `c`
//! with it first, without that pass over `c`): the order of the input gradient of a dense
//! layer, started from `c` instead of zero. Tiles change the speed, never the bits.

use super::lanes::Lanes;

/// The operands of [`super::accumulate`], `c (m × n) += a (m × k) · b (k × n)`, laid out as a
/// convolution finds them: `j` in runs of `R = b_rows.len()`, `j = q · R + t` with `t < R`.
pub(crate) struct Strided<'a> {
    /// `a(r, j)` is `a[r · a_row + q · a_gap + t]` (`a_gap >= R` unless `k <= R`).
    pub(crate) a: &'a [f32],
    pub(crate) a_row: usize,
    pub(crate) a_gap: usize,
    /// `b[j][col]` is `b[q · b_gap + b_rows[t] + col]`.
    pub(crate) b: &'a [f32],
    pub(crate) b_rows: &'a [usize],
    pub(crate) b_gap: usize,
    /// Floats from one row of `c` to the next.
    pub(crate) ldc: usize,
    pub(crate) m: usize,
    pub(crate) n: usize,
    pub(crate) k: usize,
    /// Products with the same `a`, at least 1: product `i` reads `b` from `i · b_next` on and
    /// writes `c` from `i · c_next` on.
    pub(crate) repeat: usize,
    pub(crate) b_next: usize,
    pub(crate) c_next: usize,
}

/// Where each chain of a product starts.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Start<'a> {
    /// The value `c` holds.
    Held,
    /// Zero: `c` is only written.
    Zero,
    /// `rows[r]` for row `r` (a bias, one a row): `c` is only written.
    Rows(&'a [f32]),
}

impl Strided<'_> {
    /// Whether every index the product reads or writes is inside `a`, `b` and `c` (of
    /// `c_len` floats), for `m`, `n` and `k` above 0. The indices of `a` grow with `r` and `j`
    /// (as `a_gap >= R`), those of `b` with `q`.
    pub(super) fn fits(&self, c_len: usize) -> bool {
        let run = self.b_rows.len();
        if run == 0 || (self.a_gap < run && self.k > run) {
            return false;
        }
        let (q, t) = ((self.k - 1) / run, (self.k - 1) % run);
        let last_a = (self.m - 1) * self.a_row + q * self.a_gap + t;
        // The last run may be partial: its rows, and the whole run before it.
        let last_run = self.b_rows[..=t].iter().max().map(|&o| q * self.b_gap + o);
        let full_run = match q {
            0 => None,
            _ => self.b_rows.iter().max().map(|&o| (q - 1) * self.b_gap + o),
        };
        let last_b = last_run.max(full_run).unwrap_or(0) + (self.repeat - 1) * self.b_next;
        last_a < self.a.len()
            && last_b + self.n <= self.b.len()
            && (self.m - 1) * self.ldc + (self.repeat - 1) * self.c_next + self.n <= c_len
    }
}

/// Where the `NV` vectors of a tile lie: vector `v` at `v · b_step` in `b` and `v · c_step` in
/// `c`, `cols - v · lane_step` lanes of it used (all if more, none if less than one).
#[derive(Clone, Copy)]
struct Vectors {
    b_step: usize,
    c_step: usize,
    lane_step: usize,
    cols: usize,
}

impl Vectors {
    /// Consecutive vectors, `cols` columns in all.
    fn columns<V: Lanes>(cols: usize) -> Self {
        let w = V::WIDTH;
        Vectors {
            b_step: w,
            c_step: w,
            lane_step: w,
            cols,
        }
    }

    /// The lanes vector `v` uses.
    #[inline(always)]
    fn lanes(self, v: usize) -> usize {
        self.cols.saturating_sub(v * self.lane_step)
    }
}

/// `V::WIDTH` floats from `p` (the first `lanes`, zero past them).
///
/// # Safety
/// The `lanes.min(V::WIDTH)` floats from `p` are readable.
#[inline(always)]
unsafe fn load<V: Lanes>(p: *const f32, lanes: usize) -> V {
    // SAFETY: the caller's.
    unsafe {
        if lanes >= V::WIDTH {
            V::load(p)
        } else if lanes > 0 {
            V::load_partial(p, lanes)
        } else {
            V::zero()
        }
    }
}

/// Writes the first `lanes` (at most `V::WIDTH`) of `value` to `p`.
///
/// # Safety
/// The `lanes.min(V::WIDTH)` floats from `p` are writable.
#[inline(always)]
unsafe fn store<V: Lanes>(value: V, p: *mut f32, lanes: usize) {
    // SAFETY: the caller's.
    unsafe {
        if lanes >= V::WIDTH {
            value.store(p);
        } else if lanes > 0 {
            value.store_partial(p, lanes);
        }
    }
}

/// `c[r][col] += Σ_j a(r, j) · b[j][col]` for `MR` rows from `r` and the `NV` vectors `vs`
/// places from `b` and `c`, `j` in order.
///
/// # Safety
/// As [`accumulate`], `b` and `c` those of one product offset to the tile's first column;
/// rows `r..r + MR` and the vectors' lanes are inside `c`.
#[inline(always)]
unsafe fn tile<V: Lanes, const MR: usize, const NV: usize>(
    p: &Strided<'_>,
    b: *const f32,
    c: *mut f32,
    r: usize,
    vs: Vectors,
    start: Start<'_>,
) {
    let a = p.a.as_ptr().wrapping_add(r * p.a_row);
    let c = c.wrapping_add(r * p.ldc);
    let run = p.b_rows.len();
    // SAFETY: every read and write is inside the operands, as `accumulate` checked.
    unsafe {
        let mut acc = [[V::zero(); NV]; MR];
        for (i, acc) in acc.iter_mut().enumerate() {
            for (v, a) in acc.iter_mut().enumerate() {
                *a = match start {
                    Start::Held => load(c.add(i * p.ldc + v * vs.c_step), vs.lanes(v)),
                    Start::Zero => V::zero(),
                    Start::Rows(rows) => V::splat(*rows.get_unchecked(r + i)),
                };
            }
        }
        // Run `q`: `a(·, q · run + t)` at `a + q · a_gap + t`, `b[q · run + t]` at
        // `b + q · b_gap + b_rows[t]`.
        let (mut j, mut a, mut b) = (0, a, b);
        while j < p.k {
            let len = run.min(p.k - j);
            for (t, &offset) in p.b_rows[..len].iter().enumerate() {
                let row = b.add(offset);
                let mut bv = [V::zero(); NV];
                for (v, bv) in bv.iter_mut().enumerate() {
                    *bv = load(row.add(v * vs.b_step), vs.lanes(v));
                }
                for (i, acc) in acc.iter_mut().enumerate() {
                    let s = V::splat(*a.add(i * p.a_row + t));
                    for (a, &bv) in acc.iter_mut().zip(&bv) {
                        *a = a.madd(s, bv);
                    }
                }
            }
            j += len;
            (a, b) = (a.wrapping_add(p.a_gap), b.wrapping_add(p.b_gap));
        }
        for (i, acc) in acc.iter().enumerate() {
            for (v, &a) in acc.iter().enumerate() {
                store(a, c.add(i * p.ldc + v * vs.c_step), vs.lanes(v));
            }
        }
    }
}

/// Every row of `c` for the vectors `vs`: tiles of `MR` rows, then 2, then 1.
///
/// # Safety
/// As [`tile`].
#[inline(always)]
unsafe fn rows<V: Lanes, const MR: usize, const NV: usize>(
    p: &Strided<'_>,
    b: *const f32,
    c: *mut f32,
    vs: Vectors,
    start: Start<'_>,
) {
    let mut r = 0;
    // SAFETY: `r + MR <= m`, then `r + 2 <= m`, then `r < m`.
    unsafe {
        while r + MR <= p.m {
            tile::<V, MR, NV>(p, b, c, r, vs, start);
            r += MR;
        }
        while r + 2 <= p.m {
            tile::<V, 2, NV>(p, b, c, r, vs, start);
            r += 2;
        }
        if r < p.m {
            tile::<V, 1, NV>(p, b, c, r, vs, start);
        }
    }
}

/// `c[r][col] += Σ_j a(r, j) · b[j][col]`, `j` in order, for each of the `repeat` products:
/// blocks of `NV` vectors of columns, the columns left over in a block of 2 vectors or 1; or,
/// for products of one vector each, `NV` products a tile.
///
/// # Safety
/// The operands hold what `p` states ([`super::accumulate`] checks it), and `start` a value
/// for each of the `m` rows if it gives them; `V` runs on this CPU.
#[inline(always)]
pub(super) unsafe fn accumulate<V: Lanes, const MR: usize, const NV: usize>(
    p: &Strided<'_>,
    start: Start<'_>,
    c: &mut [f32],
) {
    let (b, c) = (p.b.as_ptr(), c.as_mut_ptr());
    if p.n <= V::WIDTH && p.repeat > 1 {
        let vs = Vectors {
            b_step: p.b_next,
            c_step: p.c_next,
            lane_step: 0,
            cols: p.n,
        };
        let at = |rep: usize| {
            (
                b.wrapping_add(rep * p.b_next),
                c.wrapping_add(rep * p.c_next),
            )
        };
        let mut rep = 0;
        // SAFETY: products `rep..rep + NV` (then 2, then 1) are among the `repeat`.
        unsafe {
            while rep + NV <= p.repeat {
                let (b, c) = at(rep);
                rows::<V, MR, NV>(p, b, c, vs, start);
                rep += NV;
            }
            while rep + 2 <= p.repeat {
                let (b, c) = at(rep);
                rows::<V, MR, 2>(p, b, c, vs, start);
                rep += 2;
            }
            if rep < p.repeat {
                let (b, c) = at(rep);
                rows::<V, MR, 1>(p, b, c, vs, start);
            }
        }
        return;
    }
    let width = NV * V::WIDTH;
    for rep in 0..p.repeat {
        let (b, c) = (
            b.wrapping_add(rep * p.b_next),
            c.wrapping_add(rep * p.c_next),
        );
        let mut col = 0;
        // SAFETY: `col + cols <= n`, in product `rep < repeat`.
        unsafe {
            while col + width <= p.n {
                let vs = Vectors::columns::<V>(width);
                rows::<V, MR, NV>(p, b.add(col), c.add(col), vs, start);
                col += width;
            }
            let (b, c, vs) = (b.add(col), c.add(col), Vectors::columns::<V>(p.n - col));
            if p.n - col > 2 * V::WIDTH {
                rows::<V, MR, NV>(p, b, c, vs, start);
            } else if p.n - col > V::WIDTH {
                rows::<V, MR, 2>(p, b, c, vs, start);
            } else if p.n > col {
                rows::<V, MR, 1>(p, b, c, vs, start);
            }
        }
    }
}
