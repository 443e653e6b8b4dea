//! What nesting does to a model's names, printing, gradients' fields, files and counts.

use super::fd::{batch, rng};
use super::models::*;
use super::paths::randomize_state;
use nncore::io;
use nncore::prelude::*;
use nncore::{BufferData, Grads};

/// A tensor's `state_dict` key and shape.
type Entry = (String, Vec<usize>);

/// `(name, shape)` of every parameter, then of every buffer.
fn state<M: Module>(model: &M) -> (Vec<Entry>, Vec<Entry>) {
    let params = model
        .parameters()
        .map(|p| (p.name.to_string(), p.shape.dims().to_vec()));
    let buffers = model
        .buffers()
        .map(|b| (b.name.to_string(), b.shape.dims().to_vec()));
    (params.collect(), buffers.collect())
}

/// `(name, shape)` pairs from literals.
fn named(entries: &[(&str, &[usize])]) -> Vec<Entry> {
    entries
        .iter()
        .map(|(n, s)| ((*n).to_owned(), s.to_vec()))
        .collect()
}

/// PyTorch's `named_parameters()` and `named_buffers()` of the same modules: each module's
/// attribute name, then the nested module's, then the tensor's, joined by dots; a tuple
/// struct's layers `0`, `1`, as `nn.Sequential` numbers them; a module registered once but
/// applied twice named once.
#[test]
fn names_nest_as_pytorch_names_them() {
    let (params, buffers) = state(&Outer::ZERO);
    let expected = named(&[
        ("stem.weight", &[4, 3]),
        ("stem.bias", &[4]),
        ("mid.inner.fc.weight", &[4, 4]),
        ("mid.inner.fc.bias", &[4]),
        ("mid.fc.weight", &[4, 4]),
        ("mid.fc.bias", &[4]),
        ("head.weight", &[2, 4]),
        ("head.bias", &[2]),
    ]);
    assert_eq!(params, expected, "Outer: parameters");
    assert!(buffers.is_empty(), "Outer: no buffers");
    let deepest = Outer::ZERO.parameters().nth(2).unwrap().name;
    assert_eq!(deepest.modules(), ["mid", "inner", "fc"]);
    assert_eq!(deepest.param, "weight");

    let (params, buffers) = state(&ConvNet::ZERO);
    let expected = named(&[
        ("stem.weight", &[2, 1, 3, 3]),
        ("stem.bias", &[2]),
        ("block.conv1.weight", &[3, 2, 3, 3]),
        ("block.bn1.weight", &[3]),
        ("block.bn1.bias", &[3]),
        ("block.conv2.weight", &[3, 3, 3, 3]),
        ("block.bn2.weight", &[3]),
        ("block.bn2.bias", &[3]),
        ("block.downsample.0.weight", &[3, 2, 1, 1]),
        ("block.downsample.1.weight", &[3]),
        ("block.downsample.1.bias", &[3]),
        ("fc.weight", &[2, 3]),
        ("fc.bias", &[2]),
    ]);
    assert_eq!(params, expected, "ConvNet: parameters");
    let mut expected = Vec::new();
    for bn in ["block.bn1", "block.bn2", "block.downsample.1"] {
        expected.push((format!("{bn}.running_mean"), vec![3]));
        expected.push((format!("{bn}.running_var"), vec![3]));
        expected.push((format!("{bn}.num_batches_tracked"), vec![]));
    }
    assert_eq!(buffers, expected, "ConvNet: buffers");
    let int64 = ConvNet::ZERO
        .buffers()
        .filter(|b| matches!(b.data, BufferData::I64(_)));
    assert_eq!(int64.count(), 3, "num_batches_tracked is int64");

    let names = |(params, _): (Vec<Entry>, _)| -> Vec<String> {
        params.into_iter().map(|(name, _)| name).collect()
    };
    let residual = ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"];
    let mut expected = vec!["stem.weight".to_owned(), "stem.bias".to_owned()];
    for field in ["a", "b"] {
        expected.extend(residual.map(|p| format!("{field}.{p}")));
    }
    expected.extend(["head.weight".to_owned(), "head.bias".to_owned()]);
    assert_eq!(names(state(&Stack::ZERO)), expected, "Stack");
    let shared = ["fc.weight", "fc.bias", "head.weight", "head.bias"];
    assert_eq!(names(state(&Shared::ZERO)), shared, "Shared");
    let mut expected: Vec<String> = residual.map(|p| format!("block.{p}")).to_vec();
    expected.extend(["head.weight".to_owned(), "head.bias".to_owned()]);
    assert_eq!(names(state(&TwiceNested::ZERO)), expected, "TwiceNested");
}

/// The lines of a layer as PyTorch prints them, in the golden `repr`s' format.
fn linear(i: usize, o: usize) -> String {
    format!("Linear(in_features={i}, out_features={o}, bias=True)")
}

fn batch_norm2d(c: usize) -> String {
    format!(
        "BatchNorm2d({c}, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)"
    )
}

/// `print(model)`: `Class(`, then `(name): ` and each layer, a nested module's lines indented
/// two more spaces under its own (PyTorch's `_addindent`), then `)`. A model with a `forward`
/// or `#[module]` is a class of its own, printed under its name or the one given; a list of
/// layers is an `nn.Sequential`.
#[test]
fn display_nests_and_indents_as_pytorch_prints() {
    let expected = [
        "Sequential(".to_owned(),
        format!("  (stem): {}", linear(3, 4)),
        "  (mid): Middle(".to_owned(),
        "    (inner): Inner(".to_owned(),
        format!("      (fc): {}", linear(4, 4)),
        "      (act): Tanh()".to_owned(),
        "    )".to_owned(),
        format!("    (fc): {}", linear(4, 4)),
        "  )".to_owned(),
        format!("  (head): {}", linear(4, 2)),
        ")".to_owned(),
    ];
    assert_eq!(Outer::ZERO.to_string(), expected.join("\n"), "Outer");

    let expected = [
        "ConvNet(".to_owned(),
        "  (stem): Conv2d(1, 2, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))".to_owned(),
        "  (block): BasicBlock(".to_owned(),
        "    (conv1): Conv2d(2, 3, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), bias=False)"
            .to_owned(),
        format!("    (bn1): {}", batch_norm2d(3)),
        "    (act): Tanh()".to_owned(),
        "    (conv2): Conv2d(3, 3, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), bias=False)"
            .to_owned(),
        format!("    (bn2): {}", batch_norm2d(3)),
        "    (downsample): Sequential(".to_owned(),
        "      (0): Conv2d(2, 3, kernel_size=(1, 1), stride=(2, 2), bias=False)".to_owned(),
        format!("      (1): {}", batch_norm2d(3)),
        "    )".to_owned(),
        "  )".to_owned(),
        "  (pool): AdaptiveAvgPool2d(output_size=1)".to_owned(),
        "  (flatten): Flatten(start_dim=1, end_dim=-1)".to_owned(),
        format!("  (fc): {}", linear(3, 2)),
        ")".to_owned(),
    ];
    assert_eq!(ConvNet::ZERO.to_string(), expected.join("\n"), "ConvNet");

    // Two fields of one nested type, each printed in full; a layer applied twice, once.
    let residual = |name: &str| {
        [
            format!("  ({name}): Residual("),
            format!("    (fc1): {}", linear(4, 6)),
            "    (act): Tanh()".to_owned(),
            format!("    (fc2): {}", linear(6, 4)),
            "  )".to_owned(),
        ]
    };
    let mut expected = vec![
        "Sequential(".to_owned(),
        format!("  (stem): {}", linear(3, 4)),
        "  (act): Tanh()".to_owned(),
    ];
    expected.extend(residual("a"));
    expected.extend(residual("b"));
    expected.extend([format!("  (head): {}", linear(4, 2)), ")".to_owned()]);
    assert_eq!(Stack::ZERO.to_string(), expected.join("\n"), "Stack");
    let expected = [
        "Shared(".to_owned(),
        format!("  (fc): {}", linear(4, 4)),
        "  (act): Tanh()".to_owned(),
        format!("  (head): {}", linear(4, 2)),
        ")".to_owned(),
    ];
    assert_eq!(Shared::ZERO.to_string(), expected.join("\n"), "Shared");
    let expected = [
        "DropBlock(".to_owned(),
        format!("  (fc1): {}", linear(4, 6)),
        "  (bn): BatchNorm1d(6, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)"
            .to_owned(),
        "  (act): Tanh()".to_owned(),
        "  (drop): Dropout(p=0.3, inplace=False)".to_owned(),
        format!("  (fc2): {}", linear(6, 4)),
        ")".to_owned(),
    ];
    assert_eq!(
        DropBlock::ZERO.to_string(),
        expected.join("\n"),
        "DropBlock"
    );
}

/// `Grads<M>` has `M`'s fields, nested: `grads.a.fc1.weight` is what `parameters()` calls
/// `a.fc1.weight`, PyTorch's `model.a.fc1.weight.grad`.
#[test]
fn grads_have_the_nested_fields() {
    let mut rng = rng(40);
    let model = Stack::init(&mut rng);
    let xs: Vec<[f32; 3]> = batch(&mut rng, 4, -1.0, 1.0);
    let dys: Vec<[f32; 2]> = batch(&mut rng, 4, -1.0, 1.0);
    let mut grads = Grads::<Stack>::new();
    model.backward(&xs, &dys, &mut grads).unwrap();
    let by_name = |name: &str| -> Vec<f32> {
        let param = grads
            .parameters()
            .find(|p| p.name.to_string().as_str() == name);
        param.unwrap().data.to_vec()
    };
    assert_eq!(grads.a.fc1.weight.as_flattened(), by_name("a.fc1.weight"));
    assert_eq!(grads.b.fc1.weight.as_flattened(), by_name("b.fc1.weight"));
    assert_eq!(grads.b.fc2.bias.as_slice(), by_name("b.fc2.bias"));
    assert_ne!(
        grads.a.fc1.weight, grads.b.fc1.weight,
        "two fields, two gradients"
    );
    assert_ne!(
        grads.a.fc1.weight, [[0.0; 4]; 6],
        "the first block has gradients"
    );

    let mut grads = Grads::<Outer>::new();
    let model = Outer::init(&mut rng);
    model.backward(&xs, &dys, &mut grads).unwrap();
    let deepest = grads.parameters().nth(2).unwrap();
    assert_eq!(deepest.name.to_string(), "mid.inner.fc.weight");
    assert_eq!(grads.mid.inner.fc.weight.as_flattened(), deepest.data);
    // On the heap, the nested layers' settings (a stride) restored as `new` has them.
    assert_eq!(*Grads::<ConvNet>::boxed(), Grads::<ConvNet>::new());
}

fn temp_file(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!(
        "nncore-graphs-{name}-{}.safetensors",
        std::process::id()
    ))
}

/// `io::save` writes the nested names as keys, and `io::load` reads back the same model, on
/// the stack and on the heap (where the nested layers' settings are restored).
#[test]
fn save_and_load_a_nested_model() {
    let mut rng = rng(41);
    let mut model = ConvNet::init(&mut rng);
    randomize_state(&mut model, &mut rng);
    for b in model.buffers_mut() {
        if let nncore::BufferDataMut::I64(n) = b.data {
            n[0] = 7;
        }
    }
    let path = temp_file("convnet");
    io::save(&model, &path).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    let file = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let mut keys: Vec<String> = file.names().into_iter().map(str::to_owned).collect();
    keys.sort();
    let (params, buffers) = state(&model);
    let mut expected: Vec<String> = params.into_iter().chain(buffers).map(|(n, _)| n).collect();
    expected.sort();
    assert_eq!(keys, expected, "the file's keys");
    let back: ConvNet = io::from_bytes(&bytes).unwrap();
    assert_eq!(back, model, "loaded on the stack");
    let boxed: Box<ConvNet> = io::from_bytes_boxed(&bytes).unwrap();
    assert_eq!(*boxed, model, "loaded on the heap");
    let xs: Vec<[[[f32; 5]; 5]; 1]> = batch(&mut rng, 3, -1.0, 1.0);
    assert_eq!(boxed.forward_batch(&xs), model.forward_batch(&xs));

    let model = Outer::init(&mut rng);
    let back: Outer = io::from_bytes(&io::to_bytes(&model).unwrap()).unwrap();
    assert_eq!(back, model, "Outer");
}

/// `from_state` and `from_params` hand each nested layer its own slice of the values, in
/// `state_dict` order.
#[test]
fn from_state_fills_the_nested_layers() {
    let mut rng = rng(42);
    let mut model = ConvNet::init(&mut rng);
    randomize_state(&mut model, &mut rng);
    let params: Vec<f32> = model.parameters().flat_map(|p| p.data.to_vec()).collect();
    let buffers: Vec<f32> = model
        .buffers()
        .flat_map(|b| match b.data {
            BufferData::F32(v) => v.to_vec(),
            BufferData::I64(v) => v.iter().map(|&n| n as f32).collect(),
        })
        .collect();
    let built = ConvNet::from_state(
        params.as_slice().try_into().unwrap(),
        buffers.as_slice().try_into().unwrap(),
    );
    assert_eq!(built, model, "ConvNet::from_state");

    let model = Outer::init(&mut rng);
    let params: Vec<f32> = model.parameters().flat_map(|p| p.data.to_vec()).collect();
    assert_eq!(
        Outer::from_params(params.as_slice().try_into().unwrap()),
        model
    );
}

/// The counts add up over nesting; a layer applied twice has its parameters once and its
/// multiply-adds twice. Each number is derived by hand from the layers: a `Linear(i, o)` has
/// `i·o + o` parameters and `i·o` multiply-adds, a convolution `out · in/groups · kh · kw`
/// multiply-adds for each output position, BatchNorm `2c` parameters and `2c + 1` buffers and
/// no multiply-adds (`Module::MULTIPLY_ADDS` of `BatchNorm2d`), a residual add none.
#[test]
fn counts_add_up_over_nesting() {
    // Inner: Linear(4, 4). Middle: Inner and Linear(4, 4). Outer: Linear(3, 4), Middle,
    // Linear(4, 2).
    assert_eq!((Inner::NUM_PARAMS, Inner::MULTIPLY_ADDS), (20, 16));
    assert_eq!((Middle::NUM_PARAMS, Middle::MULTIPLY_ADDS), (40, 32));
    assert_eq!(
        (Outer::NUM_PARAMS, Outer::MULTIPLY_ADDS),
        (16 + 40 + 10, 12 + 32 + 8)
    );
    // Residual: Linear(4, 6) and Linear(6, 4); Stack holds two.
    assert_eq!((Residual::NUM_PARAMS, Residual::MULTIPLY_ADDS), (58, 48));
    assert_eq!(
        (Stack::NUM_PARAMS, Stack::MULTIPLY_ADDS),
        (16 + 2 * 58 + 10, 12 + 2 * 48 + 8)
    );
    // Applied twice: parameters once, multiply-adds twice.
    assert_eq!(
        (Shared::NUM_PARAMS, Shared::MULTIPLY_ADDS),
        (20 + 10, 2 * 16 + 8)
    );
    assert_eq!(
        (Unshared::NUM_PARAMS, Unshared::MULTIPLY_ADDS),
        (2 * 20 + 10, 2 * 16 + 8)
    );
    assert_eq!(
        (TwiceNested::NUM_PARAMS, TwiceNested::MULTIPLY_ADDS),
        (58 + 10, 2 * 48 + 8)
    );
    // ConvResidual: a 3×3 convolution 2 → 2 over 4×4 (padding 1) twice, Linear(8, 2).
    let conv = 2 * 4 * 4 * 2 * 9;
    assert_eq!(ConvResidual::NUM_PARAMS, 2 * 2 * 9 + 2 + 18);
    assert_eq!(ConvResidual::MULTIPLY_ADDS, 2 * conv + 16);
    // Downsample: a 1×1 convolution 2 → 3 at stride 2 to 3×3, BatchNorm2d(3).
    assert_eq!(Downsample::NUM_PARAMS, 6 + 6);
    assert_eq!(Downsample::NUM_BUFFERS, 7);
    assert_eq!(Downsample::MULTIPLY_ADDS, 3 * 3 * 3 * 2);
    // ConvBlock: 3×3 2 → 3 at stride 2 (3×3 out), BatchNorm, 3×3 3 → 3 (3×3 out), BatchNorm,
    // Downsample.
    assert_eq!(ConvBlock::NUM_PARAMS, 54 + 6 + 81 + 6 + 12);
    assert_eq!(ConvBlock::NUM_BUFFERS, 3 * 7);
    assert_eq!(ConvBlock::MULTIPLY_ADDS, 27 * 18 + 27 * 27 + 54);
    // ConvNet: 3×3 1 → 2 over 5×5 (padding 1), ConvBlock, Linear(3, 2).
    assert_eq!(ConvNet::NUM_PARAMS, 18 + 2 + 159 + 8);
    assert_eq!(ConvNet::NUM_BUFFERS, 21);
    assert_eq!(ConvNet::MULTIPLY_ADDS, 2 * 25 * 9 + 1269 + 6);
    // And each is what the parameters and buffers hold.
    let model = ConvNet::ZERO;
    let values: usize = model.parameters().map(|p| p.data.len()).sum();
    assert_eq!(values, ConvNet::NUM_PARAMS);
    let buffers: usize = model.buffers().map(|b| b.shape.numel()).sum();
    assert_eq!(buffers, ConvNet::NUM_BUFFERS);
}
