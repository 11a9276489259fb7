//! Shared logic of Lathe's video and audio tools, so that a tool crate holds only the
//! ffmpeg arguments that make it what it is:
//!
//! - [`probe`]: what an input holds ([`MediaInfo`]), refusing files whose content is not
//!   what their extension says and media without the stream a tool needs;
//! - [`formats`]: the encoders and muxer options of each output format;
//! - [`settings`]: colours, aspect ratios and numbers as ffmpeg wants them, and the
//!   settings several tools share (`startS`/`endS`, none at all);
//! - [`run`]: scratch names, probing the one input, the one-input-one-output runner and
//!   output naming;
//! - [`loudness`]: two-pass EBU R128 normalisation;
//! - [`audio`]: encoders, seeks, measuring passes and the `-af` runner of the audio tools;
//! - [`video_edit`]: the settings shared by the tools that edit one video;
//! - [`video_compose`]: the video tools that combine files;
//! - [`redraw`]: the tools that draw every frame anew into an MP4;
//! - [`catalog`]: the catalog entries of the one-file tools;
//! - [`concat`](mod@concat): graphs that join inputs one after the other.

pub mod audio;
pub mod catalog;
pub mod concat;
pub mod formats;
pub mod loudness;
pub mod probe;
pub mod redraw;
pub mod run;
pub mod settings;
pub mod video_compose;
pub mod video_edit;

pub use formats::{AudioFormat, VideoFormat, VideoQuality};
pub use probe::{AudioStream, MediaInfo, SubtitleStream, VideoStream};
pub use run::{font_file, renamed, scratch, single_output, text_file, Needs, Plan};
pub use settings::{ffmpeg_color, fmt_num, AspectTarget};

/// Extensions of the video containers the video tools accept.
pub const VIDEO_EXTENSIONS: &[&str] = &[
    "mp4", "mov", "mkv", "webm", "avi", "m4v", "mpeg", "mpg", "flv", "wmv", "3gp", "ts", "mts",
    "m2ts", "ogv",
];

/// Extensions of the audio files the audio tools accept.
pub const AUDIO_EXTENSIONS: &[&str] = &[
    "mp3", "wav", "flac", "aac", "m4a", "ogg", "oga", "opus", "wma", "aiff", "aif", "amr", "ac3",
];

/// Extensions of the subtitle files accepted next to a video.
pub const SUBTITLE_EXTENSIONS: &[&str] = &["srt", "vtt", "ass", "ssa"];

#[cfg(test)]
mod tests {
    use super::*;

    /// The combined lists are written out (const slices cannot be concatenated); they must
    /// stay the union of the lists they combine.
    #[test]
    fn combined_extension_lists_are_the_unions() {
        fn union(a: &[&'static str], b: &[&'static str]) -> Vec<&'static str> {
            [a, b].concat()
        }
        assert_eq!(
            audio::AUDIO_OR_VIDEO_EXTENSIONS,
            union(AUDIO_EXTENSIONS, VIDEO_EXTENSIONS).as_slice()
        );
        assert_eq!(
            video_compose::VIDEO_OR_SUBTITLE_EXTENSIONS,
            union(VIDEO_EXTENSIONS, SUBTITLE_EXTENSIONS).as_slice()
        );
    }
}
