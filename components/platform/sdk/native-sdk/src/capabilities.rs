//! Host capabilities for native tools: ffmpeg, ffprobe, HEIC/AVIF (libheif) and progress
//! reporting.

use crate::bindings::lathe::tool::{ffmpeg as ffi, heif, progress, types as t};
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

/// A HEIF-family format the host's libheif writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeifFormat {
    /// HEVC in HEIF (`.heic`, x265).
    Heic,
    /// AV1 in HEIF (`.avif`, aom).
    Avif,
}

/// How [`heif_encode`] writes.
#[derive(Debug, Clone, Copy)]
pub struct HeifOptions {
    /// The format.
    pub format: HeifFormat,
    /// 1..=100; ignored when `lossless`.
    pub quality: u8,
    /// Lossless (full chroma).
    pub lossless: bool,
    /// AVIF encoder speed 0..=9 (higher is faster).
    pub speed: u8,
}

/// Decodes the primary image of a HEIC, HEIF or AVIF file into PNG bytes (upright, with
/// alpha when it has one), in the host's libheif. An image over `max_pixels` is too large
/// (413); a file libheif cannot read is an unsupported input (400).
pub fn heif_decode(input: &Input, max_pixels: u64) -> Result<Vec<u8>, ToolError> {
    heif::decode(&to_wit(input), max_pixels).map_err(|e| match e.strip_prefix("too large: ") {
        Some(rest) => ToolError::TooLarge(rest.to_string()),
        None => ToolError::UnsupportedInput(e),
    })
}

/// Encodes a PNG or JPEG file as HEIC or AVIF in the host's libheif.
pub fn heif_encode(input: &Input, options: HeifOptions) -> Result<Vec<u8>, ToolError> {
    let options = heif::HeifEncode {
        format: match options.format {
            HeifFormat::Heic => heif::HeifFormat::Heic,
            HeifFormat::Avif => heif::HeifFormat::Avif,
        },
        quality: options.quality,
        lossless: options.lossless,
        speed: options.speed,
    };
    heif::encode(&to_wit(input), options).map_err(ToolError::Failed)
}
