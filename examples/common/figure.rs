//! What the examples' figures share: a font embedded in the binary, and PNG output, both pure
//! Rust so that a fresh machine needs no system library.

use std::error::Error;
use std::fs::{self, File};
use std::io::BufWriter;
use std::path::Path;

use plotters::style::FontStyle;

/// Makes `"sans-serif"` the DejaVu Sans that the `dejavu` crate embeds: no font is installed.
pub fn register_font() -> Result<(), Box<dyn Error>> {
    plotters::style::register_font("sans-serif", FontStyle::Normal, dejavu::sans::regular())
        .map_err(|_| "the embedded DejaVu Sans font could not be read")?;
    Ok(())
}

/// Writes an RGB buffer of `size` pixels drawn by plotters' `BitMapBackend::with_buffer` as a
/// PNG, creating the folder if needed.
pub fn write_png(path: &Path, size: (u32, u32), pixels: &[u8]) -> Result<(), Box<dyn Error>> {
    let cannot_write = |error| format!("cannot write the figure to {}: {error}", path.display());
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).map_err(cannot_write)?;
    }
    let file = File::create(path).map_err(cannot_write)?;
    let mut encoder = png::Encoder::new(BufWriter::new(file), size.0, size.1);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.write_header()?.write_image_data(pixels)?;
    Ok(())
}
