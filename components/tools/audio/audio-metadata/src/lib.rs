//! `audio/audio-metadata`: an audio file's tags removed, or its title, artist and album
//! set, without re-encoding (native tool: ffmpeg).

use lathe_media_kit::run::{probed, Needs};
use lathe_media_kit::text_file;
use lathe_native_sdk::FfmpegRun;
use lathe_tool_sdk::{
    invalid_settings, parse_settings, Input, Output, Produces, Section, Tool, ToolError, ToolInfo,
};
use serde::Deserialize;

/// Containers whose tags ffmpeg writes when copying the stream (raw AAC, AMR and AC-3
/// have no tags; WMA and AIFF are left out).
const TAGGED: &[&str] = &["mp3", "m4a", "flac", "ogg", "oga", "opus", "wav"];

/// Most characters of a tag.
const MAX_TAG_CHARS: usize = 500;

/// Seed 001's settings: `strip` (default false) removes every tag and the cover picture;
/// `title`, `artist` and `album` (at most 500 characters each) are written, after the
/// strip when both are asked.
#[derive(Debug, Deserialize)]
struct Settings {
    #[serde(default)]
    strip: bool,
    title: Option<String>,
    artist: Option<String>,
    album: Option<String>,
}

/// A tag value as an `ffmetadata` file writes it: `=`, `;`, `#`, `\` and line breaks
/// escaped with a backslash. The value reaches ffmpeg in a file, never in an argument.
fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if matches!(c, '=' | ';' | '#' | '\\' | '\n') {
            out.push('\\');
        }
        if c != '\r' {
            out.push(c);
        }
    }
    out
}

/// The `ffmetadata` file of the tags to write; refuses too long values and NUL.
fn metadata_file(tags: &[(&str, &Option<String>)]) -> Result<String, ToolError> {
    let mut text = String::from(";FFMETADATA1\n");
    for (key, value) in tags {
        let Some(value) = value else { continue };
        if value.chars().count() > MAX_TAG_CHARS {
            return Err(invalid_settings(format!(
                "{key} must be at most {MAX_TAG_CHARS} characters"
            )));
        }
        if value.contains('\0') {
            return Err(invalid_settings(format!("{key} must not contain NUL")));
        }
        text.push_str(&format!("{key}={}\n", escape(value)));
    }
    Ok(text)
}

/// The tool.
struct AudioMetadata;

impl Tool for AudioMetadata {
    fn describe() -> ToolInfo {
        ToolInfo {
            id: "audio-metadata",
            section: Section::Audio,
            name: "Audio Metadata",
            description: "Remove an audio file's tags, or set its title, artist and album, without re-encoding.",
            settings_schema: serde_json::json!({
                "type": "object",
                "properties": {
                    "strip": {"type": "boolean", "default": false},
                    "title": {"type": "string", "maxLength": 500},
                    "artist": {"type": "string", "maxLength": 500},
                    "album": {"type": "string", "maxLength": 500}
                }
            }),
            min_inputs: 1,
            max_inputs: 1,
            accepts: TAGGED,
            produces: Produces::SAME,
        }
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let settings: Settings = parse_settings(settings)?;
        let meta = metadata_file(&[
            ("title", &settings.title),
            ("artist", &settings.artist),
            ("album", &settings.album),
        ])?;
        let source = &inputs[0];
        let client_ext = source.extension();
        let (input, info) = probed(source, Needs::Audio)?;
        // `.oga` is written by the plain Ogg muxer, which takes every Ogg codec.
        let ext = if client_ext == "oga" {
            "ogg"
        } else {
            client_ext.as_str()
        };
        let out = format!("output.{ext}");
        let mut run = FfmpegRun::new()
            .args([
                "-i",
                input.name.as_str(),
                "-f",
                "ffmetadata",
                "-i",
                "tags.txt",
            ])
            .args(["-map", "0:a"]);
        if settings.strip {
            run = run
                .args(["-map_metadata", "1", "-map_metadata:s:a", "1:g"])
                .args(["-map_chapters", "-1", "-fflags", "+bitexact"]);
        } else {
            if matches!(ext, "mp3" | "m4a" | "flac") {
                // The cover picture stays.
                run = run.args(["-map", "0:v?"]);
            }
            // The given tags first: the first mapping of a key wins.
            run = run
                .args(["-map_metadata", "1", "-map_metadata", "0"])
                .args(["-map_metadata:s:a", "1:g", "-map_metadata:s:a", "0:s:a"]);
        }
        let file = run
            .args(["-c", "copy"])
            .writes(out)
            .file(input)
            .file(text_file("tags.txt", &meta))
            .progress(info.duration, 5, 99, "Writing tags")
            .run_named(source.stem(), &client_ext)?;
        Ok(Output::file(file))
    }
}

lathe_native_sdk::export_native_tool!(AudioMetadata);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_escaped_and_checked() {
        let title = Some("a=b; #1 \\ c\nd".to_string());
        let text = metadata_file(&[("title", &title), ("album", &None)]).unwrap();
        assert_eq!(text, ";FFMETADATA1\ntitle=a\\=b\\; \\#1 \\\\ c\\\nd\n");
        let long = Some("x".repeat(501));
        assert!(metadata_file(&[("title", &long)]).is_err());
        let nul = Some("a\0b".to_string());
        assert!(metadata_file(&[("artist", &nul)]).is_err());
    }
}
