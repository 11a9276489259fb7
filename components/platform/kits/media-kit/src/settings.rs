//! Settings values as ffmpeg wants them. Every value that reaches a filter string is
//! checked here (colours, numbers), so no setting can inject filter options; free text goes
//! to ffmpeg as a file ([`crate::text_file`]), never inside an argument. The settings
//! several tools share (a trim's `startS`/`endS`, no settings at all) are read here too.

use lathe_tool_sdk::{invalid_settings, parse_settings, ToolError};
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

/// The settings of a tool that has none: they must still be a JSON object (else 400);
/// unknown fields are ignored.
pub fn no_settings(settings: &str) -> Result<(), ToolError> {
    /// No fields.
    #[derive(Deserialize)]
    struct NoSettings {}
    let _: NoSettings = parse_settings(settings)?;
    Ok(())
}

/// Seed 001's `startS` checked: 0 or more (else 400 "startS must be 0 or more").
pub fn start_seconds(start: f64) -> Result<f64, ToolError> {
    if !start.is_finite() || start < 0.0 {
        return Err(invalid_settings(format!(
            "startS must be 0 or more, got {start}"
        )));
    }
    Ok(start)
}

/// Seed 001's `startS` (default 0) and required `endS`, in seconds: the part of a file a
/// trim keeps (an end past the file means to its end).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Span {
    /// Where the kept part starts.
    #[serde(default)]
    pub start_s: f64,
    /// Where it ends; required.
    pub end_s: Option<f64>,
}

impl Span {
    /// `endS`, or 400 "endS is required".
    pub fn end(&self) -> Result<f64, ToolError> {
        self.end_s
            .ok_or_else(|| invalid_settings("endS is required"))
    }

    /// The checked start and end: `startS` 0 or more, `endS` given and after it.
    pub fn bounds(&self) -> Result<(f64, f64), ToolError> {
        let start = start_seconds(self.start_s)?;
        let end = end_after(start, self.end()?)?;
        Ok((start, end))
    }
}

/// `end` (seed 001's `endS`) checked to come after `start` (else 400).
pub fn end_after(start: f64, end: f64) -> Result<f64, ToolError> {
    if !end.is_finite() || end <= start {
        return Err(invalid_settings(format!(
            "endS ({end}) must be after startS ({start})"
        )));
    }
    Ok(end)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_need_an_end_after_a_start_of_zero_or_more() {
        let span = |json: &str| -> Span { parse_settings(json).unwrap() };
        assert_eq!(span(r#"{"endS": 3}"#).bounds(), Ok((0.0, 3.0)));
        assert_eq!(
            span(r#"{"startS": 1, "endS": 2.5}"#).bounds(),
            Ok((1.0, 2.5))
        );
        let missing = span(r#"{"startS": 1}"#).bounds().unwrap_err();
        assert_eq!(missing.detail(), "endS is required");
        assert!(span(r#"{"startS": -1, "endS": 2}"#).bounds().is_err());
        assert!(span(r#"{"startS": 2, "endS": 2}"#).bounds().is_err());
        assert!(no_settings(r#"{"anything": 1}"#).is_ok());
        assert!(no_settings("[1]").is_err());
    }
}
