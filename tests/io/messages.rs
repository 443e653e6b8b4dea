//! What the loader says: index names against names, and which tensor a damaged file is
//! reported by.

use nncore::io::{self, LoadError};
use rand::{SeedableRng, rngs::StdRng};

use super::{AdamTanh, SeedMlpIndexed, SeedMlpNamed, load_err};

nncore::sequential! {
    /// `SeedMlpNamed`'s layers under other names.
    pub struct Renamed { first: Linear(1, 13), act: Tanh, second: Linear(13, 1) }
}

#[test]
fn index_names_against_names_say_which_model_loads_the_file() {
    let indexed = io::to_bytes(&SeedMlpIndexed::init(&mut StdRng::seed_from_u64(1))).unwrap();
    let err = load_err(&indexed);
    match &err {
        LoadError::LayerNames {
            file_indexed,
            file_key,
            model_key,
        } => {
            assert!(*file_indexed);
            assert_eq!(file_key, "0.weight");
            assert_eq!(*model_key, "hidden_linear.weight");
        }
        _ => panic!("{err}"),
    }
    assert_eq!(
        err.to_string(),
        "the file's keys are index names (`0.weight`, ...), as `nn.Sequential(...)` without names \
         writes them, but the model's are names (`hidden_linear.weight`, ...): to load it, \
         declare the model as a tuple struct `struct Net(...)` of the same layers, or name the \
         layers in PyTorch with `nn.Sequential(OrderedDict(...))`"
    );

    // The reverse: a file of names into the tuple struct.
    let named = io::to_bytes(&SeedMlpNamed::init(&mut StdRng::seed_from_u64(2))).unwrap();
    let mut model = SeedMlpIndexed::ZERO;
    let err = io::load_bytes(&mut model, &named).unwrap_err();
    assert!(
        matches!(&err, LoadError::LayerNames { file_indexed: false, file_key, model_key }
            if file_key == "hidden_linear.weight" && *model_key == "0.weight"),
        "{err}"
    );
    let message = err.to_string();
    assert!(
        message.starts_with("the file's keys are names (`hidden_linear.weight`, ...)"),
        "{message}"
    );
    assert!(
        message.contains("declare the model with named fields"),
        "{message}"
    );
    assert_eq!(model, SeedMlpIndexed::ZERO);

    // Names on both sides that differ are an ordinary missing key.
    let renamed = io::to_bytes(&Renamed::ZERO).unwrap();
    let err = load_err(&renamed);
    assert!(
        matches!(&err, LoadError::MissingKey { key } if *key == "hidden_linear.weight"),
        "{err}"
    );
    // Index names whose layers differ in shape too: not only the names differ.
    let mut other = AdamTanh::ZERO;
    let err = io::load_bytes(&mut other, &indexed).unwrap_err();
    assert!(
        matches!(&err, LoadError::MissingKey { key } if *key == "fc1.weight"),
        "{err}"
    );
    // A non-strict load reports the keys rather than refusing them.
    let options = io::LoadOptions {
        strict: false,
        ..Default::default()
    };
    let mut model = SeedMlpNamed::ZERO;
    let report = io::load_bytes_with(&mut model, &indexed, &options).unwrap();
    assert_eq!(report.missing_keys.len(), 4);
    assert_eq!(
        report.unexpected_keys,
        ["0.bias", "0.weight", "2.bias", "2.weight"]
    );
    assert_eq!(model, SeedMlpNamed::ZERO);
}

/// A file from its JSON header and `len` zero bytes of data.
fn raw(header: &str, len: usize) -> Vec<u8> {
    let mut bytes = (header.len() as u64).to_le_bytes().to_vec();
    bytes.extend_from_slice(header.as_bytes());
    bytes.resize(bytes.len() + len, 0);
    bytes
}

/// A `SeedMlpNamed` header whose tensors have these dtypes, shapes and offsets.
fn header(entries: &[(&str, &str, &str, (usize, usize))]) -> String {
    let body: Vec<String> = entries
        .iter()
        .map(|(key, dtype, shape, (start, end))| {
            format!(
                r#""{key}":{{"dtype":"{dtype}","shape":{shape},"data_offsets":[{start},{end}]}}"#
            )
        })
        .collect();
    format!("{{{}}}", body.join(","))
}

/// The error for `bytes`, the same on every load (no hash order decides it).
fn stable_err(bytes: &[u8]) -> String {
    let first = load_err(bytes).to_string();
    for _ in 0..20 {
        assert_eq!(load_err(bytes).to_string(), first);
    }
    first
}

#[test]
fn of_several_bad_tensors_the_first_in_model_order_is_named() {
    // Two tensors whose byte ranges do not fit their shapes: the file lists `output_linear.weight`
    // first, the model `hidden_linear.bias`.
    let two_sizes = header(&[
        ("hidden_linear.weight", "F32", "[13,1]", (0, 52)),
        ("output_linear.weight", "F32", "[1,13]", (52, 100)),
        ("hidden_linear.bias", "F32", "[13]", (100, 148)),
        ("output_linear.bias", "F32", "[1]", (148, 152)),
    ]);
    assert_eq!(
        stable_err(&raw(&two_sizes, 152)),
        "the file's entry for `hidden_linear.bias` is corrupt: it is F32 [13], 52 bytes, but its \
         offsets 100..148 hold 48"
    );

    // Two tensors on the same bytes: the later of the two in the model's order is named.
    let shared = header(&[
        ("hidden_linear.weight", "F32", "[13,1]", (0, 52)),
        ("output_linear.weight", "F32", "[1,13]", (52, 104)),
        ("hidden_linear.bias", "F32", "[13]", (52, 104)),
        ("output_linear.bias", "F32", "[1]", (104, 108)),
    ]);
    assert_eq!(
        stable_err(&raw(&shared, 108)),
        "the file's entry for `output_linear.weight` is corrupt: its bytes 52..104 overlap those \
         of `hidden_linear.bias`, 52..104"
    );

    // Unknown dtypes: the model's order again, not the file's.
    let dtypes = header(&[
        ("hidden_linear.weight", "F32", "[13,1]", (0, 52)),
        ("hidden_linear.bias", "F33", "[13]", (52, 104)),
        ("output_linear.weight", "F32", "[1,13]", (104, 156)),
        ("output_linear.bias", "X", "[1]", (156, 160)),
    ]);
    let message = stable_err(&raw(&dtypes, 160));
    assert!(
        message.starts_with(
            "the file's entry for `hidden_linear.bias` is corrupt: unknown variant `F33`"
        ),
        "{message}"
    );

    // Among tensors the model does not have, the first by name.
    let extras = header(&[
        ("hidden_linear.weight", "F32", "[13,1]", (0, 52)),
        ("hidden_linear.bias", "F32", "[13]", (52, 104)),
        ("output_linear.weight", "F32", "[1,13]", (104, 156)),
        ("output_linear.bias", "F32", "[1]", (156, 160)),
        ("z", "F32", "[2]", (160, 164)),
        ("a", "F32", "[2]", (164, 168)),
    ]);
    assert_eq!(
        stable_err(&raw(&extras, 168)),
        "the file's entry for `a` is corrupt: it is F32 [2], 8 bytes, but its offsets 164..168 hold 4"
    );

    // A gap: named by the tensor after it.
    let gap = header(&[
        ("hidden_linear.weight", "F32", "[13,1]", (0, 52)),
        ("hidden_linear.bias", "F32", "[13]", (56, 108)),
        ("output_linear.weight", "F32", "[1,13]", (108, 160)),
        ("output_linear.bias", "F32", "[1]", (160, 164)),
    ]);
    let err = load_err(&raw(&gap, 164));
    assert!(
        matches!(&err, LoadError::CorruptTensor { key, .. } if key == "hidden_linear.bias"),
        "{err}"
    );
    assert!(
        err.to_string()
            .ends_with("the bytes 52..56 before it belong to no tensor"),
        "{err}"
    );

    // A file that is sound but for a short data section is truncated, with the length it needs.
    let good = header(&[
        ("hidden_linear.weight", "F32", "[13,1]", (0, 52)),
        ("hidden_linear.bias", "F32", "[13]", (52, 104)),
        ("output_linear.weight", "F32", "[1,13]", (104, 156)),
        ("output_linear.bias", "F32", "[1]", (156, 160)),
    ]);
    let mut model = SeedMlpNamed::ZERO;
    io::load_bytes(&mut model, &raw(&good, 160)).unwrap();
    let short = raw(&good, 150);
    let needed = short.len() as u64 + 10;
    assert!(matches!(load_err(&short), LoadError::Truncated { needed: n, .. } if n == needed));
}

nncore::sequential! {
    #[input(2, 8, 8)]
    pub struct KerasLayout { conv: Conv2d(2, 4, 3), flat: Flatten, fc: Linear(144, 5) }
}

/// A weight in another framework's layout (a channels-last convolution kernel, a dense kernel
/// `[in, out]`) is named as such, with the rearrangement that makes it PyTorch's; a shape that is
/// not a rearrangement is only the two shapes.
#[test]
fn a_weight_in_another_layout_says_how_to_rearrange_it() {
    let model = io::to_bytes(&KerasLayout::ZERO).unwrap();
    let tensors = safetensors::SafeTensors::deserialize(&model).unwrap();
    let with_shape = |key: &str, shape: &[usize]| {
        let views: Vec<(String, safetensors::tensor::TensorView<'_>)> = tensors
            .tensors()
            .into_iter()
            .map(|(name, view)| {
                if name == key {
                    let view = safetensors::tensor::TensorView::new(
                        view.dtype(),
                        shape.to_vec(),
                        view.data(),
                    )
                    .unwrap();
                    (name, view)
                } else {
                    (name, view)
                }
            })
            .collect();
        let bytes = safetensors::serialize(views, None).unwrap();
        io::from_bytes::<KerasLayout>(&bytes)
            .unwrap_err()
            .to_string()
    };
    assert_eq!(
        with_shape("conv.weight", &[3, 3, 2, 4]),
        "`conv.weight` has shape [3, 3, 2, 4] in the file but [4, 2, 3, 3] in the model: the \
         file holds `[kh, kw, in, out]`, a convolution kernel stored channels-last (Keras and \
         TensorFlow store it so; PyTorch's is `[out, in, ...]`); rearrange it with \
         `.permute(3, 2, 0, 1)` (and `.contiguous()`) before saving"
    );
    assert!(
        with_shape("fc.weight", &[144, 5]).contains("the file holds its transpose"),
        "transposed dense kernel"
    );
    assert_eq!(
        with_shape("conv.weight", &[2, 4, 3, 3]),
        "`conv.weight` has shape [2, 4, 3, 3] in the file but [4, 2, 3, 3] in the model"
    );
}

/// A file of another format given as safetensors (a `torch.save` archive written by PyTorch,
/// `scripts/io_cases.py`; the first bytes of the others) is named, with how to write safetensors.
#[test]
fn another_format_is_named_with_how_to_write_safetensors() {
    let err = io::from_bytes::<SeedMlpNamed>(include_bytes!("torch_save.pt")).unwrap_err();
    assert!(
        matches!(
            err,
            LoadError::OtherFormat {
                format: io::FileFormat::Zip
            }
        ),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        "the file is a zip archive, as `torch.save` writes (`.pt`, `.pth`), not safetensors: in \
         PyTorch, write the model's weights with \
         `safetensors.torch.save_file(model.state_dict(), path)`"
    );
    let starts: [(&[u8], io::FileFormat); 4] = [
        (
            &[0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9],
            io::FileFormat::Pickle,
        ),
        (b"\x89HDF\r\n\x1a\n\0\0\0\0", io::FileFormat::Hdf5),
        (b"\x93NUMPY\x01\x00v\x00{'descr'", io::FileFormat::Npy),
        (b"\x1c\0\0\0TFL3\0\0\0\0\0\0", io::FileFormat::TfLite),
    ];
    for (bytes, format) in starts {
        let err = io::from_bytes::<SeedMlpNamed>(bytes).unwrap_err();
        assert!(
            matches!(err, LoadError::OtherFormat { format: f } if f == format),
            "{format:?}: {err}"
        );
    }
    // A sound safetensors file is never taken for another format, whatever its length field.
    let good = io::to_bytes(&SeedMlpNamed::ZERO).unwrap();
    assert_eq!(io::FileFormat::sniff(&good), None);
}

nncore::sequential! {
    pub struct Inner { fc: Linear(2, 3), act: Tanh, out: Linear(3, 1) }
    pub struct Wrapped { net: Inner }
}

/// The file's keys under one more module than the model's (`module.`, as `nn.DataParallel`
/// saves a model), or the reverse: the message names the prefix and how to load the file.
#[test]
fn keys_under_a_prefix_say_how_to_strip_it() {
    let inner = io::to_bytes(&Inner::ZERO).unwrap();
    let tensors = safetensors::SafeTensors::deserialize(&inner).unwrap();
    let prefixed: Vec<(String, safetensors::tensor::TensorView<'_>)> = tensors
        .tensors()
        .into_iter()
        .map(|(name, view)| (format!("module.{name}"), view))
        .collect();
    let bytes = safetensors::serialize(prefixed, None).unwrap();
    let err = io::from_bytes::<Inner>(&bytes).unwrap_err();
    assert!(
        matches!(&err, LoadError::KeyPrefix { prefix, in_file: true, .. } if prefix == "module."),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        "every key in the file starts with `module.` (`module.fc.weight`), which the model's do \
         not (`fc.weight`), as `nn.DataParallel` and `DistributedDataParallel` save a model: \
         save the inner model's `state_dict`, or strip the prefix in PyTorch with \
         `torch.nn.modules.utils.consume_prefix_in_state_dict_if_present(state, 'module.')` \
         before saving"
    );

    // The file of a part of the model.
    let err = io::from_bytes::<Wrapped>(&inner).unwrap_err();
    assert_eq!(
        err.to_string(),
        "every key of the model starts with `net.` (`net.fc.weight`), which the file's do not \
         (`fc.weight`): the file holds the weights of `net` alone; load it into that part, \
         `io::load_into(&mut model.net, path)`"
    );
    let mut wrapped = Wrapped::ZERO;
    io::load_bytes(&mut wrapped.net, &inner).unwrap();

    // Keys that differ otherwise are an ordinary missing key.
    let mut partial = tensors.tensors();
    partial.retain(|(name, _)| name != "out.bias");
    let bytes = safetensors::serialize(partial, None).unwrap();
    let err = io::from_bytes::<Inner>(&bytes).unwrap_err();
    assert!(
        matches!(&err, LoadError::MissingKey { key } if *key == "out.bias"),
        "{err}"
    );
}
