//! `audio/normalize-audio`: audio normalized to -16 LUFS (EBU R128) in two passes, a
//! measurement and a linear gain (native tool: ffmpeg).

use lathe_media_kit::audio::{filtered_audio, kept_format, one_audio_tool_info};
use lathe_media_kit::loudness::normalizing_filter;
use lathe_media_kit::run::{probed, Needs};
use lathe_media_kit::settings::no_settings;
use lathe_native_sdk::FfmpegRun;
use lathe_tool_sdk::{Input, Output, Tool, ToolError, ToolInfo};

/// The tool.
struct NormalizeAudio;

impl Tool for NormalizeAudio {
    fn describe() -> ToolInfo {
        one_audio_tool_info(
            "normalize-audio",
            "Normalize Audio",
            "Normalize loudness to -16 LUFS (EBU R128) with a two-pass linear gain.",
            serde_json::json!({}),
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        no_settings(settings)?;
        let source = &inputs[0];
        let (input, info) = probed(source, Needs::Audio)?;
        let rate = info.require_audio()?.sample_rate;
        let format = kept_format(source);
        // Silence stays as it is: there is no loudness to correct.
        let filter = normalizing_filter(&input, info.duration, format, rate)?.unwrap_or_default();
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
