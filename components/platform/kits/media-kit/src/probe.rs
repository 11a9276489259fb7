//! What an input holds, read from ffprobe's report.

use lathe_native_sdk::probe as ffprobe;
use lathe_tool_sdk::{unsupported, Input, ToolError};
use serde_json::Value;

/// The first video stream of a file.
#[derive(Debug, Clone, PartialEq)]
pub struct VideoStream {
    /// Frame width in pixels, as stored.
    pub width: u32,
    /// Frame height in pixels, as stored.
    pub height: u32,
    /// Average frame rate (frames per second); 0 when unknown.
    pub fps: f64,
    /// Codec name (`h264`, `vp9`, `gif` ...).
    pub codec: String,
}

/// The first audio stream of a file.
#[derive(Debug, Clone, PartialEq)]
pub struct AudioStream {
    /// Number of channels.
    pub channels: u32,
    /// Sample rate in Hz.
    pub sample_rate: u32,
    /// Codec name.
    pub codec: String,
}

/// A subtitle stream.
#[derive(Debug, Clone, PartialEq)]
pub struct SubtitleStream {
    /// Position among the file's subtitle streams (for `-map 0:s:<n>`).
    pub index: usize,
    /// Codec name (`subrip`, `mov_text`, `ass`, `webvtt`, `hdmv_pgs_subtitle` ...).
    pub codec: String,
    /// Its language tag, when set.
    pub language: Option<String>,
}

impl SubtitleStream {
    /// Whether the subtitles are text (they can become SRT); bitmap ones cannot.
    pub fn is_text(&self) -> bool {
        matches!(
            self.codec.as_str(),
            "subrip" | "srt" | "mov_text" | "ass" | "ssa" | "webvtt" | "text"
        )
    }
}

/// What ffprobe says an input holds.
#[derive(Debug, Clone)]
pub struct MediaInfo {
    /// Duration in seconds (0 when unknown, e.g. a still image).
    pub duration: f64,
    /// ffprobe's demuxer names, e.g. `mov,mp4,m4a,3gp,3g2,mj2`.
    pub format_name: String,
    /// The first video stream (cover pictures are not video).
    pub video: Option<VideoStream>,
    /// The first audio stream.
    pub audio: Option<AudioStream>,
    /// Every subtitle stream.
    pub subtitles: Vec<SubtitleStream>,
    /// The container's metadata tags.
    pub tags: serde_json::Map<String, Value>,
    /// The whole report.
    pub report: Value,
}

/// The demuxer ffprobe must report for a file with this extension, so that a file whose
/// content lies about its type is refused before any encoding; `None` for extensions
/// without a fixed container.
fn expected_demuxer(ext: &str) -> Option<&'static [&'static str]> {
    Some(match ext {
        "mp4" | "m4v" | "mov" | "m4a" | "3gp" | "3g2" => &["mov", "mp4"],
        "mkv" | "webm" | "mka" => &["matroska", "webm"],
        "avi" => &["avi"],
        "flv" => &["flv"],
        "wmv" | "wma" | "asf" => &["asf"],
        "mpg" | "mpeg" => &["mpeg", "mpegvideo"],
        "ts" | "mts" | "m2ts" => &["mpegts"],
        "ogv" | "ogg" | "oga" | "opus" => &["ogg"],
        "mp3" => &["mp3"],
        "wav" => &["wav"],
        "flac" => &["flac"],
        "aac" => &["aac"],
        "aiff" | "aif" => &["aiff"],
        "amr" => &["amr"],
        "ac3" => &["ac3"],
        "gif" => &["gif"],
        "srt" => &["srt"],
        "vtt" => &["webvtt"],
        "ass" | "ssa" => &["ass"],
        _ => return None,
    })
}

fn parse_rate(rate: &str) -> f64 {
    match rate.split_once('/') {
        Some((n, d)) => {
            let (n, d) = (
                n.parse::<f64>().unwrap_or(0.0),
                d.parse::<f64>().unwrap_or(0.0),
            );
            if d > 0.0 {
                n / d
            } else {
                0.0
            }
        }
        None => rate.parse().unwrap_or(0.0),
    }
}

impl MediaInfo {
    /// Probes `input` (give it its scratch name, see [`crate::scratch`]) and checks that its
    /// content is the container its extension names (`client_ext`, from the client's name).
    pub fn probe(input: &Input, client_ext: &str) -> Result<Self, ToolError> {
        let info = Self::from_report(ffprobe(input)?);
        if let Some(expected) = expected_demuxer(client_ext) {
            let found = info.format_name.split(',').any(|n| expected.contains(&n));
            if !found {
                return Err(unsupported(format!(
                    "the file is named .{client_ext} but holds {}",
                    info.format_name
                )));
            }
        }
        Ok(info)
    }

    /// Reads an ffprobe JSON report.
    pub fn from_report(report: Value) -> Self {
        let mut info = MediaInfo {
            duration: report["format"]["duration"]
                .as_str()
                .and_then(|d| d.parse().ok())
                .unwrap_or(0.0),
            format_name: report["format"]["format_name"]
                .as_str()
                .unwrap_or("")
                .to_string(),
            video: None,
            audio: None,
            subtitles: Vec::new(),
            tags: report["format"]["tags"]
                .as_object()
                .cloned()
                .unwrap_or_default(),
            report: Value::Null,
        };
        for s in report["streams"].as_array().into_iter().flatten() {
            let codec = s["codec_name"].as_str().unwrap_or("").to_string();
            match s["codec_type"].as_str() {
                Some("video") if s["disposition"]["attached_pic"] != 1 && info.video.is_none() => {
                    let fps = parse_rate(s["avg_frame_rate"].as_str().unwrap_or("0/0"));
                    let fps = if fps > 0.0 {
                        fps
                    } else {
                        parse_rate(s["r_frame_rate"].as_str().unwrap_or("0/0"))
                    };
                    info.video = Some(VideoStream {
                        width: s["width"].as_u64().unwrap_or(0) as u32,
                        height: s["height"].as_u64().unwrap_or(0) as u32,
                        fps,
                        codec,
                    });
                }
                Some("audio") if info.audio.is_none() => {
                    info.audio = Some(AudioStream {
                        channels: s["channels"].as_u64().unwrap_or(0) as u32,
                        sample_rate: s["sample_rate"]
                            .as_str()
                            .and_then(|r| r.parse().ok())
                            .unwrap_or(0),
                        codec,
                    });
                }
                Some("subtitle") => {
                    let index = info.subtitles.len();
                    info.subtitles.push(SubtitleStream {
                        index,
                        codec,
                        language: s["tags"]["language"].as_str().map(str::to_string),
                    });
                }
                _ => {}
            }
        }
        info.report = report;
        info
    }

    /// ffprobe's entry of the first stream of `kind` (`video`, `audio`); cover pictures
    /// are not video.
    pub fn stream_report(&self, kind: &str) -> Option<&Value> {
        self.report["streams"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|s| kind != "video" || s["disposition"]["attached_pic"] != 1)
            .find(|s| s["codec_type"] == kind)
    }

    /// How many frames the video has: the stream's count when the container knows it,
    /// else duration × frame rate (at least 1).
    pub fn frame_count(&self) -> u64 {
        let counted = self
            .stream_report("video")
            .and_then(|s| s["nb_frames"].as_str())
            .and_then(|n| n.parse::<u64>().ok())
            .filter(|n| *n > 0);
        let fps = self.video.as_ref().map_or(0.0, |v| v.fps);
        counted.unwrap_or_else(|| (self.duration * fps).ceil().max(1.0) as u64)
    }

    /// The video stream, or 400 "the file contains no video stream".
    pub fn require_video(&self) -> Result<&VideoStream, ToolError> {
        self.video
            .as_ref()
            .filter(|v| v.width > 0 && v.height > 0)
            .ok_or_else(|| unsupported("the file contains no video stream"))
    }

    /// The audio stream, or 400 "the file contains no audio stream".
    pub fn require_audio(&self) -> Result<&AudioStream, ToolError> {
        self.audio
            .as_ref()
            .ok_or_else(|| unsupported("the file contains no audio stream"))
    }

    /// The duration, or 400 when the file has none (a still image, a broken file).
    pub fn require_duration(&self) -> Result<f64, ToolError> {
        if self.duration > 0.0 {
            Ok(self.duration)
        } else {
            Err(unsupported("the file has no duration"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_are_counted_or_estimated_and_covers_are_no_video() {
        let report = |nb: &str| {
            serde_json::json!({"format": {"duration": "2.5"}, "streams": [
                {"codec_type": "video", "codec_name": "mjpeg", "width": 10, "height": 10,
                 "disposition": {"attached_pic": 1}},
                {"codec_type": "video", "codec_name": "h264", "width": 320, "height": 240,
                 "avg_frame_rate": "10/1", "nb_frames": nb}
            ]})
        };
        let counted = MediaInfo::from_report(report("24"));
        assert_eq!(
            counted.stream_report("video").unwrap()["codec_name"],
            "h264"
        );
        assert_eq!(counted.frame_count(), 24);
        assert_eq!(MediaInfo::from_report(report("N/A")).frame_count(), 25);
        assert!(counted.stream_report("audio").is_none());
    }
}
