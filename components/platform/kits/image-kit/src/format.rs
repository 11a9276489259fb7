//! The formats Lathe reads and writes, with their names, extensions and media types.

use lathe_tool_sdk::ToolError;

/// An image format Lathe can write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageFormat {
    /// JPEG (baseline, 4:2:0 below quality 90, 4:4:4 above).
    Jpeg,
    /// PNG.
    Png,
    /// WebP (lossless: no well-kept pure-Rust lossy WebP encoder exists yet).
    WebP,
    /// GIF (palette-quantised).
    Gif,
    /// TIFF.
    Tiff,
    /// BMP.
    Bmp,
}

impl ImageFormat {
    /// Parses a format name as clients send it (`jpg`, `jpeg`, `png`, ...).
    pub fn from_name(name: &str) -> Result<Self, ToolError> {
        match name.trim().to_ascii_lowercase().as_str() {
            "jpg" | "jpeg" => Ok(Self::Jpeg),
            "png" => Ok(Self::Png),
            "webp" => Ok(Self::WebP),
            "gif" => Ok(Self::Gif),
            "tif" | "tiff" => Ok(Self::Tiff),
            "bmp" => Ok(Self::Bmp),
            other => Err(ToolError::InvalidSettings(format!(
                "output format '{other}' is not supported; use one of jpg, png, webp, gif, tiff, bmp"
            ))),
        }
    }

    /// Maps a decoded format to the same output format, if Lathe can write it.
    pub fn from_image(format: image::ImageFormat) -> Option<Self> {
        match format {
            image::ImageFormat::Jpeg => Some(Self::Jpeg),
            image::ImageFormat::Png => Some(Self::Png),
            image::ImageFormat::WebP => Some(Self::WebP),
            image::ImageFormat::Gif => Some(Self::Gif),
            image::ImageFormat::Tiff => Some(Self::Tiff),
            image::ImageFormat::Bmp => Some(Self::Bmp),
            _ => None,
        }
    }

    /// File extension without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Jpeg => "jpg",
            Self::Png => "png",
            Self::WebP => "webp",
            Self::Gif => "gif",
            Self::Tiff => "tiff",
            Self::Bmp => "bmp",
        }
    }

    /// Media type.
    pub fn media_type(self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::WebP => "image/webp",
            Self::Gif => "image/gif",
            Self::Tiff => "image/tiff",
            Self::Bmp => "image/bmp",
        }
    }

    /// Whether the format can store an alpha channel.
    pub fn supports_alpha(self) -> bool {
        !matches!(self, Self::Jpeg | Self::Bmp)
    }
}

impl ImageFormat {
    /// The format a tool writes when it keeps the source's format: the same one, or PNG
    /// for sources Lathe reads but cannot write (ICO).
    pub fn same_as(source: image::ImageFormat) -> Self {
        Self::from_image(source).unwrap_or(Self::Png)
    }
}
