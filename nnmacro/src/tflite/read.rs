//! A reader of the parts of a `.tflite` file (TensorFlow Lite's FlatBuffers schema, version 3)
//! that the import needs: the first subgraph's tensors and operators with their raw option
//! tables, every offset checked against the file's length (a malformed file is an error naming
//! what could not be read, never a panic).

/// A `.tflite` file read into owned values.
pub struct Model<'a> {
    /// The tensors of the first subgraph.
    pub tensors: Vec<Tensor<'a>>,
    /// Its operators in run order.
    pub operators: Vec<Operator<'a>>,
    /// The graph's input tensors.
    pub inputs: Vec<i32>,
    /// The graph's output tensors.
    pub outputs: Vec<i32>,
    /// How many subgraphs the file has (the import runs the first).
    pub subgraphs: usize,
}

/// One tensor.
pub struct Tensor<'a> {
    /// Its name in the file.
    pub name: String,
    /// Its shape.
    pub shape: Vec<i32>,
    /// TensorFlow Lite's `TensorType` number (0 float32, 2 int32, 9 int8).
    pub dtype: u8,
    /// Scales: one, or one per channel along `quantized_dimension`.
    pub scales: Vec<f32>,
    /// Zero points, matching `scales`.
    pub zero_points: Vec<i64>,
    /// The axis of per-channel quantization.
    pub quantized_dimension: i32,
    /// Constant data, little-endian (empty for activations).
    pub data: &'a [u8],
}

/// One operator.
pub struct Operator<'a> {
    /// Its `BuiltinOperator` number, or the name of a custom operator.
    pub builtin: Result<i32, String>,
    /// Input tensor indices (−1: an optional input left out).
    pub inputs: Vec<i32>,
    /// Output tensor indices.
    pub outputs: Vec<i32>,
    /// Its builtin options table, if any.
    pub options: Option<Table<'a>>,
}

/// A table of the file: where it is and where its vtable is.
#[derive(Clone, Copy)]
pub struct Table<'a> {
    buf: &'a [u8],
    at: usize,
    vtable: usize,
}

/// An error: what could not be read and where.
fn malformed(what: &str, at: usize) -> String {
    format!("the file is not a valid TensorFlow Lite model: {what} at byte {at}")
}

fn bytes<const N: usize>(buf: &[u8], at: usize) -> Result<[u8; N], String> {
    at.checked_add(N)
        .and_then(|end| buf.get(at..end))
        .map(|b| b.try_into().expect("N bytes"))
        .ok_or_else(|| malformed("a value past the end", at))
}

fn u32_at(buf: &[u8], at: usize) -> Result<u32, String> {
    bytes::<4>(buf, at).map(u32::from_le_bytes)
}

fn u16_at(buf: &[u8], at: usize) -> Result<u16, String> {
    bytes::<2>(buf, at).map(u16::from_le_bytes)
}

/// Follows the offset stored at `at`.
fn follow(buf: &[u8], at: usize) -> Result<usize, String> {
    let rel = u32_at(buf, at)? as usize;
    at.checked_add(rel)
        .ok_or_else(|| malformed("an offset", at))
}

impl<'a> Table<'a> {
    fn at(buf: &'a [u8], at: usize) -> Result<Self, String> {
        let soffset = i32::from_le_bytes(bytes::<4>(buf, at)?) as i64;
        let vtable =
            usize::try_from(at as i64 - soffset).map_err(|_| malformed("a vtable offset", at))?;
        Ok(Table { buf, at, vtable })
    }

    fn field(&self, id: usize) -> Result<Option<usize>, String> {
        let len = u16_at(self.buf, self.vtable)? as usize;
        let slot = 4 + 2 * id;
        if slot + 2 > len {
            return Ok(None);
        }
        let offset = u16_at(self.buf, self.vtable + slot)? as usize;
        Ok((offset != 0).then_some(self.at + offset))
    }

    /// A scalar of `N` bytes, or `None` where absent (the schema's default applies).
    pub fn raw<const N: usize>(&self, id: usize) -> Result<Option<[u8; N]>, String> {
        self.field(id)?
            .map(|at| bytes::<N>(self.buf, at))
            .transpose()
    }

    /// A byte field (`default` where absent).
    pub fn u8(&self, id: usize, default: u8) -> Result<u8, String> {
        Ok(self.raw::<1>(id)?.map_or(default, |b| b[0]))
    }

    /// An `i32` field (`default` where absent).
    pub fn i32(&self, id: usize, default: i32) -> Result<i32, String> {
        Ok(self.raw::<4>(id)?.map_or(default, i32::from_le_bytes))
    }

    /// An `f32` field (`default` where absent).
    pub fn f32(&self, id: usize, default: f32) -> Result<f32, String> {
        Ok(self.raw::<4>(id)?.map_or(default, f32::from_le_bytes))
    }

    fn table(&self, id: usize) -> Result<Option<Table<'a>>, String> {
        match self.field(id)? {
            Some(at) => Table::at(self.buf, follow(self.buf, at)?).map(Some),
            None => Ok(None),
        }
    }

    /// Vector field `id` as its bytes, elements of `size` bytes (empty where absent).
    fn vector(&self, id: usize, size: usize) -> Result<&'a [u8], String> {
        let Some(at) = self.field(id)? else {
            return Ok(&[]);
        };
        let start = follow(self.buf, at)?;
        let len = u32_at(self.buf, start)? as usize;
        len.checked_mul(size)
            .and_then(|n| n.checked_add(start + 4))
            .and_then(|end| self.buf.get(start + 4..end))
            .ok_or_else(|| malformed("a vector past the end", start))
    }

    fn tables(&self, id: usize) -> Result<Vec<Table<'a>>, String> {
        let raw = self.vector(id, 4)?;
        let base = raw.as_ptr() as usize - self.buf.as_ptr() as usize;
        (0..raw.len() / 4)
            .map(|i| Table::at(self.buf, follow(self.buf, base + 4 * i)?))
            .collect()
    }

    /// An `i32` vector field (empty where absent).
    pub fn i32s(&self, id: usize) -> Result<Vec<i32>, String> {
        let raw = self.vector(id, 4)?;
        Ok(raw
            .chunks_exact(4)
            .map(|c| i32::from_le_bytes(c.try_into().unwrap()))
            .collect())
    }
}

impl<'a> Model<'a> {
    /// Reads `buf`, a whole `.tflite` file.
    pub fn parse(buf: &'a [u8]) -> Result<Self, String> {
        if buf.get(4..8) != Some(b"TFL3") {
            return Err(
                "not a TensorFlow Lite model: the file identifier `TFL3` is missing at byte 4"
                    .into(),
            );
        }
        let root = Table::at(buf, follow(buf, 0)?)?;
        let version = root.i32(0, 0)?;
        if version != 3 {
            return Err(format!(
                "schema version {version}; the import reads version 3"
            ));
        }
        let codes = root.tables(1)?;
        let subgraphs = root.tables(2)?;
        let buffers = root.tables(4)?;
        let Some(graph) = subgraphs.first() else {
            return Err(malformed("a subgraph", 0));
        };
        let tensors = graph
            .tables(0)?
            .iter()
            .map(|t| tensor(buf, t, &buffers))
            .collect::<Result<_, _>>()?;
        let operators = graph
            .tables(3)?
            .iter()
            .map(|op| {
                let index = op.raw::<4>(0)?.map_or(0, u32::from_le_bytes) as usize;
                let code = codes
                    .get(index)
                    .ok_or_else(|| malformed("an operator code index", op.at))?;
                // `builtin_code` replaced the byte-wide `deprecated_builtin_code`: take the larger.
                let builtin = (code.u8(0, 0)? as i8 as i32).max(code.i32(3, 0)?);
                let builtin = if builtin == 32 {
                    Err(String::from_utf8_lossy(code.vector(1, 1)?).into_owned())
                } else {
                    Ok(builtin)
                };
                Ok(Operator {
                    builtin,
                    inputs: op.i32s(1)?,
                    outputs: op.i32s(2)?,
                    options: op.table(4)?,
                })
            })
            .collect::<Result<_, String>>()?;
        Ok(Model {
            tensors,
            operators,
            inputs: graph.i32s(1)?,
            outputs: graph.i32s(2)?,
            subgraphs: subgraphs.len(),
        })
    }
}

/// Tensor table `t`, its data from `buffers` (in the buffer's vector, or past the flatbuffer at
/// the buffer's `offset` and `size` in files over 2 GB).
fn tensor<'a>(buf: &'a [u8], t: &Table<'a>, buffers: &[Table<'a>]) -> Result<Tensor<'a>, String> {
    let (scales, zero_points, quantized_dimension) = match t.table(4)? {
        Some(q) => {
            let scales = q.vector(2, 4)?.chunks_exact(4);
            let zeros = q.vector(3, 8)?.chunks_exact(8);
            (
                scales
                    .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
                    .collect(),
                zeros
                    .map(|c| i64::from_le_bytes(c.try_into().unwrap()))
                    .collect(),
                q.i32(6, 0)?,
            )
        }
        None => (Vec::new(), Vec::new(), 0),
    };
    let index = t.raw::<4>(2)?.map_or(0, u32::from_le_bytes) as usize;
    let data = match buffers.get(index) {
        Some(b) => {
            let inline = b.vector(0, 1)?;
            let offset = b.raw::<8>(1)?.map_or(0, u64::from_le_bytes);
            let size = b.raw::<8>(2)?.map_or(0, u64::from_le_bytes);
            if inline.is_empty() && offset > 1 {
                let (start, len) = (offset as usize, size as usize);
                start
                    .checked_add(len)
                    .and_then(|end| buf.get(start..end))
                    .ok_or_else(|| malformed("a buffer past the end", start))?
            } else {
                inline
            }
        }
        None => &[],
    };
    Ok(Tensor {
        name: String::from_utf8_lossy(t.vector(3, 1)?).into_owned(),
        shape: t.i32s(0)?,
        dtype: t.u8(1, 0)?,
        scales,
        zero_points,
        quantized_dimension,
        data,
    })
}
