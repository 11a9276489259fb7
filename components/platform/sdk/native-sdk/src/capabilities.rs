//! Host capabilities for native tools: ffmpeg, ffprobe, native image codecs (libheif,
//! libwebp) and progress reporting.

use crate::bindings::lathe::tool::{ffmpeg as ffi, image_codecs as codecs, progress, types as t};
use lathe_tool_sdk::{Input, OutputFile, ToolError};

/// Reports progress of the current job (0..=100) with a short message.
pub fn report_progress(percent: u8, message: &str) {
    progress::report(percent.min(100), message);
}

/// One ffmpeg invocation, built step by step and run by the host in a fresh scratch
/// directory: the inputs are written there under their names, the outputs read back.
#[derive(Debug, Clone)]
pub struct FfmpegRun {
    args: Vec<String>,
    inputs: Vec<Input>,
    outputs: Vec<String>,
    progress: ffi::ProgressPlan,
    want_log: bool,
}

/// What a successful [`FfmpegRun`] returns.
#[derive(Debug, Clone)]
pub struct FfmpegOutput {
    /// The outputs asked for, in order (a sequence name expands to all its files).
    pub files: Vec<OutputFile>,
    /// ffmpeg's info-level log, when [`FfmpegRun::with_log`] asked for it.
    pub log: String,
}

impl Default for FfmpegRun {
    fn default() -> Self {
        Self::new()
    }
}

impl FfmpegRun {
    /// An empty run (no arguments, no files, progress unknown).
    pub fn new() -> Self {
        Self {
            args: Vec::new(),
            inputs: Vec::new(),
            outputs: Vec::new(),
            progress: ffi::ProgressPlan {
                duration_ms: 0,
                start_percent: 0,
                end_percent: 100,
                message: "Processing".into(),
            },
            want_log: false,
        }
    }

    /// Adds one argument.
    pub fn arg(mut self, arg: impl Into<String>) -> Self {
        self.args.push(arg.into());
        self
    }

    /// Adds several arguments.
    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// Writes `file` into the scratch directory (under its name) before the run.
    pub fn file(mut self, file: Input) -> Self {
        self.inputs.push(file);
        self
    }

    /// Writes the output file `name`: it becomes the next argument and is read back after
    /// the run.
    pub fn writes(self, name: impl Into<String>) -> Self {
        let name = name.into();
        self.arg(name.clone()).output(name)
    }

    /// Runs ffmpeg and returns its first output, renamed `<stem>.<ext>` (the download name).
    pub fn run_named(self, stem: &str, ext: &str) -> Result<OutputFile, ToolError> {
        let mut file = self
            .run()?
            .files
            .into_iter()
            .next()
            .ok_or_else(|| ToolError::Failed("ffmpeg produced no output".into()))?;
        file.name = format!("{stem}.{ext}");
        Ok(file)
    }

    /// Reads `name` back after the run; `frame-%04d.png` reads the whole sequence.
    pub fn output(mut self, name: impl Into<String>) -> Self {
        self.outputs.push(name.into());
        self
    }

    /// Moves the job's progress from `start` to `end` percent while ffmpeg produces
    /// `seconds` of media, showing `message`.
    pub fn progress(mut self, seconds: f64, start: u8, end: u8, message: &str) -> Self {
        self.progress = ffi::ProgressPlan {
            duration_ms: (seconds.max(0.0) * 1000.0) as u64,
            start_percent: start.min(100),
            end_percent: end.min(100),
            message: message.to_string(),
        };
        self
    }

    /// Asks for ffmpeg's info-level log (filter measurements such as `loudnorm`).
    pub fn with_log(mut self) -> Self {
        self.want_log = true;
        self
    }

    /// Runs ffmpeg. A failure is [`ToolError::Failed`] with ffmpeg's last words.
    pub fn run(self) -> Result<FfmpegOutput, ToolError> {
        let call = ffi::FfmpegCall {
            args: self.args,
            inputs: self.inputs.iter().map(to_wit).collect(),
            outputs: self.outputs,
            progress: self.progress,
            want_log: self.want_log,
        };
        let result = ffi::run(&call).map_err(ToolError::Failed)?;
        Ok(FfmpegOutput {
            files: result
                .files
                .into_iter()
                .map(|f| OutputFile {
                    name: f.name,
                    media_type: f.media_type,
                    data: f.data,
                })
                .collect(),
            log: result.log,
        })
    }
}

/// Runs ffmpeg with `args` over `inputs` (written to the scratch directory under their
/// names) and reads back the files named in `outputs`, without progress.
pub fn ffmpeg(
    args: &[String],
    inputs: &[Input],
    outputs: &[String],
) -> Result<Vec<OutputFile>, ToolError> {
    let mut run = FfmpegRun::new().args(args.iter().cloned());
    for input in inputs {
        run = run.file(input.clone());
    }
    for name in outputs {
        run = run.output(name.clone());
    }
    Ok(run.run()?.files)
}

/// Runs ffprobe on one input and returns its parsed JSON report. A file ffprobe cannot
/// read, or one over the server's media limits, is an unsupported input (400).
pub fn probe(input: &Input) -> Result<serde_json::Value, ToolError> {
    let json = ffi::probe(&to_wit(input)).map_err(ToolError::UnsupportedInput)?;
    serde_json::from_str(&json).map_err(|e| ToolError::Failed(format!("ffprobe report: {e}")))
}

fn to_wit(input: &Input) -> t::InputFile {
    t::InputFile {
        name: input.name.clone(),
        media_type: input.media_type.clone(),
        data: input.data.clone(),
    }
}

/// A format the host's native encoders write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostFormat {
    /// HEVC in HEIF (`.heic`/`.heif`, x265).
    Heic,
    /// AV1 in HEIF (`.avif`, aom).
    Avif,
    /// WebP (libwebp's `cwebp`, multi-threaded).
    Webp,
}

/// How [`host_encode`] writes.
#[derive(Debug, Clone, Copy)]
pub struct HostEncode {
    /// The format.
    pub format: HostFormat,
    /// 1..=100; ignored when `lossless`.
    pub quality: u8,
    /// Lossless.
    pub lossless: bool,
    /// AVIF encoder speed 0..=9 (higher is faster).
    pub speed: u8,
}

/// Why a call to the host's image codecs failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodecError {
    /// The codec refused the input (not a file it reads, or a variant it does not
    /// support); the message says why. Another form of the same pixels may succeed.
    Rejected(String),
    /// The image is over the pixel limit.
    TooLarge(String),
    /// The codec did not finish (time limit, canceled job, or it could not start);
    /// trying again would not help.
    Stopped(String),
}

impl From<codecs::CodecError> for CodecError {
    fn from(e: codecs::CodecError) -> Self {
        match e {
            codecs::CodecError::Rejected(m) => CodecError::Rejected(m),
            codecs::CodecError::TooLarge(m) => CodecError::TooLarge(m),
            codecs::CodecError::Stopped(m) => CodecError::Stopped(m),
        }
    }
}

impl From<CodecError> for ToolError {
    /// A refused input is an unsupported input (400), an image over the limit too large
    /// (413), and a codec that did not finish a failed run (422).
    fn from(e: CodecError) -> Self {
        match e {
            CodecError::Rejected(m) => ToolError::UnsupportedInput(m),
            CodecError::TooLarge(m) => ToolError::TooLarge(m),
            CodecError::Stopped(m) => ToolError::Failed(m),
        }
    }
}

/// Decodes the primary image of a HEIC, HEIF or AVIF file into PNG bytes (upright, with
/// alpha when it has one), in the host's libheif. An image over `max_pixels` is too large
/// (413); a file libheif cannot read is an unsupported input (400).
pub fn decode_heif(input: &Input, max_pixels: u64) -> Result<Vec<u8>, ToolError> {
    codecs::decode_heif(&to_wit(input), max_pixels).map_err(|e| CodecError::from(e).into())
}

/// Encodes a PNG or JPEG file (its pixels as stored) with the host's native encoders.
/// The error says whether the input was refused (so the caller may retry with other
/// bytes of the same pixels) or the encoder did not finish.
pub fn host_encode(input: &Input, options: HostEncode) -> Result<Vec<u8>, CodecError> {
    let options = codecs::EncodeOptions {
        format: match options.format {
            HostFormat::Heic => codecs::CodecFormat::Heic,
            HostFormat::Avif => codecs::CodecFormat::Avif,
            HostFormat::Webp => codecs::CodecFormat::Webp,
        },
        quality: options.quality,
        lossless: options.lossless,
        speed: options.speed,
    };
    codecs::encode(&to_wit(input), options).map_err(CodecError::from)
}
