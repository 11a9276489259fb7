//! `video/compress-video`: a smaller video: a higher rate factor and, optionally, a lower
//! resolution, in the input's container (native tool: ffmpeg).

use lathe_media_kit::catalog::video_edit_info;
use lathe_media_kit::formats::EVEN_SIZE;
use lathe_media_kit::run::{single_output, Needs, Plan};
use lathe_media_kit::video_compose::{display_size, kept_container};
use lathe_media_kit::video_edit::shrink_short_side;
use lathe_media_kit::VideoFormat;
use lathe_tool_sdk::{parse_settings, Input, Output, Tool, ToolError, ToolInfo};
use serde::Deserialize;

/// How hard to compress: seed 001's `light`, `balanced` and `strong`.
#[derive(Debug, Default, Deserialize, Clone, Copy)]
#[serde(rename_all = "lowercase")]
enum Strength {
    /// H.264 CRF 23, VP9 CRF 33.
    Light,
    /// H.264 CRF 28, VP9 CRF 38 (the default).
    #[default]
    Balanced,
    /// H.264 CRF 33, VP9 CRF 45.
    Strong,
}

/// The largest shorter side of the result.
#[derive(Debug, Default, Deserialize, Clone, Copy)]
enum Resolution {
    /// The input's size.
    #[default]
    #[serde(rename = "original")]
    Original,
    /// 1080 pixels.
    #[serde(rename = "1080p")]
    P1080,
    /// 720 pixels.
    #[serde(rename = "720p")]
    P720,
    /// 480 pixels.
    #[serde(rename = "480p")]
    P480,
}

impl Resolution {
    fn short_side(self) -> Option<u32> {
        match self {
            Resolution::Original => None,
            Resolution::P1080 => Some(1080),
            Resolution::P720 => Some(720),
            Resolution::P480 => Some(480),
        }
    }
}

/// Seed 001's settings.
#[derive(Debug, Deserialize)]
struct Settings {
    #[serde(default)]
    quality: Strength,
    #[serde(default)]
    resolution: Resolution,
}

/// The tool.
struct CompressVideo;

impl Tool for CompressVideo {
    fn describe() -> ToolInfo {
        video_edit_info(
            (
                "compress-video",
                "Compress Video",
                "Make a video smaller: stronger compression and, optionally, a lower resolution (never enlarged).",
            ),
            serde_json::json!({
                "quality": {"type": "string", "enum": ["light", "balanced", "strong"], "default": "balanced"},
                "resolution": {
                    "type": "string",
                    "enum": ["original", "1080p", "720p", "480p"],
                    "default": "original",
                    "description": "Largest shorter side; smaller videos keep their size."
                }
            }),
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let settings: Settings = parse_settings(settings)?;
        let source = &inputs[0];
        let container = kept_container(&source.extension());
        let format = VideoFormat::from_extension(container).unwrap_or_default();
        let (x264, vp9) = match settings.quality {
            Strength::Light => (23, 33),
            Strength::Balanced => (28, 38),
            Strength::Strong => (33, 45),
        };
        single_output(
            source,
            Needs::Video,
            format.extension(),
            "Compressing video",
            |info| {
                let (w, h) = display_size(info).unwrap_or((0, 0));
                let scale = settings
                    .resolution
                    .short_side()
                    .and_then(|short| shrink_short_side(w, h, short))
                    .map(|(tw, th)| format!("scale={tw}:{th}:flags=lanczos,setsar=1"))
                    .unwrap_or_else(|| EVEN_SIZE.to_string());
                let mut args: Vec<String> = vec![
                    "-map".into(),
                    "0:v:0".into(),
                    "-map".into(),
                    "0:a:0?".into(),
                    "-vf".into(),
                    scale,
                ];
                args.extend(format.encode_args_crf(x264, vp9, 6));
                // Compressed audio too: 128 kbps is transparent for speech and most music.
                args.extend([
                    "-b:a".to_string(),
                    "128k".into(),
                    "-sn".into(),
                    "-dn".into(),
                ]);
                Ok(Plan::new(args))
            },
        )
    }
}

lathe_native_sdk::export_native_tool!(CompressVideo);
