//! Forward, backward, `zero_grad` and every optimizer's step allocate nothing on the heap.
//!
//! A counting global allocator counts the calls made by one thread while it is armed; the test
//! harness's own allocations (other threads, output capture) happen while it is not.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::hint::black_box;

use nncore::prelude::*;
use nncore::{Adam, AdamConfig, AdamW, AdamWConfig, Grads, MSELoss, Reduction, SGD, SGDConfig};

/// The system allocator, counting the calls made on an armed thread.
struct Counting;

thread_local! {
    static ARMED: Cell<bool> = const { Cell::new(false) };
    static CALLS: Cell<usize> = const { Cell::new(0) };
}

/// Counts one call if this thread is armed. `try_with` because the allocator also runs while
/// thread-locals are being torn down.
fn note() {
    if ARMED.try_with(Cell::get).unwrap_or(false) {
        let _ = CALLS.try_with(|c| c.set(c.get() + 1));
    }
}

// SAFETY: every call is forwarded unchanged to `System`; counting touches only `Cell`s.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note();
        // SAFETY: the caller's contract is passed on.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note();
        // SAFETY: as above.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note();
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        note();
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Runs `f` with this thread armed; returns its result and the allocator calls it made.
///
/// With `nncore/rayon`, the first parallel call would start rayon's global pool, which
/// allocates once: it is started here, before counting.
fn heap_calls<R>(f: impl FnOnce() -> R) -> (R, usize) {
    rayon::current_num_threads();
    CALLS.with(|c| c.set(0));
    ARMED.with(|a| a.set(true));
    let result = black_box(f());
    ARMED.with(|a| a.set(false));
    (result, CALLS.with(Cell::get))
}

nncore::sequential! {
    /// The chapter's model.
    struct TempNet {
        hidden_linear: Linear(1, 13),
        hidden_activ: Tanh,
        output_linear: Linear(13, 1),
    }
}

nncore::sequential! {
    /// Every layer kind.
    struct Every(
        Linear(3, 16),
        ReLU,
        Linear(16, 16, bias = false),
        LeakyReLU(0.1),
        Linear(16, 8),
        Sigmoid,
        Linear(8, 8),
        Tanh,
        Linear(8, 2),
    );
}

#[test]
fn the_counter_sees_allocations() {
    let (v, calls) = heap_calls(|| vec![1.0f32; 64]);
    assert!(calls >= 1, "a Vec allocates; counted {calls}");
    drop(v);
}

/// Asserts that `f` makes no allocator call; `what` names it.
#[track_caller]
fn assert_no_alloc<R>(what: &str, f: impl FnOnce() -> R) -> R {
    let (result, calls) = heap_calls(f);
    assert_eq!(calls, 0, "{what} made {calls} heap allocator calls");
    result
}

/// A model's whole training step, each part measured alone.
fn check<M, const IN: usize, const OUT: usize>(name: &str, mut model: M, xs: &[[f32; IN]])
where
    M: Model<[f32; IN], [f32; OUT]>,
{
    let targets: Vec<[f32; OUT]> = (0..xs.len())
        .map(|i| core::array::from_fn(|o| (i + o) as f32 * 0.1))
        .collect();
    let dys = vec![[0.25; OUT]; xs.len()];
    let mut out = vec![[0.0; OUT]; xs.len()];
    let mut grads = Grads::<M>::new();
    let loss_fn = MSELoss::new();
    let sum = MSELoss::with_reduction(Reduction::Sum);
    let config = SGDConfig {
        lr: 1e-3,
        momentum: 0.9,
        weight_decay: 1e-4,
        nesterov: true,
        ..SGDConfig::default()
    };
    let mut sgd = SGD::new(config).unwrap();
    let mut plain = SGD::new(SGDConfig::default()).unwrap();
    let mut adam = Adam::new(AdamConfig {
        amsgrad: true,
        weight_decay: 1e-4,
        ..AdamConfig::default()
    })
    .unwrap();
    let mut adamw = AdamW::new(AdamWConfig::default()).unwrap();

    assert_no_alloc(&format!("{name}: forward"), || model.forward(&xs[0]));
    assert_no_alloc(&format!("{name}: forward_into"), || {
        model.forward_into(xs, &mut out)
    })
    .unwrap();
    for round in 0..3 {
        let what = |step: &str| format!("{name}: {step} (round {round})");
        assert_no_alloc(&what("zero_grad"), || grads.zero_grad());
        let loss = assert_no_alloc(&what("backward_loss"), || {
            model.backward_loss(&loss_fn, xs, &targets, &mut grads)
        });
        assert!(loss.unwrap().is_finite());
        assert_no_alloc(&what("backward_loss with sum"), || {
            model.backward_loss(&sum, xs, &targets, &mut grads)
        })
        .unwrap();
        assert_no_alloc(&what("backward"), || model.backward(xs, &dys, &mut grads)).unwrap();
        // The first round is the momentum buffer's first step.
        assert_no_alloc(&what("SGD::step with momentum"), || {
            sgd.step(&mut model, &grads)
        });
        assert_no_alloc(&what("SGD::step"), || plain.step(&mut model, &grads));
        assert_no_alloc(&what("Adam::step with amsgrad"), || {
            adam.step(&mut model, &grads)
        });
        assert_no_alloc(&what("AdamW::step"), || adamw.step(&mut model, &grads));
    }
}

#[test]
fn temp_net() {
    let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(0);
    let xs: Vec<[f32; 1]> = (0..11).map(|i| [i as f32 * 0.5]).collect();
    check("TempNet", TempNet::init(&mut rng), &xs);
}

#[test]
fn every_layer() {
    let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(1);
    let xs: Vec<[f32; 3]> = (0..32)
        .map(|i| [i as f32 * 0.1, -(i as f32) * 0.05, 0.3])
        .collect();
    check("Every", Every::init(&mut rng), &xs);
}

nncore::sequential! {
    /// Convolution, pooling, normalization and dropout.
    #[input(2, 8, 8)]
    struct Conv {
        conv: Conv2d(2, 4, kernel_size = 3, padding = 1),
        bn: BatchNorm2d(4),
        act: ReLU,
        pool: MaxPool2d(2),
        seq_flat: Flatten,
        drop: Dropout(0.5),
        fc: Linear(64, 3),
        out: LogSoftmax(dim = 1),
    }
}

/// A conv model in evaluation mode (forward, backward) and in training mode, where a `Train`
/// allocates its buffers once, for the largest batch, and never again.
#[test]
fn conv_model_in_both_modes() {
    let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(2);
    let mut model = Conv::init(&mut rng);
    let xs: Vec<[[[f32; 8]; 8]; 2]> = (0..9)
        .map(|i| {
            core::array::from_fn(|c| {
                core::array::from_fn(|h| core::array::from_fn(|w| (i + c + h * w) as f32 * 0.01))
            })
        })
        .collect();
    let labels: Vec<usize> = (0..xs.len()).map(|i| i % 3).collect();
    let loss_fn = nncore::NLLLoss::new();
    let mut grads = Grads::<Conv>::new();
    let mut out = vec![[0.0; 3]; xs.len()];
    assert_no_alloc("Conv forward_into", || model.forward_into(&xs, &mut out)).unwrap();
    assert_no_alloc("Conv backward_loss", || {
        model.backward_loss(&loss_fn, &xs, &labels, &mut grads)
    })
    .unwrap();
    let mut train = nncore::Train::new(<rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(3));
    train.reserve::<Conv, _, _>(xs.len());
    let mut opt = SGD::<Conv>::new(SGDConfig {
        lr: 0.01,
        momentum: 0.9,
        ..Default::default()
    })
    .unwrap();
    for batch in [9, 4, 1, 9] {
        let (xs, labels) = (&xs[..batch], &labels[..batch]);
        assert_no_alloc("Train::backward_loss", || {
            train.backward_loss(&mut model, &loss_fn, xs, labels, &mut grads)
        })
        .unwrap();
        assert_no_alloc("Train::forward_into", || {
            train.forward_into(&mut model, xs, &mut out[..batch])
        })
        .unwrap();
        assert_no_alloc("SGD::step", || opt.step(&mut model, &grads));
    }
    assert_eq!(model.bn.num_batches_tracked, 8);
}
