//! Adam, AdamW and the schedules against PyTorch's documented algorithms.
//!
//! Expected values were computed once in float64 by following the algorithm boxes of
//! `torch.optim.Adam` and `torch.optim.AdamW` and the closed forms of `StepLR` and
//! `CosineAnnealingLR` in PyTorch's documentation, independently of this crate.

use super::*;
use crate::error::Error;
use crate::grads::Grads;
use crate::layers::dense::linear::Linear;

/// Three steps from `[0.5, -0.3, 0.1]` (weight, weight, bias) with fixed gradients.
fn three_steps(optimizer: &mut impl Optimizer<Linear<2, 1>>) -> [f32; 3] {
    let mut layer = Linear::<2, 1>::ZERO;
    layer.weight = [[0.5, -0.3]];
    layer.bias = [0.1];
    let gradients = [[0.2, -0.1, 0.05], [0.1, 0.3, -0.2], [-0.4, 0.0, 0.1]];
    let mut grads = Grads::<Linear<2, 1>>::new();
    for [a, b, c] in gradients {
        grads.weight = [[a, b]];
        grads.bias = [c];
        optimizer.step(&mut layer, &grads);
    }
    [layer.weight[0][0], layer.weight[0][1], layer.bias[0]]
}

fn close(found: [f32; 3], expected: [f64; 3], what: &str) {
    for (f, e) in found.iter().zip(expected) {
        assert!(
            (f64::from(*f) - e).abs() <= 1e-6,
            "{what}: found {found:?}, expected {expected:?}"
        );
    }
}

#[test]
fn adam_matches_pytorch() {
    let adam = |config| Adam::new(AdamConfig { lr: 0.1, ..config }).unwrap();
    let default = AdamConfig::default();
    let cases = [
        (
            default,
            [
                0.32741774895547493,
                -0.28762000637309126,
                0.06696773112921955,
            ],
            "default",
        ),
        (
            AdamConfig {
                weight_decay: 0.1,
                ..default
            },
            [
                0.31077253752071426,
                -0.26463857373303185,
                0.05919367308285477,
            ],
            "weight decay",
        ),
        (
            AdamConfig {
                amsgrad: true,
                ..default
            },
            [
                0.32741774895547493,
                -0.2876009010889947,
                0.06696773112921955,
            ],
            "amsgrad",
        ),
        (
            AdamConfig {
                maximize: true,
                ..default
            },
            [0.6725822510445251, -0.3123799936269087, 0.13303226887078048],
            "maximize",
        ),
    ];
    for (config, expected, what) in cases {
        close(three_steps(&mut adam(config)), expected, what);
    }
}

#[test]
fn adamw_decouples_weight_decay() {
    let adamw = |config| AdamW::new(AdamWConfig { lr: 0.1, ..config }).unwrap();
    let default = AdamWConfig {
        weight_decay: 0.1,
        ..Default::default()
    };
    close(
        three_steps(&mut adamw(default)),
        [
            0.31548942843582123,
            -0.2802055163628906,
            0.06542812727555491,
        ],
        "adamw",
    );
    let other = AdamWConfig {
        weight_decay: 0.5,
        amsgrad: true,
        betas: (0.5, 0.9),
        ..default
    };
    close(
        three_steps(&mut adamw(other)),
        [
            0.31991449761569285,
            -0.27369746276346124,
            0.06444667158959375,
        ],
        "adamw amsgrad",
    );
    assert_eq!(AdamWConfig::default().weight_decay, 1e-2);
    assert_eq!(AdamConfig::default().weight_decay, 0.0);
}

#[test]
fn adam_rejects_what_pytorch_rejects() {
    let bad = [
        (
            AdamConfig {
                lr: -1.0,
                ..Default::default()
            },
            "learning rate",
        ),
        (
            AdamConfig {
                eps: f32::NAN,
                ..Default::default()
            },
            "epsilon",
        ),
        (
            AdamConfig {
                betas: (1.0, 0.999),
                ..Default::default()
            },
            "beta1",
        ),
        (
            AdamConfig {
                betas: (0.9, -0.1),
                ..Default::default()
            },
            "beta2",
        ),
        (
            AdamConfig {
                weight_decay: -0.1,
                ..Default::default()
            },
            "weight_decay",
        ),
    ];
    for (config, setting) in bad {
        match Adam::<Linear<2, 1>>::new(config) {
            Err(Error::Hyperparameter { name, .. }) => assert_eq!(name, setting),
            other => panic!("{setting}: expected an error, got {other:?}"),
        }
        assert!(AdamW::<Linear<2, 1>>::new(config.into()).is_err());
    }
}

#[test]
fn schedules_follow_the_closed_forms() {
    let sgd = || {
        SGD::<Linear<2, 1>>::new(SGDConfig {
            lr: 0.1,
            ..Default::default()
        })
        .unwrap()
    };
    let mut opt = sgd();
    let mut step = StepLR::new(&opt, 3, 0.5).unwrap();
    let expected = [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025];
    assert_eq!(opt.lr(), expected[0]);
    for lr in &expected[1..] {
        step.step(&mut opt).unwrap();
        assert!((opt.lr() - lr).abs() < 1e-9, "{} vs {lr}", opt.lr());
    }

    let mut opt = Adam::<Linear<2, 1>>::new(AdamConfig {
        lr: 0.1,
        ..Default::default()
    })
    .unwrap();
    let mut cosine = CosineAnnealingLR::new(&opt, 5, 0.001).unwrap();
    let expected = [
        0.1,
        0.0905463412215599,
        0.0657963412215599,
        0.03520365877844011,
        0.010453658778440109,
        0.001,
        0.010453658778440095,
        0.035203658778440096,
    ];
    for lr in &expected[1..] {
        cosine.step(&mut opt).unwrap();
        assert!(
            (f64::from(opt.lr()) - lr).abs() < 1e-8,
            "{} vs {lr}",
            opt.lr()
        );
    }
    assert_eq!(cosine.epoch(), 7);
    assert!(StepLR::new(&sgd(), 0, 0.5).is_err());
    assert!(CosineAnnealingLR::new(&sgd(), 0, 0.0).is_err());
}

/// A negative or NaN rate is refused, as by the constructors, and the rate in force is kept.
fn check_set_lr(mut optimizer: impl Optimizer<Linear<2, 1>>) {
    for bad in [-1e-3, f32::NAN, f32::NEG_INFINITY] {
        match optimizer.set_lr(bad) {
            Err(Error::Hyperparameter { name, .. }) => assert_eq!(name, "learning rate"),
            other => panic!("set_lr({bad}): expected an error, got {other:?}"),
        }
        assert_eq!(optimizer.lr(), 0.1);
    }
    optimizer.set_lr(0.0).unwrap();
    assert_eq!(optimizer.lr(), 0.0);
    optimizer.set_lr(0.5).unwrap();
    assert_eq!(optimizer.lr(), 0.5);
}

#[test]
fn set_lr_rejects_what_new_rejects() {
    let sgd = SGD::new(SGDConfig {
        lr: 0.1,
        ..Default::default()
    });
    check_set_lr(sgd.unwrap());
    check_set_lr(
        Adam::new(AdamConfig {
            lr: 0.1,
            ..Default::default()
        })
        .unwrap(),
    );
    check_set_lr(
        AdamW::new(AdamWConfig {
            lr: 0.1,
            ..Default::default()
        })
        .unwrap(),
    );
}

#[test]
fn every_optimizer_counts_steps_and_lends_its_config() {
    let config = SGDConfig {
        lr: 0.1,
        momentum: 0.9,
        ..Default::default()
    };
    let mut sgd = SGD::new(config).unwrap();
    let mut adam = Adam::new(AdamConfig::default()).unwrap();
    let mut adamw = AdamW::new(AdamWConfig::default()).unwrap();
    assert_eq!((sgd.steps(), adam.steps(), adamw.steps()), (0, 0, 0));
    three_steps(&mut sgd);
    three_steps(&mut adam);
    three_steps(&mut adamw);
    assert_eq!((sgd.steps(), adam.steps(), adamw.steps()), (3, 3, 3));
    let _: (&SGDConfig, &AdamConfig, &AdamWConfig) = (sgd.config(), adam.config(), adamw.config());
    assert_eq!(*sgd.config(), config);
    assert_eq!(adamw.config().weight_decay, 1e-2);
}

/// `0 · γ^k` is NaN once `γ^k` overflows: the step is refused and nothing changes.
#[test]
fn a_schedule_that_reaches_nan_is_an_error() {
    let mut opt = SGD::<Linear<2, 1>>::new(SGDConfig {
        lr: 0.0,
        ..Default::default()
    })
    .unwrap();
    let mut schedule = StepLR::new(&opt, 1, f32::MAX).unwrap();
    for _ in 0..8 {
        schedule.step(&mut opt).unwrap();
    }
    assert!(matches!(
        schedule.step(&mut opt),
        Err(Error::Hyperparameter { value, .. }) if value.is_nan()
    ));
    assert_eq!((schedule.epoch(), opt.lr()), (8, 0.0));
}
