//! `video/extract-audio`: the audio track of a video as MP3, WAV, M4A or OGG (native tool:
//! ffmpeg).

use lathe_media_kit::catalog::one_video_tool_info;
use lathe_media_kit::run::{single_output, Needs, Plan};
use lathe_media_kit::AudioFormat;
use lathe_tool_sdk::{
    invalid_settings, parse_settings, Input, Output, Produces, Tool, ToolError, ToolInfo,
};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct Settings {
    #[serde(default)]
    format: AudioFormat,
}

struct ExtractAudio;

impl Tool for ExtractAudio {
    fn describe() -> ToolInfo {
        one_video_tool_info(
            (
                "extract-audio",
                "Extract Audio",
                "Save the audio track of a video as MP3, WAV, M4A or OGG.",
            ),
            serde_json::json!({ "format": {"enum": ["mp3", "wav", "m4a", "ogg"], "default": "mp3"} }),
            Produces::by_setting("format", &["mp3", "wav", "m4a", "ogg"]),
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let settings: Settings = parse_settings(settings)?;
        let format = settings.format;
        if !matches!(
            format,
            AudioFormat::Mp3 | AudioFormat::Wav | AudioFormat::M4a | AudioFormat::Ogg
        ) {
            return Err(invalid_settings("format must be mp3, wav, m4a or ogg"));
        }
        single_output(
            &inputs[0],
            Needs::Audio,
            format.extension(),
            "Extracting audio",
            |_| {
                let mut args = vec!["-vn".to_string(), "-map".into(), "0:a:0".into()];
                args.extend(format.codec_args(Some(192)));
                Ok(Plan::new(args))
            },
        )
    }
}

lathe_native_sdk::export_native_tool!(ExtractAudio);
