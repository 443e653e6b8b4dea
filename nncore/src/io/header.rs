//! A safetensors file's header, parsed and checked tensor by tensor in a fixed order, so that
//! of several damaged entries the same one is always named.
//!
//! The checks are the `safetensors` crate's: each tensor's byte range holds exactly its dtype
//! and shape, the ranges tile the data section with no overlap or gap, and nothing follows
//! the last one.

use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use ::safetensors::Dtype;
use ::safetensors::tensor::TensorInfo;

use super::{FileFormat, LoadError, MAX_HEADER_LEN};

/// One tensor's header entry.
pub(super) struct Entry {
    /// Its name in the file.
    pub key: String,
    pub dtype: Dtype,
    pub shape: Vec<usize>,
    /// Its bytes in the data section: `start..end`.
    pub start: usize,
    pub end: usize,
    /// Why the entry could not be read (an unknown dtype, a missing field), if it could not.
    problem: Option<String>,
}

/// A parsed file: its tensors, sorted by name, and the data section they point into.
pub(super) struct Header<'a> {
    pub entries: Vec<Entry>,
    pub data: &'a [u8],
    /// Where the data section starts in the file.
    data_start: u64,
}

impl Header<'_> {
    /// The entry for `key`, if the file has one.
    pub fn get(&self, key: &str) -> Option<&Entry> {
        let i = self.entries.binary_search_by(|e| e.key.as_str().cmp(key));
        i.ok().map(|i| &self.entries[i])
    }

    /// The tensor's bytes; call only after [`Header::check_layout`].
    pub fn bytes(&self, entry: &Entry) -> &[u8] {
        &self.data[entry.start..entry.end]
    }

    /// Checks every entry's byte range, in the order of `first` (keys, some perhaps absent
    /// from the file) and then the remaining entries by name.
    pub fn check_layout<'k>(&self, first: impl Iterator<Item = &'k str>) -> Result<(), LoadError> {
        let order = self.order(first);
        for &i in &order {
            check_size(&self.entries[i])?;
        }
        // No range overlaps one checked before it. Checked non-empty ranges are disjoint, so
        // the one starting last before `end` is the only one that can overlap `start..end`.
        let mut filled: BTreeMap<usize, usize> = BTreeMap::new();
        let mut points: BTreeMap<usize, usize> = BTreeMap::new();
        for &i in &order {
            let e = &self.entries[i];
            let before = filled.range(..e.end).next_back();
            let clash = match before {
                Some((_, &j)) if self.entries[j].end > e.start => Some(j),
                // An empty range inside this one.
                _ if e.start < e.end => points.range(e.start + 1..e.end).next().map(|(_, &j)| j),
                _ => None,
            };
            if let Some(j) = clash {
                let other = &self.entries[j];
                return Err(corrupt(
                    e,
                    format!(
                        "its bytes {}..{} overlap those of `{}`, {}..{}",
                        e.start, e.end, other.key, other.start, other.end
                    ),
                ));
            }
            if e.start < e.end {
                filled.insert(e.start, i);
            } else {
                points.entry(e.start).or_insert(i);
            }
        }
        // No gap between ranges, and the file holds exactly the bytes they cover.
        let mut by_offset: Vec<usize> = order.clone();
        by_offset.sort_by_key(|&i| (self.entries[i].start, self.entries[i].end));
        let mut covered = 0;
        for &i in &by_offset {
            let e = &self.entries[i];
            if e.start > covered {
                let reason = format!(
                    "the bytes {covered}..{} before it belong to no tensor",
                    e.start
                );
                return Err(corrupt(e, reason));
            }
            covered = covered.max(e.end);
        }
        let len = self.data_start + self.data.len() as u64;
        let needed = self.data_start.saturating_add(covered as u64);
        if needed > len {
            // The first tensor, in the data's order, whose bytes go past the end.
            let data_len = self.data.len();
            let tensor = by_offset
                .iter()
                .map(|&i| &self.entries[i])
                .find(|e| e.end > data_len)
                .map(|e| e.key.clone());
            return Err(LoadError::Truncated {
                needed,
                len,
                tensor,
            });
        }
        if needed < len {
            return Err(LoadError::Corrupt {
                reason: "bytes follow the last tensor".to_string(),
            });
        }
        Ok(())
    }

    /// Indices of the entries: those named by `first`, in its order, then the rest by name.
    fn order<'k>(&self, first: impl Iterator<Item = &'k str>) -> Vec<usize> {
        let mut taken = alloc::vec![false; self.entries.len()];
        let mut order = Vec::with_capacity(self.entries.len());
        for key in first {
            if let Ok(i) = self.entries.binary_search_by(|e| e.key.as_str().cmp(key)) {
                if !taken[i] {
                    taken[i] = true;
                    order.push(i);
                }
            }
        }
        order.extend((0..self.entries.len()).filter(|&i| !taken[i]));
        order
    }
}

fn corrupt(entry: &Entry, reason: String) -> LoadError {
    LoadError::CorruptTensor {
        key: entry.key.clone(),
        reason,
    }
}

/// The entry's byte range holds exactly its dtype and shape.
fn check_size(e: &Entry) -> Result<(), LoadError> {
    if let Some(problem) = &e.problem {
        return Err(corrupt(e, problem.clone()));
    }
    let bits = e
        .shape
        .iter()
        .try_fold(1usize, |n, &d| n.checked_mul(d))
        .and_then(|n| n.checked_mul(e.dtype.bitsize()));
    let Some(bits) = bits else {
        return Err(corrupt(e, format!("its shape {:?} is too large", e.shape)));
    };
    if bits % 8 != 0 {
        let reason = format!("{} {:?} is not a whole number of bytes", e.dtype, e.shape);
        return Err(corrupt(e, reason));
    }
    if e.end < e.start {
        let reason = format!("its bytes {}..{} end before they start", e.start, e.end);
        return Err(corrupt(e, reason));
    }
    if e.end - e.start != bits / 8 {
        let reason = format!(
            "it is {} {:?}, {} bytes, but its offsets {}..{} hold {}",
            e.dtype,
            e.shape,
            bits / 8,
            e.start,
            e.end,
            e.end - e.start
        );
        return Err(corrupt(e, reason));
    }
    Ok(())
}

/// Parses the length prefix and the JSON header, telling a truncated file and an oversized
/// header from other damage. Byte ranges are checked later, by [`Header::check_layout`].
pub(super) fn parse(bytes: &[u8]) -> Result<Header<'_>, LoadError> {
    let len = bytes.len() as u64;
    let Some(prefix) = bytes.first_chunk::<8>() else {
        return Err(LoadError::Truncated {
            needed: 8,
            len,
            tensor: None,
        });
    };
    let header_len = u64::from_le_bytes(*prefix);
    // A safetensors header is JSON; another format's first bytes read as a length that does
    // not fit the file.
    let fits = header_len <= MAX_HEADER_LEN && 8 + header_len <= len;
    if let Some(format) = FileFormat::sniff(bytes).filter(|_| !fits || bytes.get(8) != Some(&b'{'))
    {
        return Err(LoadError::OtherFormat { format });
    }
    if header_len > MAX_HEADER_LEN {
        return Err(LoadError::HeaderTooLarge {
            len: header_len,
            max: MAX_HEADER_LEN,
        });
    }
    let data_start = 8 + header_len;
    if data_start > len {
        return Err(LoadError::Truncated {
            needed: data_start,
            len,
            tensor: None,
        });
    }
    // Both fit in `usize`: they are at most the slice's length.
    let (json, data) = bytes[8..].split_at(header_len as usize);
    let reason = |what: &dyn core::fmt::Display| LoadError::Corrupt {
        reason: format!("the header is not a JSON object of tensors: {what}"),
    };
    let map: BTreeMap<String, serde_json::Value> =
        serde_json::from_slice(json).map_err(|e| reason(&e))?;
    let mut entries = Vec::with_capacity(map.len());
    for (key, value) in map {
        if key == "__metadata__" {
            let strings = value
                .as_object()
                .is_some_and(|m| m.values().all(|v| v.is_string()));
            if !strings {
                return Err(reason(&"`__metadata__` is not a map of strings"));
            }
            continue;
        }
        // A bad entry is reported by `check_layout`, in its turn.
        entries.push(match serde_json::from_value::<TensorInfo>(value) {
            Ok(info) => Entry {
                key,
                dtype: info.dtype,
                shape: info.shape,
                start: info.data_offsets.0,
                end: info.data_offsets.1,
                problem: None,
            },
            Err(e) => Entry {
                key,
                dtype: Dtype::U8,
                shape: Vec::new(),
                start: 0,
                end: 0,
                problem: Some(e.to_string()),
            },
        });
    }
    Ok(Header {
        entries,
        data,
        data_start,
    })
}
