//! `audio/normalize-audio`: audio normalized to -16 LUFS (EBU R128) in two passes, a
//! measurement and a linear gain (native tool: ffmpeg).

use lathe_media_kit::audio::{filtered_audio, kept_format, output_rate, AUDIO_OR_VIDEO_EXTENSIONS};
use lathe_media_kit::loudness::measure;
use lathe_media_kit::{scratch, MediaInfo};
use lathe_native_sdk::FfmpegRun;
use lathe_tool_sdk::{parse_settings, Input, Output, Produces, Section, Tool, ToolError, ToolInfo};
use serde::Deserialize;

/// The tool has no settings (unknown fields are ignored).
#[derive(Debug, Deserialize)]
struct Settings {}

/// The tool.
struct NormalizeAudio;

impl Tool for NormalizeAudio {
    fn describe() -> ToolInfo {
        ToolInfo {
            id: "normalize-audio",
            section: Section::Audio,
            name: "Normalize Audio",
            description: "Normalize loudness to -16 LUFS (EBU R128) with a two-pass linear gain.",
            settings_schema: serde_json::json!({"type": "object", "properties": {}}),
            min_inputs: 1,
            max_inputs: 1,
            accepts: AUDIO_OR_VIDEO_EXTENSIONS,
            produces: Produces::types(&["mp3", "wav", "ogg", "flac", "m4a", "aac", "opus"]),
        }
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let _: Settings = parse_settings(settings)?;
        let source = &inputs[0];
        let input = scratch(source, 0);
        let info = MediaInfo::probe(&input, &source.extension())?;
        let rate = info.require_audio()?.sample_rate;
        let format = kept_format(source);
        // Silence stays as it is: there is no loudness to correct.
        let filter = match measure(&input, info.duration, 45)? {
            Some(m) => format!(
                "{},aformat=sample_rates={}",
                m.filter(),
                output_rate(format, rate)
            ),
            None => String::new(),
        };
        let out = format!("output.{}", format.extension());
        let file = FfmpegRun::new()
            .arg("-i")
            .arg(input.name.clone())
            .args(filtered_audio(format, &filter))
            .writes(out)
            .file(input)
            .progress(info.duration, 50, 99, "Normalizing loudness")
            .run_named(source.stem(), format.extension())?;
        Ok(Output::file(file))
    }
}

lathe_native_sdk::export_native_tool!(NormalizeAudio);
