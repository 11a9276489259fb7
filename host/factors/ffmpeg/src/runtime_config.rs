//! The media limits, read from the app's variables (`max_media_seconds`,
//! `max_video_pixels`), so every deployment sets them in one place (`spin.toml`,
//! `SPIN_VARIABLE_*` or `.env`).

use std::collections::HashMap;

/// Longest media a tool accepts by default: one hour.
pub const DEFAULT_MAX_MEDIA_SECONDS: f64 = 3600.0;
/// Largest video frame accepted by default: 8K UHD (7680 × 4320).
pub const DEFAULT_MAX_VIDEO_PIXELS: u64 = 7680 * 4320;

/// What media the native tools accept; checked when a tool probes its input.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MediaLimits {
    /// Longest duration, in seconds.
    pub max_seconds: f64,
    /// Most pixels in one video frame (width × height).
    pub max_pixels: u64,
}

impl Default for MediaLimits {
    fn default() -> Self {
        Self {
            max_seconds: DEFAULT_MAX_MEDIA_SECONDS,
            max_pixels: DEFAULT_MAX_VIDEO_PIXELS,
        }
    }
}

impl MediaLimits {
    /// The limits the app's variables set; a missing or unreadable value keeps its default
    /// (and a bad value is reported, not ignored silently).
    pub fn from_variables(vars: &HashMap<String, String>) -> Self {
        let mut limits = Self::default();
        if let Some(v) = vars.get("max_media_seconds") {
            match v.trim().parse::<f64>() {
                Ok(s) if s > 0.0 => limits.max_seconds = s,
                _ => eprintln!("lathe: max_media_seconds '{v}' is not a positive number; using {DEFAULT_MAX_MEDIA_SECONDS}"),
            }
        }
        if let Some(v) = vars.get("max_video_pixels") {
            match v.trim().parse::<u64>() {
                Ok(p) if p > 0 => limits.max_pixels = p,
                _ => eprintln!("lathe: max_video_pixels '{v}' is not a positive whole number; using {DEFAULT_MAX_VIDEO_PIXELS}"),
            }
        }
        limits
    }

    /// Checks an ffprobe report against the limits; the error names the limit.
    pub fn check(&self, report: &serde_json::Value) -> Result<(), String> {
        let duration = report["format"]["duration"]
            .as_str()
            .and_then(|d| d.parse::<f64>().ok())
            .unwrap_or(0.0);
        if duration > self.max_seconds {
            return Err(format!(
                "the media is {duration:.0} s long; this server accepts at most {:.0} s (max_media_seconds)",
                self.max_seconds
            ));
        }
        for stream in report["streams"].as_array().into_iter().flatten() {
            let picture = stream["disposition"]["attached_pic"] == 1;
            if stream["codec_type"] != "video" || picture {
                continue;
            }
            let w = stream["width"].as_u64().unwrap_or(0);
            let h = stream["height"].as_u64().unwrap_or(0);
            if w * h > self.max_pixels {
                return Err(format!(
                    "the video is {w}×{h}; this server accepts at most {} pixels a frame (max_video_pixels)",
                    self.max_pixels
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_set_the_limits_and_reports_are_checked() {
        let vars = HashMap::from([
            ("max_media_seconds".to_string(), "10".to_string()),
            ("max_video_pixels".to_string(), "bad".to_string()),
        ]);
        let limits = MediaLimits::from_variables(&vars);
        assert_eq!(limits.max_seconds, 10.0);
        assert_eq!(limits.max_pixels, DEFAULT_MAX_VIDEO_PIXELS);
        let long = serde_json::json!({"format": {"duration": "12.5"}, "streams": []});
        assert!(limits
            .check(&long)
            .unwrap_err()
            .contains("max_media_seconds"));
        let big = serde_json::json!({"format": {"duration": "1"}, "streams": [
            {"codec_type": "video", "width": 8000, "height": 5000}]});
        assert!(limits.check(&big).unwrap_err().contains("max_video_pixels"));
        let cover = serde_json::json!({"format": {"duration": "1"}, "streams": [
            {"codec_type": "video", "width": 8000, "height": 5000, "disposition": {"attached_pic": 1}}]});
        assert!(limits.check(&cover).is_ok());
    }
}
