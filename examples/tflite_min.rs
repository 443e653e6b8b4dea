//! One inference of each MLPerf Tiny reference `.tflite` file as `tflite!` compiles it, timed as
//! the least time a call over many short batches: on a machine shared with other work, the
//! batches nothing interrupted. `scripts/bench_tflite.py --min` times TensorFlow Lite's
//! interpreter the same way; `cargo bench --bench tflite` gives criterion's statistics.
//!
//! ```text
//! cargo run --release --example tflite_min [-- ad01,kws,resnet,vww]
//! ```
//!
//! With `NNCORE_NO_AMX` set, the convolutions run without AMX tiles where the CPU has them
//! (`Kernel::allow_amx`).

use std::hint::black_box;
use std::time::Instant;

use nn_embedded::imported::{ANOMALIES, IMAGES, KEYWORDS, PERSONS};

/// The least time a call, in µs, over 4000 batches of `per` calls (about 250 µs a batch, as
/// `scripts/bench_tflite.py --min` takes them).
fn least(mut f: impl FnMut(), per: usize) -> f64 {
    let mut best = f64::MAX;
    for _ in 0..4000 {
        let start = Instant::now();
        for _ in 0..per {
            f();
        }
        best = best.min(start.elapsed().as_secs_f64() / per as f64);
    }
    best * 1e6
}

fn main() {
    if std::env::var_os("NNCORE_NO_AMX").is_some() {
        nncore::quant::Kernel::allow_amx(false);
    }
    let which = std::env::args().nth(1);
    let which = which.as_deref().unwrap_or("ad01,kws,resnet,vww");
    // Deterministic int8 inputs (a linear congruential generator).
    let mut s = 18u32;
    let mut v = move || {
        s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        (s >> 24) as u8 as i8
    };
    let ad: [i8; 640] = std::array::from_fn(|_| v());
    let kws: [[[i8; 1]; 10]; 49] = std::array::from_fn(|_| std::array::from_fn(|_| [v()]));
    let ic: [[[i8; 3]; 32]; 32] =
        std::array::from_fn(|_| std::array::from_fn(|_| std::array::from_fn(|_| v())));
    let vww: [[[i8; 3]; 96]; 96] =
        std::array::from_fn(|_| std::array::from_fn(|_| std::array::from_fn(|_| v())));
    for name in which.split(',') {
        let t = match name {
            "ad01" => least(
                || {
                    black_box(ANOMALIES.forward(black_box(&ad)));
                },
                40,
            ),
            "kws" => least(
                || {
                    black_box(KEYWORDS.forward(black_box(&kws)));
                },
                4,
            ),
            "resnet" => least(
                || {
                    black_box(IMAGES.forward(black_box(&ic)));
                },
                1,
            ),
            "vww" => least(
                || {
                    black_box(PERSONS.forward(black_box(&vww)));
                },
                1,
            ),
            other => {
                eprintln!("unknown model {other}: ad01, kws, resnet or vww");
                std::process::exit(2);
            }
        };
        println!("{name}: {t:.2} µs");
    }
}
