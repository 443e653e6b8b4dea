//! `quantize` on a model whose forward pass adds a value back (`fn forward` with `+`): each `+`
//! becomes TensorFlow Lite's int8 `ADD`, its inputs and output calibrated like every other
//! value, the ReLU after it fused. (The int8 `Flatten` reads TensorFlow Lite's
//! channels-last layout in PyTorch's order.) The int8 twin must compute, byte for byte, what the same int8
//! layers composed by hand compute, and classify the digits about as well as the float model.

use nncore::data::{DataLoader, read_csv, train_val_split};
use nncore::prelude::*;
use nncore::quant::ptq::MinMax;
use nncore::quant::{Activation, Add, Int8Sample, Norm, Plan, QuantLayer, Quantize, Rounding};
use nncore::{Adam, AdamConfig, CrossEntropyLoss, Grads, Train};
use rand::SeedableRng;
use rand::rngs::StdRng;

type Image = [[[f32; 8]; 8]; 1];
type Map = [[[f32; 8]; 8]; 8];
type Int8Image = [[[i8; 1]; 8]; 8];
type Int8Map = [[[i8; 8]; 8]; 8];
type Int8Pooled = [[[i8; 8]; 4]; 4];

nncore::sequential! {
    #[input(1, 8, 8)]
    struct ResidualDigits {
        conv1: Conv2d(1, 8, 3, padding = 1),
        bn1: BatchNorm2d(8),
        relu: ReLU,
        conv2: Conv2d(8, 8, 3, padding = 1),
        bn2: BatchNorm2d(8),
        pool: AvgPool2d(2),
        flat: Flatten,
        fc: Linear(128, 10),
    }
    fn forward(x) {
        let h = relu(bn1(conv1(x)));
        let y = bn2(conv2(h));
        fc(flat(pool(relu(h + y))))
    }
}

/// The digits as 8×8 images in [0, 1], and their labels.
fn digits() -> (Vec<Image>, Vec<usize>) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/digits.csv");
    let rows = read_csv::<65>(path, true).unwrap();
    let xs = rows
        .iter()
        .map(|r| {
            [std::array::from_fn(|y| {
                std::array::from_fn(|x| r[8 * y + x] / 16.0)
            })]
        })
        .collect();
    (xs, rows.iter().map(|r| r[64] as usize).collect())
}

fn trained(xs: &[Image], ys: &[usize]) -> ResidualDigits {
    let mut rng = StdRng::seed_from_u64(7);
    let mut model = ResidualDigits::init(&mut rng);
    let mut opt = Adam::new(AdamConfig {
        lr: 3e-3,
        ..Default::default()
    })
    .unwrap();
    let mut grads = Grads::<ResidualDigits>::new();
    let mut train = Train::new(StdRng::seed_from_u64(8));
    let mut loader = DataLoader::new(xs, ys, 32).unwrap();
    for _ in 0..3 {
        let mut epoch = loader.epoch(&mut rng);
        while let Some((bx, by)) = epoch.next_batch() {
            grads.zero_grad();
            train
                .backward_loss(&mut model, &CrossEntropyLoss::new(), bx, by, &mut grads)
                .unwrap();
            opt.step(&mut model, &grads);
        }
    }
    model
}

fn argmax(v: &[f32; 10]) -> usize {
    (0..10).max_by(|&a, &b| v[a].total_cmp(&v[b])).unwrap()
}

/// The float values the hand-made plan calibrates: the input, `h`, `y`, `relu(h + y)`, the
/// logits.
fn values(m: &ResidualDigits, x: &Image) -> [Vec<f32>; 5] {
    let h: Map = m.relu.forward(&m.bn1.forward(&m.conv1.forward(x)));
    let y: Map = m.bn2.forward(&m.conv2.forward(&h));
    let z: Map = m.relu.forward(&nncore::__private::add(&h, &y));
    let out = m.forward(x);
    let flat = |t: &Map| t.as_flattened().as_flattened().to_vec();
    [
        x.as_flattened().as_flattened().to_vec(),
        flat(&h),
        flat(&y),
        flat(&z),
        out.to_vec(),
    ]
}

fn plan<'a>(
    input: nncore::quant::QuantParams,
    output: nncore::quant::QuantParams,
    activation: Activation,
    norm: Option<&'a dyn Norm>,
) -> Plan<'a> {
    Plan {
        name: "layer",
        input,
        output,
        activation,
        norm,
        rounding: Rounding::Double,
    }
}

#[test]
fn a_residual_model_quantizes_as_its_layers_composed_by_hand() {
    let (xs, ys) = digits();
    let mut rng = StdRng::seed_from_u64(3);
    let split = train_val_split(&xs, &ys, 0.2, &mut rng).unwrap();
    let model = trained(&split.train_x, &split.train_y);
    let calibration = &split.train_x[..300];
    let int8 = model.quantize(calibration).unwrap();

    // The plan by hand: BatchNorms folded, the first ReLU fused into conv1, the second into
    // the ADD, pooling and flattening quantized as their input.
    let mut ranges = [MinMax::new(); 5];
    for x in calibration {
        for (r, v) in ranges.iter_mut().zip(values(&model, x)) {
            r.observe(&v).unwrap();
        }
    }
    // TensorFlow Lite's interpreter adds in place over `y`, which only the sum reads, and the
    // converter records `y` again after the sum: its range takes in the sum's.
    let z = ranges[3].range().unwrap();
    ranges[2].observe(&z).unwrap();
    let [q_x, q_h, q_y, q_z, q_out] = ranges.map(|r| r.params().unwrap());
    let conv1 = model
        .conv1
        .quantize(&plan(q_x, q_h, Activation::Relu, Some(&model.bn1)))
        .unwrap();
    let conv2 = model
        .conv2
        .quantize(&plan(q_h, q_y, Activation::None, Some(&model.bn2)))
        .unwrap();
    let add = Add::new(q_h, q_y, q_z, Activation::Relu);
    let pool = model
        .pool
        .quantize(&plan(q_z, q_z, Activation::None, None))
        .unwrap();
    let flat = model
        .flat
        .quantize(&plan(q_z, q_z, Activation::None, None))
        .unwrap();
    let fc = model
        .fc
        .quantize(&plan(q_z, q_out, Activation::None, None))
        .unwrap();
    assert_eq!(int8.conv1, conv1);
    assert_eq!(int8.conv2, conv2);
    assert_eq!(int8.adds, [add]);
    assert_eq!(int8.pool, pool);
    assert_eq!(int8.flat, flat);
    assert_eq!(int8.fc, fc);
    assert_eq!(int8.input_params(), q_x);
    assert_eq!(int8.output_params(), q_out);

    let mut differing = 0;
    for x in &split.val_x {
        let q = Int8Image::quantize(x, q_x);
        let h: Int8Map = QuantLayer::forward(&conv1, &q);
        let y: Int8Map = QuantLayer::forward(&conv2, &h);
        let z = add.forward(&h, &y);
        let p: Int8Pooled = QuantLayer::forward(&pool, &z);
        let f: [i8; 128] = QuantLayer::forward(&flat, &p);
        let want: [i8; 10] = QuantLayer::forward(&fc, &f);
        differing += int8
            .forward(&q)
            .iter()
            .zip(&want)
            .filter(|(a, b)| a != b)
            .count();
    }
    assert_eq!(
        differing, 0,
        "output bytes differing from the hand-composed layers"
    );

    // Float and int8 classify the held-out digits alike.
    let (mut float_right, mut int8_right, mut agree) = (0, 0, 0);
    for (x, &y) in split.val_x.iter().zip(&split.val_y) {
        let (f, q) = (argmax(&model.forward(x)), argmax(&int8.forward_f32(x)));
        float_right += usize::from(f == y);
        int8_right += usize::from(q == y);
        agree += usize::from(f == q);
    }
    let n = split.val_x.len() as f32;
    let (float_acc, int8_acc) = (float_right as f32 / n, int8_right as f32 / n);
    assert!(float_acc > 0.9, "float accuracy {float_acc}");
    assert!(
        (float_acc - int8_acc).abs() <= 0.02 && agree as f32 / n >= 0.97,
        "float {float_acc}, int8 {int8_acc}, agreement {}",
        agree as f32 / n
    );
    println!(
        "float {float_acc:.4}, int8 {int8_acc:.4}, agreement {:.4} on {n} digits",
        agree as f32 / n
    );
}

/// The stated bytes of a graph model's value: its layers and its `ADD`s.
#[test]
fn a_residual_model_states_the_bytes_it_stores() {
    assert_eq!(
        ResidualDigitsInt8::STORED_BYTES,
        size_of::<ResidualDigitsInt8>()
    );
    // Beyond the weights, every output channel's stage (an f32 scale and a two-word multiplier),
    // the `ADD`, then a few words of quantization and settings a layer.
    let channels = 8 + 8 + 10;
    let known = ResidualDigitsInt8::WEIGHT_BYTES + 12 * channels + size_of::<nncore::quant::Add>();
    let settings = ResidualDigitsInt8::STORED_BYTES - known;
    assert!(
        settings <= 8 * 80,
        "{settings} bytes of settings in eight layers"
    );
}
