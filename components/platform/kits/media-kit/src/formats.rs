//! The encoders and muxer options of each output format, chosen once for every tool.

use serde::Deserialize;

/// A video container the tools write.
#[derive(Debug, Default, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum VideoFormat {
    /// MP4 (H.264 + AAC).
    #[default]
    Mp4,
    /// QuickTime (H.264 + AAC).
    Mov,
    /// WebM (VP9 + Opus).
    Webm,
    /// Matroska (H.264 + AAC).
    Mkv,
    /// AVI (MPEG-4 Part 2 + MP3).
    Avi,
}

/// How hard a video is compressed: seed 001's `high`/`balanced`/`small`.
#[derive(Debug, Default, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum VideoQuality {
    /// Near transparent (H.264 CRF 18, VP9 CRF 24).
    High,
    /// The default (H.264 CRF 23, VP9 CRF 32).
    #[default]
    Balanced,
    /// Smallest files (H.264 CRF 28, VP9 CRF 40).
    Small,
}

impl VideoFormat {
    /// The file extension.
    pub fn extension(self) -> &'static str {
        match self {
            VideoFormat::Mp4 => "mp4",
            VideoFormat::Mov => "mov",
            VideoFormat::Webm => "webm",
            VideoFormat::Mkv => "mkv",
            VideoFormat::Avi => "avi",
        }
    }

    /// Encoder arguments for video and audio at `quality`.
    pub fn encode_args(self, quality: VideoQuality) -> Vec<String> {
        let (x264, vp9, mpeg4) = match quality {
            VideoQuality::High => (18, 24, 2),
            VideoQuality::Balanced => (23, 32, 4),
            VideoQuality::Small => (28, 40, 8),
        };
        self.encode_args_crf(x264, vp9, mpeg4)
    }

    /// Encoder arguments with explicit rate factors (H.264 CRF, VP9 CRF, MPEG-4 q).
    pub fn encode_args_crf(self, x264: u32, vp9: u32, mpeg4: u32) -> Vec<String> {
        let args: Vec<String> = match self {
            VideoFormat::Mp4 | VideoFormat::Mov | VideoFormat::Mkv => {
                let mut a = h264_args(x264);
                a.extend(strings(&["-c:a", "aac", "-b:a", "160k"]));
                if self != VideoFormat::Mkv {
                    a.extend(strings(&["-movflags", "+faststart"]));
                }
                a
            }
            VideoFormat::Webm => {
                let mut a = vp9_args(vp9);
                a.extend(strings(&["-c:a", "libopus", "-b:a", "128k"]));
                a
            }
            VideoFormat::Avi => {
                let mut a = strings(&["-c:v", "mpeg4", "-q:v"]);
                a.push(mpeg4.to_string());
                a.extend(strings(&["-c:a", "libmp3lame", "-b:a", "192k"]));
                a
            }
        };
        args
    }

    /// The format of a file extension, when it is one of ours.
    pub fn from_extension(ext: &str) -> Option<Self> {
        Some(match ext {
            "mp4" | "m4v" => VideoFormat::Mp4,
            "mov" => VideoFormat::Mov,
            "webm" => VideoFormat::Webm,
            "mkv" => VideoFormat::Mkv,
            "avi" => VideoFormat::Avi,
            _ => return None,
        })
    }
}

/// H.264 at CRF `crf` with the pixel format every player reads.
pub fn h264_args(crf: u32) -> Vec<String> {
    let mut a = strings(&["-c:v", "libx264", "-preset", "veryfast", "-crf"]);
    a.push(crf.to_string());
    a.extend(strings(&["-pix_fmt", "yuv420p"]));
    a
}

/// VP9 at CRF `crf` (constant quality), fast enough for a server, 4:2:0.
pub fn vp9_args(crf: u32) -> Vec<String> {
    let mut a = strings(&["-c:v", "libvpx-vp9", "-crf"]);
    a.push(crf.to_string());
    a.extend(strings(&[
        "-b:v",
        "0",
        "-deadline",
        "good",
        "-cpu-used",
        "5",
        "-row-mt",
        "1",
        "-pix_fmt",
        "yuv420p",
    ]));
    a
}

/// A scale filter that makes both dimensions even (4:2:0 encoders need it); a no-op on
/// even frames.
pub const EVEN_SIZE: &str = "scale=trunc(iw/2)*2:trunc(ih/2)*2";

/// An audio format the tools write.
#[derive(Debug, Default, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum AudioFormat {
    /// MP3 (LAME).
    #[default]
    Mp3,
    /// WAV (16-bit PCM).
    Wav,
    /// Ogg Vorbis.
    Ogg,
    /// FLAC (lossless).
    Flac,
    /// AAC in an MP4 audio file.
    M4a,
    /// Raw AAC (ADTS).
    Aac,
    /// Opus in Ogg.
    Opus,
}

impl AudioFormat {
    /// The file extension.
    pub fn extension(self) -> &'static str {
        match self {
            AudioFormat::Mp3 => "mp3",
            AudioFormat::Wav => "wav",
            AudioFormat::Ogg => "ogg",
            AudioFormat::Flac => "flac",
            AudioFormat::M4a => "m4a",
            AudioFormat::Aac => "aac",
            AudioFormat::Opus => "opus",
        }
    }

    /// Whether the format is lossless (a bitrate means nothing to it).
    pub fn is_lossless(self) -> bool {
        matches!(self, AudioFormat::Wav | AudioFormat::Flac)
    }

    /// Encoder arguments; `kbps` sets the bitrate of lossy formats (default 192).
    pub fn codec_args(self, kbps: Option<u32>) -> Vec<String> {
        let rate = format!("{}k", kbps.unwrap_or(192));
        let mut a = match self {
            AudioFormat::Mp3 => strings(&["-c:a", "libmp3lame"]),
            AudioFormat::Wav => return strings(&["-c:a", "pcm_s16le"]),
            AudioFormat::Flac => return strings(&["-c:a", "flac"]),
            AudioFormat::Ogg => strings(&["-c:a", "libvorbis"]),
            AudioFormat::M4a | AudioFormat::Aac => strings(&["-c:a", "aac"]),
            AudioFormat::Opus => strings(&["-c:a", "libopus"]),
        };
        a.extend(["-b:a".to_string(), rate]);
        a
    }

    /// The format of a file extension, when it is one of ours.
    pub fn from_extension(ext: &str) -> Option<Self> {
        Some(match ext {
            "mp3" => AudioFormat::Mp3,
            "wav" => AudioFormat::Wav,
            "ogg" | "oga" => AudioFormat::Ogg,
            "flac" => AudioFormat::Flac,
            "m4a" => AudioFormat::M4a,
            "aac" => AudioFormat::Aac,
            "opus" => AudioFormat::Opus,
            _ => return None,
        })
    }

    /// The format to write when a tool keeps its input's format: the input's own when we
    /// can write it, else MP3.
    pub fn keeping(ext: &str) -> Self {
        Self::from_extension(ext).unwrap_or_default()
    }
}

/// Owned strings from string slices.
pub fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}
