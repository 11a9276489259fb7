//! `audio/fade-audio`: a fade-in at the start and a fade-out at the end of audio (native
//! tool: ffmpeg).

use lathe_media_kit::audio::{audio_duration, audio_filter_tool, one_audio_tool_info, AudioPlan};
use lathe_media_kit::fmt_num;
use lathe_tool_sdk::settings::check_range;
use lathe_tool_sdk::{parse_settings, Input, Output, Tool, ToolError, ToolInfo};
use serde::Deserialize;

/// Seed 001's settings: `fadeInS` and `fadeOutS`, 0 to 30 seconds (default 1 each).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Settings {
    #[serde(default = "one")]
    fade_in_s: f64,
    #[serde(default = "one")]
    fade_out_s: f64,
}

fn one() -> f64 {
    1.0
}

/// The fades that fit `duration`: when both together are longer than the audio they are
/// shortened in proportion, so they meet without overlapping.
fn fitted(fade_in: f64, fade_out: f64, duration: f64) -> (f64, f64) {
    let total = fade_in + fade_out;
    if duration > 0.0 && total > duration {
        let k = duration / total;
        (fade_in * k, fade_out * k)
    } else {
        (fade_in, fade_out)
    }
}

/// The `afade` chain: in from 0, out ending at `duration`.
fn fade_filter(fade_in: f64, fade_out: f64, duration: f64) -> String {
    let mut stages = Vec::new();
    if fade_in > 0.0 {
        stages.push(format!("afade=t=in:st=0:d={}", fmt_num(fade_in)));
    }
    if fade_out > 0.0 {
        stages.push(format!(
            "afade=t=out:st={}:d={}",
            fmt_num((duration - fade_out).max(0.0)),
            fmt_num(fade_out)
        ));
    }
    stages.join(",")
}

/// The tool.
struct FadeAudio;

impl Tool for FadeAudio {
    fn describe() -> ToolInfo {
        one_audio_tool_info(
            "fade-audio",
            "Fade Audio",
            "Fade audio in at the start and out at the end.",
            serde_json::json!({
                    "fadeInS": {"type": "number", "minimum": 0, "maximum": 30, "default": 1},
                    "fadeOutS": {"type": "number", "minimum": 0, "maximum": 30, "default": 1}
            }),
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let settings: Settings = parse_settings(settings)?;
        let fade_in = check_range("fadeInS", settings.fade_in_s, 0.0, 30.0)?;
        let fade_out = check_range("fadeOutS", settings.fade_out_s, 0.0, 30.0)?;
        audio_filter_tool(&inputs[0], "Fading audio", |info| {
            info.require_duration()?;
            let duration = audio_duration(info);
            let (fade_in, fade_out) = fitted(fade_in, fade_out, duration);
            Ok(AudioPlan {
                filter: fade_filter(fade_in, fade_out, duration),
                ..AudioPlan::default()
            })
        })
    }
}

lathe_native_sdk::export_native_tool!(FadeAudio);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fades_longer_than_the_audio_are_shortened() {
        assert_eq!(fitted(1.0, 1.0, 10.0), (1.0, 1.0));
        assert_eq!(fitted(3.0, 1.0, 2.0), (1.5, 0.5));
        assert_eq!(
            fade_filter(1.0, 2.0, 10.0),
            "afade=t=in:st=0:d=1,afade=t=out:st=8:d=2"
        );
        assert_eq!(fade_filter(0.0, 0.0, 10.0), "");
    }
}
