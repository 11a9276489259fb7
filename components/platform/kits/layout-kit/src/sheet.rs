//! What the tools that lay several images out on one canvas share (stitch, sprite-sheet,
//! collage): decoding every input and writing the composed canvas.

use lathe_image_kit::image::RgbaImage;
use lathe_image_kit::{decode, encode, DynamicImage, EncodeOptions, ImageFormat};
use lathe_tool_sdk::{Input, OutputFile, ToolError};

/// Decodes every input (bounded, EXIF-oriented), in order; the first failure is the error.
pub fn decode_all(inputs: &[Input]) -> Result<Vec<DynamicImage>, ToolError> {
    inputs.iter().map(|i| decode(i).map(|d| d.image)).collect()
}

/// Encodes a composed `canvas` as `format` at `quality`, named `<stem>.<ext>`.
pub fn canvas_file(
    stem: &str,
    canvas: RgbaImage,
    format: ImageFormat,
    quality: u8,
) -> Result<OutputFile, ToolError> {
    let bytes = encode(
        &DynamicImage::ImageRgba8(canvas),
        format,
        EncodeOptions { quality },
    )?;
    let name = format!("{stem}.{}", format.extension());
    Ok(OutputFile::new(name, format.media_type(), bytes))
}
