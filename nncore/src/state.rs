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

/// A parameter's name in PyTorch's `state_dict` form: `hidden_linear.weight`, `0.bias`.
///
/// It is two static strings, so naming a parameter needs no heap; it prints and compares as the
/// joined name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Name {
    /// The layer's name in the model (`hidden_linear`, `0`); empty for a bare layer.
    pub module: &'static str,
    /// The parameter's name in its layer (`weight`, `bias`).
    pub param: &'static str,
}

impl Name {
    /// A bare layer's parameter, not yet placed in a model.
    #[must_use]
    pub const fn local(param: &'static str) -> Self {
        Name { module: "", param }
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.module.is_empty() {
            f.write_str(self.param)
        } else {
            write!(f, "{}.{}", self.module, self.param)
        }
    }
}

impl PartialEq<str> for Name {
    fn eq(&self, other: &str) -> bool {
        match other.split_once('.') {
            Some((module, param)) => self.module == module && self.param == param,
            None => self.module.is_empty() && self.param == other,
        }
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
            name: Name {
                module,
                ..self.name
            },
            ..self
        }
    }
}

impl<'a> ParamMut<'a> {
    /// The same parameter, named inside the model's layer `module`.
    #[must_use]
    pub fn in_module(self, module: &'static str) -> Self {
        ParamMut {
            name: Name {
                module,
                ..self.name
            },
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
            name: Name {
                module,
                ..self.name
            },
            ..self
        }
    }
}

impl BufferMut<'_> {
    /// The same buffer, named inside the model's layer `module`.
    #[must_use]
    pub fn in_module(self, module: &'static str) -> Self {
        BufferMut {
            name: Name {
                module,
                ..self.name
            },
            ..self
        }
    }
}
