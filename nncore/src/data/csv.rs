//! A small reader for numeric CSV: every row `N` numbers, separated by commas.

use alloc::string::{String, ToString};
use alloc::vec::Vec;

/// Why a CSV file could not be read; lines and columns count from 1.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CsvError {
    /// A field is not a number.
    #[error("line {line}, column {column}: `{value}` is not a number")]
    NotANumber {
        /// The line in the file.
        line: usize,
        /// The field in the line.
        column: usize,
        /// The text found.
        value: String,
    },
    /// A row has the wrong number of fields.
    #[error("line {line} has {found} columns but {expected} were expected")]
    Width {
        /// The line in the file.
        line: usize,
        /// The number of fields wanted.
        expected: usize,
        /// The number found.
        found: usize,
    },
    /// The file could not be read.
    #[cfg(feature = "std")]
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// What the system said.
        source: std::io::Error,
    },
}

/// Parses CSV text into rows of `N` numbers, skipping the first line if `header` is set and
/// any empty line.
///
/// # Errors
/// [`CsvError::NotANumber`] or [`CsvError::Width`], naming the line (and column).
pub fn parse_csv<const N: usize>(text: &str, header: bool) -> Result<Vec<[f32; N]>, CsvError> {
    let mut rows = Vec::new();
    for (index, line) in text.lines().enumerate().skip(usize::from(header)) {
        let line_number = index + 1;
        if line.trim().is_empty() {
            continue;
        }
        let mut row = [0.0; N];
        let mut found = 0;
        for (column, field) in line.split(',').enumerate() {
            if column < N {
                let field = field.trim();
                row[column] = field.parse().map_err(|_| CsvError::NotANumber {
                    line: line_number,
                    column: column + 1,
                    value: field.to_string(),
                })?;
            }
            found += 1;
        }
        if found != N {
            return Err(CsvError::Width {
                line: line_number,
                expected: N,
                found,
            });
        }
        rows.push(row);
    }
    Ok(rows)
}

/// Reads a CSV file into rows of `N` numbers; see [`parse_csv`].
///
/// # Errors
/// [`CsvError::Io`] if the file cannot be read, or a parse error naming line and column.
#[cfg(feature = "std")]
pub fn read_csv<const N: usize>(
    path: impl AsRef<std::path::Path>,
    header: bool,
) -> Result<Vec<[f32; N]>, CsvError> {
    let path = path.as_ref();
    let text = std::fs::read_to_string(path).map_err(|source| CsvError::Io {
        path: path.display().to_string(),
        source,
    })?;
    parse_csv(&text, header)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_rows_and_names_bad_fields() {
        let rows = parse_csv::<3>("a,b,c\n1,2,3\n\n-0.5, 1e3 ,7\n", true).unwrap();
        assert_eq!(rows, [[1.0, 2.0, 3.0], [-0.5, 1000.0, 7.0]]);
        let error = parse_csv::<3>("a,b,c\n1,2,3\n4,x5,6\n", true).unwrap_err();
        assert!(matches!(
            &error,
            CsvError::NotANumber { line: 3, column: 2, value } if value == "x5"
        ));
        assert_eq!(error.to_string(), "line 3, column 2: `x5` is not a number");
        let error = parse_csv::<3>("1,2\n", false).unwrap_err();
        assert!(matches!(
            error,
            CsvError::Width {
                line: 1,
                expected: 3,
                found: 2
            }
        ));
    }

    #[cfg(feature = "std")]
    #[test]
    fn a_missing_file_is_an_io_error() {
        assert!(matches!(
            read_csv::<3>("/nonexistent/file.csv", false),
            Err(CsvError::Io { .. })
        ));
    }
}
