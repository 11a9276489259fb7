//! Settings values as ffmpeg wants them. Every value that reaches a filter string is
//! checked here (colours, numbers), so no setting can inject filter options; free text goes
//! to ffmpeg as a file ([`crate::text_file`]), never inside an argument.

use lathe_tool_sdk::{invalid_settings, ToolError};
use serde::Deserialize;

/// A `#rgb` or `#rrggbb` colour (the `#` optional) as ffmpeg's `0xRRGGBB`.
pub fn ffmpeg_color(field: &str, value: &str) -> Result<String, ToolError> {
    let hex = value.trim().trim_start_matches('#');
    let full = match hex.len() {
        3 => hex.chars().flat_map(|c| [c, c]).collect::<String>(),
        6 => hex.to_string(),
        _ => String::new(),
    };
    if full.len() != 6 || !full.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(invalid_settings(format!(
            "{field} must be a hex colour such as #ff0000, got '{value}'"
        )));
    }
    Ok(format!("0x{}", full.to_ascii_lowercase()))
}

/// A number for an ffmpeg argument: at most 3 decimals, no exponent.
pub fn fmt_num(value: f64) -> String {
    let text = format!("{value:.3}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text.is_empty() || text == "-" {
        "0".into()
    } else {
        text.to_string()
    }
}

/// An aspect ratio a video is padded to (seed 001's `target`).
#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
pub enum AspectTarget {
    /// Landscape 16:9.
    #[serde(rename = "16:9")]
    Landscape,
    /// Portrait 9:16.
    #[serde(rename = "9:16")]
    Portrait,
    /// Square 1:1.
    #[serde(rename = "1:1")]
    Square,
    /// 4:3.
    #[serde(rename = "4:3")]
    Classic,
    /// 3:4.
    #[serde(rename = "3:4")]
    ClassicPortrait,
}

impl AspectTarget {
    /// Width and height parts of the ratio.
    pub fn ratio(self) -> (u32, u32) {
        match self {
            AspectTarget::Landscape => (16, 9),
            AspectTarget::Portrait => (9, 16),
            AspectTarget::Square => (1, 1),
            AspectTarget::Classic => (4, 3),
            AspectTarget::ClassicPortrait => (3, 4),
        }
    }

    /// The smallest even frame of this ratio that holds a `w` × `h` frame.
    pub fn canvas_for(self, w: u32, h: u32) -> (u32, u32) {
        let (rw, rh) = self.ratio();
        let (w, h) = (w as u64, h as u64);
        let (cw, ch) = if w * rh as u64 >= h * rw as u64 {
            (w, (w * rh as u64).div_ceil(rw as u64))
        } else {
            ((h * rw as u64).div_ceil(rh as u64), h)
        };
        (even_up(cw as u32), even_up(ch as u32))
    }
}

/// `n` rounded up to an even number.
pub fn even_up(n: u32) -> u32 {
    n + (n % 2)
}

/// `n` rounded down to an even number, at least 2.
pub fn even_down(n: u32) -> u32 {
    (n - (n % 2)).max(2)
}
