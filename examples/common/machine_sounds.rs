//! Synthetic machine sounds for the anomaly example, as log-mel spectra.
//!
//! A frame is what MLPerf Tiny's anomaly detector reads: 5 consecutive spectra of 128 mel bins
//! (0 to 8 kHz), 640 values. A normal machine hums: a fundamental between 90 and 130 Hz (its
//! speed, drawn per frame) and 12 harmonics in one of three timbres, over a noise floor that
//! falls with frequency and fluctuates. An anomalous one adds one fault: a whine (a tone
//! unrelated to the fundamental), a wrong speed (a fundamental outside the normal range), or a
//! rattle (a burst of noise in one band during some of the spectra). Values are the log of
//! the power, standardized per value with the training frames' mean and deviation.

use rand::{Rng, RngExt};

/// Mel bins in one spectrum.
pub const BINS: usize = 128;
/// Spectra in one frame.
pub const SPECTRA: usize = 5;
/// A frame: 5 spectra of 128 log-mel values, one after the other.
pub type Frame = [f32; BINS * SPECTRA];

/// The faults of the anomalous test frames, in turn: frame `i` has fault `FAULTS[i % 3]`.
pub const FAULTS: [&str; 3] = ["whine", "wrong speed", "rattle"];

/// The training frames (normal only) and the test frames, normal and anomalous.
pub struct Sounds {
    pub train: Vec<Frame>,
    pub test_normal: Vec<Frame>,
    pub test_anomalous: Vec<Frame>,
}

/// What is wrong with a machine.
#[derive(Clone, Copy)]
enum Fault {
    None,
    Whine,
    Speed,
    Rattle,
}

impl Sounds {
    /// `train` normal frames to learn from, `test` normal and `test` anomalous ones (the
    /// faults in turn, as [`FAULTS`] names them) to score.
    pub fn generate<R: Rng + ?Sized>(train: usize, test: usize, rng: &mut R) -> Self {
        let faults = [Fault::Whine, Fault::Speed, Fault::Rattle];
        let mut sounds = Sounds {
            train: (0..train).map(|_| frame(Fault::None, rng)).collect(),
            test_normal: (0..test).map(|_| frame(Fault::None, rng)).collect(),
            test_anomalous: (0..test).map(|i| frame(faults[i % 3], rng)).collect(),
        };
        let (mean, deviation) = moments(&sounds.train);
        for frame in [
            &mut sounds.train,
            &mut sounds.test_normal,
            &mut sounds.test_anomalous,
        ]
        .into_iter()
        .flatten()
        {
            for ((v, m), d) in frame.iter_mut().zip(&mean).zip(&deviation) {
                *v = (*v - m) / d;
            }
        }
        sounds
    }
}

/// The fractional mel bin of a frequency in Hz: mel scale, 0 to 8 kHz over 128 bins.
fn mel_bin(hz: f32) -> f32 {
    let mel = |f: f32| (1.0 + f / 700.0).ln();
    BINS as f32 * mel(hz) / mel(8000.0)
}

/// A standard normal value (Box–Muller).
fn gauss<R: Rng + ?Sized>(rng: &mut R) -> f32 {
    let (u, v): (f32, f32) = (rng.random(), rng.random());
    (-2.0 * (1.0 - u).ln()).sqrt() * (std::f32::consts::TAU * v).cos()
}

/// Adds a peak of power `power` at bin `center`, about a bin and a half wide, to `spectrum`.
fn add_peak(spectrum: &mut [f32; BINS], center: f32, power: f32) {
    for (b, p) in spectrum.iter_mut().enumerate() {
        let d = (b as f32 - center) / 1.2;
        *p += power * (-0.5 * d * d).exp();
    }
}

/// One frame of a machine with `fault`, as log power (not yet standardized).
fn frame<R: Rng + ?Sized>(fault: Fault, rng: &mut R) -> Frame {
    let timbre = rng.random_range(0..3);
    let f0 = match fault {
        Fault::Speed if rng.random::<bool>() => rng.random_range(135.0..150.0),
        Fault::Speed => rng.random_range(75.0..85.0),
        _ => rng.random_range(90.0..130.0),
    };
    let whine = (rng.random_range(300.0..3000.0), rng.random_range(0.05..0.2));
    let rattle_band = rng.random_range(40..BINS - 24);
    let mut out = [0.0; BINS * SPECTRA];
    for (t, spectrum_out) in out.chunks_exact_mut(BINS).enumerate() {
        let loudness = (0.1 * gauss(rng)).exp();
        let mut spectrum = [0.0; BINS];
        for (b, p) in spectrum.iter_mut().enumerate() {
            *p = 0.02 * (-(b as f32) / 40.0).exp() * (0.3 * gauss(rng)).exp();
        }
        for k in 1..=12 {
            let kf = k as f32;
            let amplitude = match timbre {
                0 => 1.0 / kf,
                1 if k % 2 == 1 => 1.0 / kf,
                1 => 0.2 / kf,
                _ => (-(kf - 3.0) * (kf - 3.0) / 4.0).exp(),
            };
            add_peak(&mut spectrum, mel_bin(kf * f0), loudness * amplitude);
        }
        match fault {
            Fault::Whine => add_peak(&mut spectrum, mel_bin(whine.0), whine.1),
            Fault::Rattle if t % 2 == 1 => {
                for p in &mut spectrum[rattle_band..rattle_band + 16] {
                    *p *= 6.0;
                }
            }
            _ => {}
        }
        for (o, p) in spectrum_out.iter_mut().zip(spectrum) {
            *o = (p + 1e-4).ln();
        }
    }
    out
}

/// Each value's mean and standard deviation over `frames`.
fn moments(frames: &[Frame]) -> (Frame, Frame) {
    let n = frames.len() as f32;
    let mut mean = [0.0; BINS * SPECTRA];
    for frame in frames {
        for (m, v) in mean.iter_mut().zip(frame) {
            *m += v / n;
        }
    }
    let mut deviation = [0.0; BINS * SPECTRA];
    for frame in frames {
        for ((d, v), m) in deviation.iter_mut().zip(frame).zip(&mean) {
            *d += (v - m) * (v - m) / n;
        }
    }
    for d in &mut deviation {
        *d = d.sqrt().max(1e-6);
    }
    (mean, deviation)
}
