//! `video/video-metadata`: every metadata tag (title, author, location, dates, encoder
//! ...) and chapter removed from a video whose streams are copied unchanged; the response
//! lists what was removed (native tool: ffmpeg).

use lathe_media_kit::catalog::one_video_tool_info;
use lathe_media_kit::run::{probed, Needs};
use lathe_media_kit::settings::no_settings;
use lathe_media_kit::{renamed, MediaInfo};
use lathe_native_sdk::{probe, FfmpegRun};
use lathe_tool_sdk::{Input, Output, Produces, Tool, ToolError, ToolInfo};
use serde_json::{Map, Value};

/// The tags of `before` that `after` lacks or holds with another value (keys compared
/// without case: Matroska writes them in capitals).
fn removed(before: &Map<String, Value>, after: &Map<String, Value>) -> Map<String, Value> {
    before
        .iter()
        .filter(|(key, value)| {
            !after
                .iter()
                .any(|(k, v)| k.eq_ignore_ascii_case(key) && v == *value)
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// The tags of each stream of a report, in stream order.
fn stream_tags(report: &Value) -> Vec<Map<String, Value>> {
    report["streams"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| s["tags"].as_object().cloned().unwrap_or_default())
        .collect()
}

/// The tool.
struct VideoMetadata;

impl Tool for VideoMetadata {
    fn describe() -> ToolInfo {
        one_video_tool_info(
            (
                "video-metadata",
                "Clean Video Metadata",
                "Remove the metadata (title, author, location, dates, chapters) from a video without re-encoding it.",
            ),
            serde_json::json!({}),
            Produces::SAME,
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        no_settings(settings)?;
        let source = &inputs[0];
        let (input, info) = probed(source, Needs::Video)?;
        let ext = input.name.rsplit('.').next().unwrap_or("mp4").to_string();
        let out = format!("output.{ext}");
        let mut run = FfmpegRun::new()
            .args(["-i", input.name.as_str()])
            .args(["-map", "0:v", "-map", "0:a?", "-map", "0:s?", "-dn"])
            .args(["-map_metadata", "-1", "-map_chapters", "-1", "-c", "copy"])
            .args([
                "-fflags",
                "+bitexact",
                "-flags:v",
                "+bitexact",
                "-flags:a",
                "+bitexact",
            ]);
        match ext.as_str() {
            // `.m4v` alone would pick the raw MPEG-4 video muxer.
            "m4v" => run = run.args(["-f", "mp4", "-movflags", "+faststart"]),
            "mp4" | "mov" | "3gp" => run = run.args(["-movflags", "+faststart"]),
            _ => {}
        }
        let file = run
            .arg(out.clone())
            .file(input)
            .output(out.clone())
            .progress(info.duration, 5, 95, "Removing metadata")
            .run()?
            .files
            .remove(0);
        let cleaned = probe(&Input {
            name: out,
            media_type: file.media_type.clone(),
            data: file.data.clone(),
        })?;
        let after = MediaInfo::from_report(cleaned);
        let removed_tags = removed(&info.tags, &after.tags);
        let after_streams = stream_tags(&after.report);
        let removed_streams: Vec<Value> = stream_tags(&info.report)
            .iter()
            .enumerate()
            .filter_map(|(i, tags)| {
                let gone = removed(tags, after_streams.get(i).unwrap_or(&Map::new()));
                (!gone.is_empty()).then(|| serde_json::json!({"index": i, "tags": gone}))
            })
            .collect();
        Ok(
            Output::file(renamed(file, source.stem(), &ext)).with_extra(serde_json::json!({
                "removedTags": removed_tags,
                "removedStreamTags": removed_streams,
            })),
        )
    }
}

lathe_native_sdk::export_native_tool!(VideoMetadata);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_gone_or_changed_count_as_removed() {
        let before =
            serde_json::json!({"title": "Secret", "ENCODER": "Lavf59", "major_brand": "isom"});
        let after = serde_json::json!({"encoder": "Lavf", "major_brand": "isom"});
        let gone = removed(before.as_object().unwrap(), after.as_object().unwrap());
        assert_eq!(
            Value::Object(gone),
            serde_json::json!({"title": "Secret", "ENCODER": "Lavf59"})
        );
    }
}
