//! What a module hands out about its state: parameters and buffers with their `state_dict` names
//! and shapes.

use core::fmt;
use core::ops::Deref;

/// A tensor's shape as PyTorch reports it (`torch.Size`): `[13, 1]` for a Linear weight, `[13]`
/// for a bias, `[16, 3, 3, 3]` for a Conv2d weight, `[]` for a scalar.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Shape {
    dims: [usize; Shape::MAX_RANK],
    rank: usize,
}

impl Shape {
    /// The most dimensions a shape has (a Conv2d weight's four).
    pub const MAX_RANK: usize = 4;

    /// The shape with these dimensions, outermost first.
    ///
    /// # Panics
    /// With more than [`Shape::MAX_RANK`] dimensions (at compile time in a `const`).
    #[must_use]
    pub const fn new(dims: &[usize]) -> Self {
        assert!(
            dims.len() <= Self::MAX_RANK,
            "a shape has at most 4 dimensions"
        );
        let mut shape = Shape {
            dims: [0; Self::MAX_RANK],
            rank: dims.len(),
        };
        let mut i = 0;
        while i < dims.len() {
            shape.dims[i] = dims[i];
            i += 1;
        }
        shape
    }

    /// A scalar: no dimensions, one value.
    #[must_use]
    pub const fn scalar() -> Self {
        Self::new(&[])
    }

    /// A vector of `len` values.
    #[must_use]
    pub const fn vector(len: usize) -> Self {
        Self::new(&[len])
    }

    /// A `rows × cols` matrix, stored row-major.
    #[must_use]
    pub const fn matrix(rows: usize, cols: usize) -> Self {
        Self::new(&[rows, cols])
    }

    /// The dimensions, outermost first.
    #[must_use]
    pub fn dims(&self) -> &[usize] {
        &self.dims[..self.rank]
    }

    /// The number of values (1 for a scalar).
    #[must_use]
    pub fn numel(&self) -> usize {
        self.dims().iter().product()
    }
}

impl Deref for Shape {
    type Target = [usize];
    fn deref(&self) -> &[usize] {
        self.dims()
    }
}

impl fmt::Debug for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.dims()).finish()
    }
}

/// A parameter's name in PyTorch's `state_dict` form: `hidden_linear.weight`, `0.bias`,
/// `layer1.0.conv1.weight` in a model nested in another.
///
/// It is static strings, the path of modules and the parameter's own name, so naming a
/// parameter needs no heap; it prints and compares as the joined name.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Name {
    /// The modules it sits in, outermost first (`layer1`, `0`, `conv1`); unused slots empty.
    path: [&'static str; Name::MAX_DEPTH],
    depth: u8,
    /// The parameter's name in its layer (`weight`, `bias`).
    pub param: &'static str,
}

impl Name {
    /// The most modules a name passes through: models nest at most this deep.
    pub const MAX_DEPTH: usize = 8;

    /// A bare layer's parameter, not yet placed in a model.
    #[must_use]
    pub const fn local(param: &'static str) -> Self {
        Name {
            path: [""; Self::MAX_DEPTH],
            depth: 0,
            param,
        }
    }

    /// The parameter `param` inside the modules `path`, outermost first: `Name::new(&["bn"],
    /// "running_mean")` is `bn.running_mean`.
    ///
    /// # Panics
    /// With more than [`Name::MAX_DEPTH`] modules (at compile time in a `const`).
    #[must_use]
    pub const fn new(path: &[&'static str], param: &'static str) -> Self {
        assert!(
            path.len() <= Self::MAX_DEPTH,
            "a name has at most 8 modules"
        );
        let mut name = Self::local(param);
        let mut i = 0;
        while i < path.len() {
            name.path[i] = path[i];
            i += 1;
        }
        name.depth = path.len() as u8;
        name
    }

    /// The modules it sits in, outermost first; empty for a bare layer's parameter.
    #[must_use]
    pub fn modules(&self) -> &[&'static str] {
        &self.path[..usize::from(self.depth)]
    }

    /// The same name inside `module`: `conv1.weight` in `layer1` is `layer1.conv1.weight`.
    /// `sequential!` refuses models nested deeper than [`Name::MAX_DEPTH`]; past it the
    /// innermost module is dropped.
    #[must_use]
    pub const fn in_module(self, module: &'static str) -> Self {
        let mut name = Self::local(self.param);
        name.path[0] = module;
        let mut i = 0;
        while i < self.depth as usize && i + 1 < Self::MAX_DEPTH {
            name.path[i + 1] = self.path[i];
            i += 1;
        }
        name.depth = (i + 1) as u8;
        name
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for module in self.modules() {
            write!(f, "{module}.")?;
        }
        f.write_str(self.param)
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{self}\"")
    }
}

impl PartialEq<str> for Name {
    fn eq(&self, other: &str) -> bool {
        let mut rest = other;
        for module in self.modules() {
            match rest.strip_prefix(module).and_then(|r| r.strip_prefix('.')) {
                Some(r) => rest = r,
                None => return false,
            }
        }
        rest == self.param
    }
}

impl PartialEq<&str> for Name {
    fn eq(&self, other: &&str) -> bool {
        self == *other
    }
}

/// One parameter tensor: its name, shape and values (row-major).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Param<'a> {
    /// The `state_dict` key.
    pub name: Name,
    /// The shape PyTorch gives it.
    pub shape: Shape,
    /// The values, row-major.
    pub data: &'a [f32],
}

/// One parameter tensor, writable.
#[derive(Debug, PartialEq)]
pub struct ParamMut<'a> {
    /// The `state_dict` key.
    pub name: Name,
    /// The shape PyTorch gives it.
    pub shape: Shape,
    /// The values, row-major.
    pub data: &'a mut [f32],
}

impl<'a> Param<'a> {
    /// The same parameter, named inside the model's layer `module`.
    #[must_use]
    pub fn in_module(self, module: &'static str) -> Self {
        Param {
            name: self.name.in_module(module),
            ..self
        }
    }
}

impl<'a> ParamMut<'a> {
    /// The same parameter, named inside the model's layer `module`.
    #[must_use]
    pub fn in_module(self, module: &'static str) -> Self {
        ParamMut {
            name: self.name.in_module(module),
            ..self
        }
    }
}

/// A buffer's values: PyTorch keeps most as `float32`, and BatchNorm's `num_batches_tracked` as
/// `int64`.
#[derive(Debug, PartialEq)]
pub enum BufferData<'a> {
    /// `float32` values, row-major.
    F32(&'a [f32]),
    /// `int64` values.
    I64(&'a [i64]),
}

/// A buffer's values, writable.
#[derive(Debug, PartialEq)]
pub enum BufferDataMut<'a> {
    /// `float32` values, row-major.
    F32(&'a mut [f32]),
    /// `int64` values.
    I64(&'a mut [i64]),
}

/// One buffer: state a layer keeps that training does not differentiate (BatchNorm's running
/// statistics). It is in `state_dict`, not in `parameters()`.
#[derive(Debug, PartialEq)]
pub struct Buffer<'a> {
    /// The `state_dict` key (`bn1.running_mean`).
    pub name: Name,
    /// The shape PyTorch gives it (`[]` for `num_batches_tracked`).
    pub shape: Shape,
    /// The values.
    pub data: BufferData<'a>,
}

/// One buffer, writable.
#[derive(Debug, PartialEq)]
pub struct BufferMut<'a> {
    /// The `state_dict` key.
    pub name: Name,
    /// The shape PyTorch gives it.
    pub shape: Shape,
    /// The values.
    pub data: BufferDataMut<'a>,
}

impl Buffer<'_> {
    /// The same buffer, named inside the model's layer `module`.
    #[must_use]
    pub fn in_module(self, module: &'static str) -> Self {
        Buffer {
            name: self.name.in_module(module),
            ..self
        }
    }
}

impl BufferMut<'_> {
    /// The same buffer, named inside the model's layer `module`.
    #[must_use]
    pub fn in_module(self, module: &'static str) -> Self {
        BufferMut {
            name: self.name.in_module(module),
            ..self
        }
    }
}
