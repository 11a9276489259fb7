//! `video/video-to-frames`: frames of a video as PNG or JPEG images (all of them, every
//! n-th, or the ones at given times), zipped by the router (native tool: ffmpeg).

use lathe_media_kit::catalog::one_video_tool_info;
use lathe_media_kit::fmt_num;
use lathe_media_kit::run::{numbered, picture_only, probed, Needs};
use lathe_tool_sdk::settings::check_range;
use lathe_tool_sdk::{
    invalid_settings, parse_settings, Input, Output, Produces, Tool, ToolError, ToolInfo,
};
use serde::Deserialize;

/// Most frames one call returns.
const MAX_FRAMES: u64 = 500;

/// Longest `timestamps` list, in characters.
const MAX_TIMESTAMPS_CHARS: usize = 500;

/// Which frames are wanted.
#[derive(Debug, Default, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
enum Mode {
    /// Every frame.
    #[default]
    All,
    /// Every `n`-th frame (the first, the n+1-th ...).
    Nth,
    /// The frames shown at the given times.
    Timestamps,
}

/// The image format of the frames.
#[derive(Debug, Default, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
enum Format {
    /// Lossless PNG.
    #[default]
    Png,
    /// JPEG (high quality).
    #[serde(alias = "jpeg")]
    Jpg,
}

/// Seed 001's settings.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Settings {
    #[serde(default)]
    mode: Mode,
    #[serde(default = "default_n")]
    n: f64,
    #[serde(default)]
    timestamps: String,
    #[serde(default)]
    format: Format,
}

fn default_n() -> f64 {
    10.0
}

/// One time: seconds (`12.5`) or `m:ss` / `h:mm:ss` with optional decimals.
fn parse_time(text: &str) -> Option<f64> {
    let mut seconds = 0.0;
    for part in text.split(':') {
        let value: f64 = part.trim().parse().ok()?;
        if !value.is_finite() || value < 0.0 {
            return None;
        }
        seconds = seconds * 60.0 + value;
    }
    Some(seconds)
}

/// The comma-separated times, sorted, without duplicates; each must lie inside the video.
fn parse_timestamps(text: &str, duration: f64) -> Result<Vec<f64>, ToolError> {
    let mut times = Vec::new();
    for item in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let t = parse_time(item).ok_or_else(|| {
            invalid_settings(format!(
                "timestamps must be seconds separated by commas (e.g. 1,2.5,10), got '{item}'"
            ))
        })?;
        if duration > 0.0 && t >= duration {
            return Err(invalid_settings(format!(
                "timestamp {item} is past the end of the video ({} s)",
                fmt_num(duration)
            )));
        }
        times.push(t);
    }
    if times.is_empty() {
        return Err(invalid_settings(
            "mode timestamps needs timestamps, e.g. \"1,2.5,10\"",
        ));
    }
    times.sort_by(f64::total_cmp);
    times.dedup_by(|a, b| (*a - *b).abs() < 0.0005);
    Ok(times)
}

/// A `select` expression that keeps the first frame at or after each time.
fn timestamps_select(times: &[f64]) -> String {
    let terms: Vec<String> = times
        .iter()
        .map(|t| {
            let t = fmt_num(*t);
            format!("gte(t\\,{t})*not(gte(prev_t\\,{t}))")
        })
        .collect();
    format!("select={}", terms.join("+"))
}

/// The tool.
struct VideoToFrames;

impl Tool for VideoToFrames {
    fn describe() -> ToolInfo {
        one_video_tool_info(
            (
                "video-to-frames",
                "Video to Frames",
                "Save frames of a video as PNG or JPEG images: all of them, every n-th, or at given times (ZIP).",
            ),
            serde_json::json!({
                "mode": {"type": "string", "enum": ["all", "nth", "timestamps"], "default": "all"},
                "n": {"type": "integer", "minimum": 2, "maximum": 1000, "default": 10},
                "timestamps": {"type": "string", "maxLength": 500, "default": ""},
                "format": {"type": "string", "enum": ["png", "jpg"], "default": "png"}
            }),
            Produces::by_setting("format", &["png", "jpg", "zip"]),
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let settings: Settings = parse_settings(settings)?;
        let n = check_range("n", settings.n, 2.0, 1000.0)?.round() as u64;
        if settings.timestamps.chars().count() > MAX_TIMESTAMPS_CHARS {
            return Err(invalid_settings(format!(
                "timestamps may be at most {MAX_TIMESTAMPS_CHARS} characters"
            )));
        }
        let source = &inputs[0];
        let (input, info) = probed(source, Needs::Video)?;
        let frames = info.frame_count();
        let (filter, expected) = match settings.mode {
            Mode::All => (None, frames),
            Mode::Nth => (
                Some(format!("select=not(mod(n\\,{n}))")),
                frames.div_ceil(n),
            ),
            Mode::Timestamps => {
                let times = parse_timestamps(&settings.timestamps, info.duration)?;
                let count = times.len() as u64;
                (Some(timestamps_select(&times)), count)
            }
        };
        if expected > MAX_FRAMES {
            return Err(ToolError::TooLarge(format!(
                "this would make {expected} frames; at most {MAX_FRAMES} are returned \
                 (use mode nth with a larger n, or timestamps)"
            )));
        }
        let ext = match settings.format {
            Format::Png => "png",
            Format::Jpg => "jpg",
        };
        let pattern = format!("frame-%04d.{ext}");
        let mut run = picture_only(&input);
        if let Some(filter) = &filter {
            run = run.args(["-vf", filter.as_str()]);
        }
        if settings.format == Format::Jpg {
            run = run.args(["-q:v", "2"]);
        }
        let files = run
            .args(["-fps_mode", "passthrough", "-frames:v"])
            .arg(MAX_FRAMES.to_string())
            .arg(pattern.clone())
            .output(pattern)
            .progress(info.duration, 5, 99, "Extracting frames")
            .run()?
            .files;
        Ok(Output::files(numbered(
            files,
            (source.stem(), "frame", 4),
            ext,
        )))
    }
}

lathe_native_sdk::export_native_tool!(VideoToFrames);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_parsed_sorted_and_checked() {
        assert_eq!(
            parse_timestamps("2, 0.5,1:05", 100.0).unwrap(),
            [0.5, 2.0, 65.0]
        );
        assert_eq!(parse_timestamps("1,1.0", 10.0).unwrap(), [1.0]);
        assert!(parse_timestamps("", 10.0).is_err());
        assert!(parse_timestamps("1,x", 10.0).is_err());
        assert!(parse_timestamps("-1", 10.0).is_err());
        assert!(parse_timestamps("12", 10.0).is_err());
    }

    #[test]
    fn each_time_selects_the_first_frame_at_or_after_it() {
        assert_eq!(
            timestamps_select(&[0.5, 1.25]),
            "select=gte(t\\,0.5)*not(gte(prev_t\\,0.5))+gte(t\\,1.25)*not(gte(prev_t\\,1.25))"
        );
    }
}
