//! Just enough of the FlatBuffers wire format to read a `.tflite` file in place: tables through
//! their vtables, vectors of scalars and of tables, strings. Every read is bounds-checked and a
//! bad offset is an error, never a panic.

use crate::error::Error;

/// A malformed file: what could not be read and where.
pub(super) const fn malformed(what: &'static str, offset: usize) -> Error {
    Error::Tflite { what, offset }
}

/// A little-endian scalar stored in a buffer.
pub trait Scalar: Copy + 'static {
    /// Its size in bytes.
    const SIZE: usize;
    /// Decodes it from exactly `SIZE` bytes.
    fn decode(bytes: &[u8]) -> Self;
}

macro_rules! scalar {
    ($($t:ty),*) => {$(
        impl Scalar for $t {
            const SIZE: usize = size_of::<$t>();
            #[inline]
            fn decode(bytes: &[u8]) -> Self {
                let mut b = [0u8; size_of::<$t>()];
                b.copy_from_slice(bytes);
                <$t>::from_le_bytes(b)
            }
        }
    )*};
}
scalar!(u8, i8, u16, i32, u32, i64, f32);

/// Reads a `T` at `at`.
pub(super) fn read<T: Scalar>(buf: &[u8], at: usize) -> Result<T, Error> {
    let end = at.checked_add(T::SIZE).ok_or(malformed("an offset", at))?;
    buf.get(at..end)
        .map(T::decode)
        .ok_or(malformed("a value past the end", at))
}

/// Follows the `u32` offset stored at `at` (relative to `at`).
fn follow(buf: &[u8], at: usize) -> Result<usize, Error> {
    let rel = read::<u32>(buf, at)? as usize;
    at.checked_add(rel).ok_or(malformed("an offset", at))
}

/// A table: its position and its vtable's.
#[derive(Clone, Copy, Debug)]
pub(super) struct Table<'a> {
    buf: &'a [u8],
    at: usize,
    vtable: usize,
}

impl<'a> Table<'a> {
    /// The table at `at`.
    pub(super) fn at(buf: &'a [u8], at: usize) -> Result<Self, Error> {
        let soffset = read::<i32>(buf, at)? as isize;
        let vtable = (at as isize)
            .checked_sub(soffset)
            .filter(|&v| v >= 0)
            .ok_or(malformed("a vtable offset", at))? as usize;
        Ok(Table { buf, at, vtable })
    }

    /// The table the root offset at the start of the buffer points to.
    pub(super) fn root(buf: &'a [u8]) -> Result<Self, Error> {
        Table::at(buf, follow(buf, 0)?)
    }

    /// Where field `id` is stored, if it is present.
    fn field(&self, id: usize) -> Result<Option<usize>, Error> {
        let vtable_len = read::<u16>(self.buf, self.vtable)? as usize;
        let slot = 4 + 2 * id;
        if slot + 2 > vtable_len {
            return Ok(None);
        }
        let offset = read::<u16>(self.buf, self.vtable + slot)? as usize;
        Ok((offset != 0).then_some(self.at + offset))
    }

    /// Scalar field `id`, or `default` when absent.
    pub(super) fn scalar<T: Scalar>(&self, id: usize, default: T) -> Result<T, Error> {
        match self.field(id)? {
            Some(at) => read(self.buf, at),
            None => Ok(default),
        }
    }

    /// Table field `id`, if present.
    pub(super) fn table(&self, id: usize) -> Result<Option<Table<'a>>, Error> {
        match self.field(id)? {
            Some(at) => Table::at(self.buf, follow(self.buf, at)?).map(Some),
            None => Ok(None),
        }
    }

    /// Where vector field `id`'s elements start and how many there are of `size` bytes
    /// (checked to lie inside the buffer); `(0, 0)` when absent.
    fn elements(&self, id: usize, size: usize) -> Result<(usize, usize), Error> {
        let Some(at) = self.field(id)? else {
            return Ok((0, 0));
        };
        let start = follow(self.buf, at)?;
        let len = read::<u32>(self.buf, start)? as usize;
        let first = start + 4; // `read` checked that `start + 4` is within the buffer
        len.checked_mul(size)
            .and_then(|n| n.checked_add(first))
            .filter(|&end| end <= self.buf.len())
            .ok_or(malformed("a vector past the end", start))?;
        Ok((first, len))
    }

    /// Vector field `id` (empty when absent).
    pub(super) fn vector<T: Scalar>(&self, id: usize) -> Result<Vector<'a, T>, Error> {
        let (start, len) = self.elements(id, T::SIZE)?;
        Ok(Vector {
            bytes: &self.buf[start..start + len * T::SIZE],
            _type: core::marker::PhantomData,
        })
    }

    /// Vector-of-tables field `id` (empty when absent).
    pub(super) fn tables(&self, id: usize) -> Result<Tables<'a>, Error> {
        let (base, len) = self.elements(id, 4)?;
        Ok(Tables {
            buf: self.buf,
            base,
            len,
        })
    }

    /// String field `id` (empty when absent), as bytes.
    pub(super) fn string(&self, id: usize) -> Result<&'a [u8], Error> {
        Ok(self.vector::<u8>(id)?.bytes)
    }
}

/// A vector of little-endian scalars inside the file.
#[derive(Clone, Copy, Debug)]
pub struct Vector<'a, T> {
    bytes: &'a [u8],
    _type: core::marker::PhantomData<T>,
}

impl<'a, T: Scalar> Vector<'a, T> {
    /// No elements.
    pub(super) const EMPTY: Self = Vector {
        bytes: &[],
        _type: core::marker::PhantomData,
    };

    /// The number of elements.
    #[must_use]
    pub fn len(&self) -> usize {
        self.bytes.len() / T::SIZE
    }

    /// Whether there are none.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// Element `i`, if there is one.
    #[must_use]
    pub fn get(&self, i: usize) -> Option<T> {
        let start = i.checked_mul(T::SIZE)?;
        self.bytes.get(start..start + T::SIZE).map(T::decode)
    }

    /// The elements in order.
    pub fn iter(&self) -> impl Iterator<Item = T> + 'a {
        self.bytes.chunks_exact(T::SIZE).map(T::decode)
    }

    /// The raw little-endian bytes.
    #[must_use]
    pub fn bytes(&self) -> &'a [u8] {
        self.bytes
    }
}

/// A vector of tables inside the file.
#[derive(Clone, Copy, Debug)]
pub(super) struct Tables<'a> {
    buf: &'a [u8],
    base: usize,
    len: usize,
}

impl<'a> Tables<'a> {
    /// The number of tables.
    pub(super) fn len(&self) -> usize {
        self.len
    }

    /// Table `i`.
    pub(super) fn get(&self, i: usize) -> Result<Table<'a>, Error> {
        if i >= self.len {
            return Err(malformed("a table index past the vector's end", self.base));
        }
        let at = self.base + 4 * i;
        Table::at(self.buf, follow(self.buf, at)?)
    }
}
