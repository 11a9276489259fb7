//! `video/extract-audio`: the audio track of a video as MP3, WAV or M4A (native tool: ffmpeg).

use lathe_native_sdk::{ffmpeg, probe, report_progress};
use lathe_tool_sdk::{
    parse_settings, unsupported, Input, Output, Section, Tool, ToolError, ToolInfo,
};
use serde::Deserialize;

#[derive(Debug, Default, Deserialize, Clone, Copy)]
#[serde(rename_all = "lowercase")]
enum Format {
    #[default]
    Mp3,
    Wav,
    M4a,
}

#[derive(Debug, Deserialize)]
struct Settings {
    #[serde(default)]
    format: Format,
}

impl Format {
    fn extension(self) -> &'static str {
        match self {
            Format::Mp3 => "mp3",
            Format::Wav => "wav",
            Format::M4a => "m4a",
        }
    }

    fn codec_args(self) -> &'static [&'static str] {
        match self {
            Format::Mp3 => &["-c:a", "libmp3lame", "-q:a", "2"],
            Format::Wav => &["-c:a", "pcm_s16le"],
            Format::M4a => &["-c:a", "aac", "-b:a", "192k"],
        }
    }
}

struct ExtractAudio;

impl Tool for ExtractAudio {
    fn describe() -> ToolInfo {
        ToolInfo {
            id: "extract-audio",
            section: Section::Video,
            name: "Extract Audio",
            description: "Save the audio track of a video as MP3, WAV or M4A.",
            settings_schema: serde_json::json!({
                "type": "object",
                "properties": { "format": {"enum": ["mp3", "wav", "m4a"], "default": "mp3"} }
            }),
            min_inputs: 1,
            max_inputs: 1,
            accepts: &[
                "mp4", "mov", "mkv", "webm", "avi", "m4v", "mpeg", "mpg", "flv", "wmv", "3gp", "ts",
            ],
        }
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let settings: Settings = parse_settings(settings)?;
        let source = &inputs[0];
        // The scratch directory only takes plain names; the client's name is not needed there.
        let input = Input {
            name: format!("input.{}", source.extension()),
            media_type: source.media_type.clone(),
            data: source.data.clone(),
        };
        let report = probe(&input)?;
        let has_audio = report["streams"]
            .as_array()
            .is_some_and(|streams| streams.iter().any(|s| s["codec_type"] == "audio"));
        if !has_audio {
            return Err(unsupported("the file contains no audio stream"));
        }
        report_progress(10, "Extracting audio");
        let out_name = format!("audio.{}", settings.format.extension());
        let mut args: Vec<String> = vec![
            "-i".into(),
            input.name.clone(),
            "-vn".into(),
            "-map".into(),
            "0:a:0".into(),
        ];
        args.extend(settings.format.codec_args().iter().map(|s| s.to_string()));
        args.push(out_name.clone());
        let mut files = ffmpeg(&args, &[input], &[out_name])?;
        let mut file = files.remove(0);
        file.name = format!("{}.{}", source.stem(), settings.format.extension());
        report_progress(100, "Done");
        Ok(Output::file(file))
    }
}

lathe_native_sdk::export_native_tool!(ExtractAudio);
