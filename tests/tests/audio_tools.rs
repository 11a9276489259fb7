//! End-to-end tests of the audio tools (native worker, ffmpeg): every result is decoded
//! again by the test's own ffmpeg/ffprobe and measured (duration, channels, codec,
//! loudness, frequency by zero crossings, noise energy, tags, picture size and colour).

use std::io::{Cursor, Read};
use std::process::Command;

use lathe_tests::{assert_rejects_bad_input, fixtures, media, shared, Value};

/// Runs an audio tool on one file; returns the response JSON and the result bytes.
fn run(tool: &str, name: &str, bytes: Vec<u8>, settings: &str) -> (Value, Vec<u8>) {
    shared().run_and_download("audio", tool, &[("file", name, bytes)], settings)
}

/// Asserts that a run answers `status` with `code`.
fn assert_error(tool: &str, name: &str, bytes: Vec<u8>, settings: &str, status: u16, code: &str) {
    let r = shared().run_tool("audio", tool, name, bytes, settings);
    assert_eq!(r.assert_client_error(status), code, "{tool} {settings}");
}

/// The standard bad inputs (garbage, wrong type, not-JSON settings, no file) and each
/// out-of-range `bad_settings` answering 400 INVALID_SETTINGS.
fn assert_bad_input(tool: &str, good_settings: &str, bad_settings: &[&str]) {
    let lathe = shared();
    let wav = media::tone(1.0, 440, 1, "wav");
    assert_rejects_bad_input(
        lathe,
        "audio",
        tool,
        "tone.wav",
        wav.clone(),
        ("notes.txt", b"hello".to_vec()),
    );
    for settings in bad_settings {
        assert_error(
            tool,
            "tone.wav",
            wav.clone(),
            settings,
            400,
            "INVALID_SETTINGS",
        );
    }
    // The good settings do work on that file (the refusals above are the settings').
    let r = lathe.run_tool("audio", tool, "tone.wav", wav, good_settings);
    assert_eq!(
        r.status,
        200,
        "{tool}: {}",
        String::from_utf8_lossy(&r.body)
    );
    lathe.assert_healthy();
}

/// A video without any audio track.
fn silent_video() -> Vec<u8> {
    media::lavfi_h264("testsrc=size=160x120:rate=10:duration=1")
}

/// 1 s of 440 Hz, 1 s of digital silence, 1 s of 660 Hz (mono WAV, 3 s).
fn tone_silence_tone(ext: &str) -> Vec<u8> {
    media::ffmpeg_make(
        &[
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440:sample_rate=44100:duration=1",
            "-f",
            "lavfi",
            "-i",
            "anullsrc=r=44100:cl=mono:d=1",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=660:sample_rate=44100:duration=1",
            "-filter_complex",
            "[0][1][2]concat=n=3:v=0:a=1,aformat=channel_layouts=mono",
        ],
        ext,
    )
}

/// A stereo WAV with `left` Hz on the left and `right` Hz on the right.
fn two_tones(seconds: f64, left: u32, right: u32) -> Vec<u8> {
    let l = format!("sine=frequency={left}:sample_rate=44100:duration={seconds}");
    let r = format!("sine=frequency={right}:sample_rate=44100:duration={seconds}");
    media::ffmpeg_make(
        &[
            "-f",
            "lavfi",
            "-i",
            &l,
            "-f",
            "lavfi",
            "-i",
            &r,
            "-filter_complex",
            "[0][1]amerge=inputs=2,aformat=channel_layouts=stereo",
        ],
        "wav",
    )
}

/// Container duration in seconds.
fn seconds(bytes: &[u8], ext: &str) -> f64 {
    media::duration(&media::probe(bytes, ext))
}

/// The first audio stream of a result.
fn audio_stream(bytes: &[u8], ext: &str) -> Value {
    let report = media::probe(bytes, ext);
    let audio = media::streams(&report, "audio");
    assert_eq!(audio.len(), 1, "one audio stream: {report}");
    audio[0].clone()
}

/// The dominant frequency of `samples` (8 kHz mono) between two times, by zero crossings.
fn frequency(samples: &[i16], from_s: f64, to_s: f64) -> f64 {
    let part = &samples[(from_s * 8000.0) as usize..(to_s * 8000.0) as usize];
    let crossings = part.windows(2).filter(|w| (w[0] < 0) != (w[1] < 0)).count();
    crossings as f64 / 2.0 / (to_s - from_s)
}

/// RMS level in dBFS of `samples` (8 kHz mono) between two times.
fn rms_db(samples: &[i16], from_s: f64, to_s: f64) -> f64 {
    let part = &samples[(from_s * 8000.0) as usize..(to_s * 8000.0) as usize];
    let power = part.iter().map(|&s| (s as f64).powi(2)).sum::<f64>() / part.len() as f64;
    20.0 * (power.sqrt() / 32768.0 + 1e-9).log10()
}

/// One channel (0 left, 1 right) of the first audio stream, 8 kHz 16-bit.
fn channel_samples(bytes: &[u8], ext: &str, channel: u32) -> Vec<i16> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(format!("in.{ext}"));
    std::fs::write(&path, bytes).unwrap();
    let pan = format!("pan=mono|c0=c{channel}");
    let out = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-i"])
        .arg(&path)
        .args([
            "-map", "0:a:0", "-af", &pan, "-ar", "8000", "-f", "s16le", "-",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "ffmpeg could not decode the channel");
    out.stdout
        .chunks_exact(2)
        .map(|c| i16::from_le_bytes([c[0], c[1]]))
        .collect()
}

/// The files of a ZIP archive: (name, bytes), in archive order.
fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("result is a ZIP");
    (0..archive.len())
        .map(|i| {
            let mut file = archive.by_index(i).unwrap();
            let mut data = Vec::new();
            file.read_to_end(&mut data).unwrap();
            (file.name().to_string(), data)
        })
        .collect()
}

/// A tag of a report, looked up in the format tags and then the audio stream's (Ogg keeps
/// its tags there), keys case-insensitive.
fn tag(report: &Value, key: &str) -> Option<String> {
    let find = |tags: &Value| {
        tags.as_object().and_then(|m| {
            m.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
                .and_then(|(_, v)| v.as_str().map(str::to_string))
        })
    };
    find(&report["format"]["tags"]).or_else(|| {
        media::streams(report, "audio")
            .first()
            .and_then(|s| find(&s["tags"]))
    })
}

fn download_name(body: &Value) -> String {
    body["downloadUrl"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_string()
}

#[test]
fn convert_audio_writes_each_format_at_its_bitrate() {
    let wav = media::tone(2.0, 440, 2, "wav");
    for (format, codec) in [
        ("mp3", "mp3"),
        ("wav", "pcm_s16le"),
        ("ogg", "vorbis"),
        ("flac", "flac"),
        ("m4a", "aac"),
        ("opus", "opus"),
    ] {
        let settings = format!(r#"{{"format":"{format}","bitrateKbps":96}}"#);
        let (body, bytes) = run("convert-audio", "tone.wav", wav.clone(), &settings);
        assert_eq!(download_name(&body), format!("tone.{format}"), "{body}");
        let stream = audio_stream(&bytes, format);
        assert_eq!(stream["codec_name"], codec, "{format}");
        assert_eq!(stream["channels"], 2, "{format}");
        let d = seconds(&bytes, format);
        assert!((d - 2.0).abs() < 0.3, "{format}: duration {d}");
        assert!((frequency(&media::samples(&bytes, format), 0.5, 1.5) - 440.0).abs() < 10.0);
    }
    // The bitrate reaches the encoder: 32 kbps MP3 is about a sixth of 192 kbps.
    let (_, low) = run(
        "convert-audio",
        "tone.wav",
        wav.clone(),
        r#"{"format":"mp3","bitrateKbps":32}"#,
    );
    let (_, high) = run(
        "convert-audio",
        "tone.wav",
        wav.clone(),
        r#"{"format":"mp3","bitrateKbps":192}"#,
    );
    let rate = |b: &[u8]| -> f64 {
        media::probe(b, "mp3")["format"]["bit_rate"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap()
    };
    assert!((rate(&low) - 32_000.0).abs() < 4_000.0, "{}", rate(&low));
    assert!(
        (rate(&high) - 192_000.0).abs() < 20_000.0,
        "{}",
        rate(&high)
    );
    // 32 kbps stereo Vorbis (which libvorbis refuses as a managed bitrate) still works.
    let (_, ogg) = run(
        "convert-audio",
        "tone.wav",
        wav,
        r#"{"format":"ogg","bitrateKbps":32}"#,
    );
    assert_eq!(audio_stream(&ogg, "ogg")["codec_name"], "vorbis");
    // A video's audio track becomes an audio-only file; defaults: MP3.
    let (body, bytes) = run(
        "convert-audio",
        "clip.mp4",
        fixtures::video_with_audio(2),
        "{}",
    );
    assert_eq!(download_name(&body), "clip.mp3");
    let report = media::probe(&bytes, "mp3");
    assert!(media::streams(&report, "video").is_empty(), "{report}");
    assert_eq!(media::streams(&report, "audio")[0]["codec_name"], "mp3");
}

#[test]
fn convert_audio_rejects_bad_input() {
    assert_bad_input(
        "convert-audio",
        r#"{"format":"flac"}"#,
        &[
            r#"{"bitrateKbps":16}"#,
            r#"{"bitrateKbps":400}"#,
            r#"{"format":"xyz"}"#,
            r#"{"bitrateKbps":"loud"}"#,
        ],
    );
}

#[test]
fn trim_audio_keeps_the_part_between_start_and_end() {
    // 440 Hz for a second, then silence: 0.5..1.5 is half tone, half silence.
    let (body, bytes) = run(
        "trim-audio",
        "mix.wav",
        tone_silence_tone("wav"),
        r#"{"startS":0.5,"endS":1.5}"#,
    );
    assert_eq!(download_name(&body), "mix.wav");
    let d = seconds(&bytes, "wav");
    assert!((d - 1.0).abs() < 0.1, "duration {d}");
    let s = media::samples(&bytes, "wav");
    assert!((frequency(&s, 0.05, 0.45) - 440.0).abs() < 10.0);
    assert!(
        rms_db(&s, 0.6, 0.95) < -60.0,
        "silence after 1 s of the input"
    );
    // An end past the audio's end means to the end; MP3 stays MP3.
    let (body, bytes) = run(
        "trim-audio",
        "tone.mp3",
        media::tone(3.0, 440, 1, "mp3"),
        r#"{"startS":2,"endS":60}"#,
    );
    assert_eq!(download_name(&body), "tone.mp3");
    let d = seconds(&bytes, "mp3");
    assert!((d - 1.0).abs() < 0.15, "duration {d}");
}

#[test]
fn trim_audio_rejects_bad_input() {
    assert_bad_input(
        "trim-audio",
        r#"{"startS":0,"endS":0.5}"#,
        &[
            "{}",
            r#"{"startS":0.5,"endS":0.5}"#,
            r#"{"startS":-1,"endS":0.5}"#,
            r#"{"startS":5,"endS":9}"#,
        ],
    );
    assert_error(
        "trim-audio",
        "silent.mp4",
        silent_video(),
        r#"{"endS":1}"#,
        400,
        "UNSUPPORTED_INPUT",
    );
}

#[test]
fn volume_adjust_changes_the_loudness_by_the_gain() {
    let wav = media::tone(2.0, 440, 1, "wav");
    let before = media::loudness(&wav, "wav");
    for gain in [6.0, -10.0] {
        let (_, bytes) = run(
            "volume-adjust",
            "tone.wav",
            wav.clone(),
            &format!(r#"{{"gainDb":{gain}}}"#),
        );
        let after = media::loudness(&bytes, "wav");
        assert!(
            (after - before - gain).abs() < 0.6,
            "{before} -> {after} for {gain} dB"
        );
    }
    // Seed 001's default: +3 dB.
    let (_, bytes) = run("volume-adjust", "tone.wav", wav, "{}");
    let after = media::loudness(&bytes, "wav");
    assert!((after - before - 3.0).abs() < 0.6, "{before} -> {after}");
}

#[test]
fn volume_adjust_rejects_bad_input() {
    assert_bad_input(
        "volume-adjust",
        r#"{"gainDb":-3}"#,
        &[r#"{"gainDb":31}"#, r#"{"gainDb":-30.5}"#],
    );
    assert_error(
        "volume-adjust",
        "silent.mp4",
        silent_video(),
        "{}",
        400,
        "UNSUPPORTED_INPUT",
    );
}

#[test]
fn normalize_audio_brings_quiet_audio_to_minus_16_lufs() {
    let quiet = |ext| {
        media::ffmpeg_make(
            &[
                "-f",
                "lavfi",
                "-i",
                "sine=frequency=440:sample_rate=44100:duration=3",
                "-af",
                "volume=-30dB",
            ],
            ext,
        )
    };
    for ext in ["wav", "mp3"] {
        let source = quiet(ext);
        let before = media::loudness(&source, ext);
        assert!(before < -40.0, "the input is quiet: {before}");
        let (body, bytes) = run("normalize-audio", &format!("quiet.{ext}"), source, "{}");
        assert_eq!(download_name(&body), format!("quiet.{ext}"));
        let after = media::loudness(&bytes, ext);
        assert!(
            (after + 16.0).abs() <= 1.5,
            "{ext}: {before} -> {after} LUFS"
        );
        let stream = audio_stream(&bytes, ext);
        assert_eq!(stream["sample_rate"], "44100", "back at the input's rate");
        let d = seconds(&bytes, ext);
        assert!((d - 3.0).abs() < 0.15, "duration {d}");
    }
}

#[test]
fn normalize_audio_rejects_bad_input() {
    assert_bad_input("normalize-audio", "{}", &[]);
    assert_error(
        "normalize-audio",
        "silent.mp4",
        silent_video(),
        "{}",
        400,
        "UNSUPPORTED_INPUT",
    );
}

#[test]
fn fade_audio_fades_in_and_out() {
    let wav = media::tone(3.0, 440, 1, "wav");
    let (_, bytes) = run(
        "fade-audio",
        "tone.wav",
        wav.clone(),
        r#"{"fadeInS":1,"fadeOutS":1}"#,
    );
    let d = seconds(&bytes, "wav");
    assert!((d - 3.0).abs() < 0.05, "duration {d}");
    let s = media::samples(&bytes, "wav");
    let middle = rms_db(&s, 1.2, 1.8);
    let original = rms_db(&media::samples(&wav, "wav"), 1.2, 1.8);
    assert!((middle - original).abs() < 0.5, "the middle is untouched");
    assert!(rms_db(&s, 0.0, 0.2) < middle - 10.0, "fades in");
    assert!(rms_db(&s, 2.8, 3.0) < middle - 10.0, "fades out");
    assert!(
        rms_db(&s, 0.8, 0.95) > middle - 3.0,
        "fade-in over after 1 s"
    );
    // Fades longer than the file are shortened to meet in the middle, not refused.
    let (_, bytes) = run(
        "fade-audio",
        "tone.wav",
        wav,
        r#"{"fadeInS":30,"fadeOutS":30}"#,
    );
    let s = media::samples(&bytes, "wav");
    let d = seconds(&bytes, "wav");
    assert!((d - 3.0).abs() < 0.05, "duration {d}");
    let peak = rms_db(&s, 1.4, 1.6);
    assert!(rms_db(&s, 0.0, 0.2) < peak - 12.0);
    assert!(rms_db(&s, 2.8, 3.0) < peak - 12.0);
}

#[test]
fn fade_audio_rejects_bad_input() {
    assert_bad_input(
        "fade-audio",
        r#"{"fadeInS":0,"fadeOutS":0.5}"#,
        &[r#"{"fadeInS":31}"#, r#"{"fadeOutS":-1}"#],
    );
}

#[test]
fn reverse_audio_plays_backwards() {
    let (body, bytes) = run("reverse-audio", "mix.flac", tone_silence_tone("flac"), "{}");
    assert_eq!(download_name(&body), "mix.flac");
    assert_eq!(audio_stream(&bytes, "flac")["codec_name"], "flac");
    let d = seconds(&bytes, "flac");
    assert!((d - 3.0).abs() < 0.05, "duration {d}");
    let s = media::samples(&bytes, "flac");
    assert!(
        (frequency(&s, 0.2, 0.8) - 660.0).abs() < 10.0,
        "660 Hz comes first"
    );
    assert!(rms_db(&s, 1.2, 1.8) < -60.0);
    assert!(
        (frequency(&s, 2.2, 2.8) - 440.0).abs() < 10.0,
        "440 Hz comes last"
    );
}

#[test]
fn reverse_audio_rejects_bad_input() {
    assert_bad_input("reverse-audio", "{}", &[]);
    assert_error(
        "reverse-audio",
        "silent.mp4",
        silent_video(),
        "{}",
        400,
        "UNSUPPORTED_INPUT",
    );
}

#[test]
fn audio_speed_changes_duration_not_pitch() {
    let wav = media::tone(2.0, 440, 1, "wav");
    for (factor, expected) in [(1.5, 2.0 / 1.5), (4.0, 0.5), (0.5, 4.0)] {
        let (_, bytes) = run(
            "audio-speed",
            "tone.wav",
            wav.clone(),
            &format!(r#"{{"factor":{factor}}}"#),
        );
        let d = seconds(&bytes, "wav");
        assert!((d - expected).abs() < 0.1, "factor {factor}: duration {d}");
        let s = media::samples(&bytes, "wav");
        let f = frequency(&s, 0.1, expected - 0.1);
        assert!((f - 440.0).abs() < 12.0, "factor {factor}: {f} Hz");
    }
}

#[test]
fn audio_speed_rejects_bad_input() {
    assert_bad_input(
        "audio-speed",
        r#"{"factor":2}"#,
        &[r#"{"factor":5}"#, r#"{"factor":0.2}"#],
    );
}

#[test]
fn pitch_shift_moves_the_frequency_and_keeps_the_duration() {
    let wav = media::tone(2.0, 440, 1, "wav");
    for (semitones, expected) in [(12, 880.0), (-12, 220.0), (3, 523.25)] {
        let (_, bytes) = run(
            "pitch-shift",
            "tone.wav",
            wav.clone(),
            &format!(r#"{{"semitones":{semitones}}}"#),
        );
        let d = seconds(&bytes, "wav");
        assert!((d - 2.0).abs() < 0.1, "{semitones}: duration {d}");
        let f = frequency(&media::samples(&bytes, "wav"), 0.5, 1.5);
        assert!(
            (f - expected).abs() < expected * 0.02,
            "{semitones}: {f} Hz"
        );
    }
}

#[test]
fn pitch_shift_rejects_bad_input() {
    assert_bad_input(
        "pitch-shift",
        r#"{"semitones":-2}"#,
        &[r#"{"semitones":13}"#, r#"{"semitones":-12.5}"#],
    );
}

#[test]
fn audio_channels_mixes_splits_and_swaps() {
    let stereo = two_tones(1.5, 440, 880);
    let (_, mono) = run(
        "audio-channels",
        "two.wav",
        stereo.clone(),
        r#"{"mode":"stereo-to-mono"}"#,
    );
    assert_eq!(audio_stream(&mono, "wav")["channels"], 1);
    let (_, swapped) = run("audio-channels", "two.wav", stereo, r#"{"mode":"swap"}"#);
    assert_eq!(audio_stream(&swapped, "wav")["channels"], 2);
    let left = frequency(&channel_samples(&swapped, "wav", 0), 0.2, 1.2);
    let right = frequency(&channel_samples(&swapped, "wav", 1), 0.2, 1.2);
    assert!((left - 880.0).abs() < 15.0, "left now {left} Hz");
    assert!((right - 440.0).abs() < 15.0, "right now {right} Hz");
    let (_, both) = run(
        "audio-channels",
        "tone.mp3",
        media::tone(1.5, 440, 1, "mp3"),
        r#"{"mode":"mono-to-stereo"}"#,
    );
    assert_eq!(audio_stream(&both, "mp3")["channels"], 2);
    for channel in [0, 1] {
        let f = frequency(&channel_samples(&both, "mp3", channel), 0.2, 1.2);
        assert!((f - 440.0).abs() < 10.0, "channel {channel}: {f} Hz");
    }
}

#[test]
fn audio_channels_rejects_modes_that_do_not_fit() {
    let mono = media::tone(1.0, 440, 1, "wav");
    let stereo = media::tone(1.0, 440, 2, "wav");
    for (bytes, mode) in [
        (mono.clone(), "swap"),
        (mono.clone(), "stereo-to-mono"),
        (stereo, "mono-to-stereo"),
    ] {
        let settings = format!(r#"{{"mode":"{mode}"}}"#);
        assert_error(
            "audio-channels",
            "a.wav",
            bytes,
            &settings,
            400,
            "UNSUPPORTED_INPUT",
        );
    }
    assert_bad_input(
        "audio-channels",
        r#"{"mode":"mono-to-stereo"}"#,
        &["{}", r#"{"mode":"quad"}"#],
    );
}

#[test]
fn silence_removal_cuts_the_silence_in_the_middle() {
    let source = tone_silence_tone("wav");
    let (_, bytes) = run(
        "silence-removal",
        "mix.wav",
        source.clone(),
        r#"{"thresholdDb":-50,"minSilenceS":0.5}"#,
    );
    let d = seconds(&bytes, "wav");
    assert!((d - 2.0).abs() < 0.15, "the 1 s silence is gone: {d}");
    let s = media::samples(&bytes, "wav");
    assert!((frequency(&s, 0.1, 0.8) - 440.0).abs() < 10.0);
    assert!((frequency(&s, d - 0.8, d - 0.1) - 660.0).abs() < 10.0);
    // A silence shorter than minSilenceS stays.
    let (_, bytes) = run("silence-removal", "mix.wav", source, r#"{"minSilenceS":2}"#);
    let d = seconds(&bytes, "wav");
    assert!((d - 3.0).abs() < 0.1, "kept: {d}");
    // Nothing but silence leaves nothing: 422.
    let silence = media::ffmpeg_make(
        &["-f", "lavfi", "-i", "anullsrc=r=44100:cl=mono:d=1"],
        "wav",
    );
    assert_error(
        "silence-removal",
        "quiet.wav",
        silence,
        "{}",
        422,
        "PROCESSING_FAILED",
    );
}

#[test]
fn silence_removal_rejects_bad_input() {
    assert_bad_input(
        "silence-removal",
        "{}",
        &[
            r#"{"thresholdDb":-10}"#,
            r#"{"thresholdDb":-90}"#,
            r#"{"minSilenceS":0.05}"#,
            r#"{"minSilenceS":6}"#,
        ],
    );
}

#[test]
fn noise_reduction_lowers_the_noise_and_keeps_the_tone() {
    // White noise at about -45 dBFS throughout, a 440 Hz tone from 1.5 s on.
    let noisy = media::ffmpeg_make(
        &[
            "-f",
            "lavfi",
            "-i",
            "anoisesrc=color=white:amplitude=0.01:sample_rate=44100:duration=3:seed=7",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440:sample_rate=44100:duration=3",
            "-filter_complex",
            "[1]volume=enable='lt(t,1.5)':volume=0[s];[0][s]amix=inputs=2:normalize=0",
        ],
        "wav",
    );
    let before = media::samples(&noisy, "wav");
    let (noise_before, tone_before) = (rms_db(&before, 0.3, 1.3), rms_db(&before, 1.8, 2.8));
    for (strength, drop) in [("medium", 6.0), ("strong", 10.0), ("light", 1.0)] {
        let settings = format!(r#"{{"strength":"{strength}"}}"#);
        let (_, bytes) = run("noise-reduction", "noisy.wav", noisy.clone(), &settings);
        let after = media::samples(&bytes, "wav");
        let noise = rms_db(&after, 0.3, 1.3);
        let tone = rms_db(&after, 1.8, 2.8);
        assert!(
            noise < noise_before - drop,
            "{strength}: noise {noise_before} -> {noise}"
        );
        assert!(
            (tone - tone_before).abs() < 1.5,
            "{strength}: tone {tone_before} -> {tone}"
        );
        let f = frequency(&after, 1.8, 2.8);
        assert!((f - 440.0).abs() < 10.0, "{strength}: {f} Hz");
    }
}

#[test]
fn noise_reduction_rejects_bad_input() {
    assert_bad_input(
        "noise-reduction",
        r#"{"strength":"light"}"#,
        &[r#"{"strength":"extreme"}"#, r#"{"strength":3}"#],
    );
}

#[test]
fn merge_audio_joins_files_in_order() {
    let parts = [
        ("files", "first.mp3", media::tone(1.0, 440, 1, "mp3")),
        ("files", "second.wav", two_tones(1.5, 660, 660)),
        ("files", "third.mp4", fixtures::video_with_audio(1)),
    ];
    let (body, bytes) =
        shared().run_and_download("audio", "merge-audio", &parts, r#"{"format":"wav"}"#);
    assert_eq!(download_name(&body), "first.wav");
    let stream = audio_stream(&bytes, "wav");
    assert_eq!(stream["channels"], 2, "stereo because one input is");
    let d = seconds(&bytes, "wav");
    assert!((d - 3.5).abs() < 0.2, "1 + 1.5 + 1 s: {d}");
    let s = media::samples(&bytes, "wav");
    assert!((frequency(&s, 0.2, 0.8) - 440.0).abs() < 10.0);
    assert!((frequency(&s, 1.3, 2.3) - 660.0).abs() < 10.0);
    assert!((frequency(&s, 2.7, 3.3) - 440.0).abs() < 10.0);
    // Seed 001's default format: MP3.
    let parts = [
        ("files", "a.wav", media::tone(1.0, 440, 1, "wav")),
        ("files", "b.ogg", media::tone(1.0, 880, 1, "ogg")),
    ];
    let (body, bytes) = shared().run_and_download("audio", "merge-audio", &parts, "{}");
    assert_eq!(download_name(&body), "a.mp3");
    assert_eq!(audio_stream(&bytes, "mp3")["channels"], 1);
    let d = seconds(&bytes, "mp3");
    assert!((d - 2.0).abs() < 0.2, "{d}");
}

#[test]
fn merge_audio_rejects_bad_input() {
    let lathe = shared();
    let tone = || media::tone(1.0, 440, 1, "wav");
    let r = lathe.run_tool_files("audio", "merge-audio", &[("files", "a.wav", tone())], "{}");
    r.assert_client_error(400);
    let garbage: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    let r = lathe.run_tool_files(
        "audio",
        "merge-audio",
        &[("files", "a.wav", tone()), ("files", "b.wav", garbage)],
        "{}",
    );
    assert!((400..500).contains(&r.status), "garbage: {}", r.status);
    r.assert_client_error(r.status);
    let r = lathe.run_tool_files(
        "audio",
        "merge-audio",
        &[
            ("files", "a.wav", tone()),
            ("files", "b.mp4", silent_video()),
        ],
        "{}",
    );
    assert_eq!(r.assert_client_error(400), "UNSUPPORTED_INPUT");
    let r = lathe.run_tool_files(
        "audio",
        "merge-audio",
        &[
            ("files", "a.wav", tone()),
            ("files", "b.txt", b"hello".to_vec()),
        ],
        "{}",
    );
    r.assert_client_error(400);
    for settings in [r#"{"format":"xyz"}"#, "{not json"] {
        let r = lathe.run_tool_files(
            "audio",
            "merge-audio",
            &[("files", "a.wav", tone()), ("files", "b.wav", tone())],
            settings,
        );
        assert_eq!(r.assert_client_error(400), "INVALID_SETTINGS", "{settings}");
    }
    lathe.assert_healthy();
}

#[test]
fn split_audio_by_time_parts_and_silence() {
    let five = media::tone(5.0, 440, 1, "wav");
    let (body, zip) = run(
        "split-audio",
        "tone.wav",
        five.clone(),
        r#"{"mode":"time","segmentS":2}"#,
    );
    assert_eq!(download_name(&body), "tone.zip");
    let files = unzip(&zip);
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "tone-part-001.wav",
            "tone-part-002.wav",
            "tone-part-003.wav"
        ]
    );
    for ((_, bytes), expected) in files.iter().zip([2.0, 2.0, 1.0]) {
        let d = seconds(bytes, "wav");
        assert!((d - expected).abs() < 0.05, "{d} vs {expected}");
    }
    // Equal parts, MP3 kept.
    let (_, zip) = run(
        "split-audio",
        "tone.mp3",
        media::tone(5.0, 440, 1, "mp3"),
        r#"{"mode":"parts","parts":2}"#,
    );
    let files = unzip(&zip);
    assert_eq!(files.len(), 2);
    for (name, bytes) in &files {
        assert!(name.ends_with(".mp3"), "{name}");
        let d = seconds(bytes, "mp3");
        assert!((d - 2.5).abs() < 0.15, "{name}: {d}");
    }
    // At the middle of the silence: 440 Hz in the first piece, 660 Hz in the second.
    let (_, zip) = run(
        "split-audio",
        "mix.flac",
        tone_silence_tone("flac"),
        r#"{"mode":"silence","thresholdDb":-40,"minSilenceS":0.3}"#,
    );
    let files = unzip(&zip);
    assert_eq!(files.len(), 2, "one cut");
    let (first, second) = (&files[0].1, &files[1].1);
    for (bytes, freq) in [(first, 440.0), (second, 660.0)] {
        let d = seconds(bytes, "flac");
        assert!((d - 1.5).abs() < 0.1, "{d}");
        let s = media::samples(bytes, "flac");
        let (from, to) = if freq == 440.0 {
            (0.1, 0.9)
        } else {
            (0.6, 1.4)
        };
        assert!((frequency(&s, from, to) - freq).abs() < 10.0, "{freq}");
    }
}

#[test]
fn split_audio_rejects_bad_input() {
    assert_bad_input(
        "split-audio",
        r#"{"mode":"parts","parts":2}"#,
        &[
            r#"{"segmentS":0.5}"#,
            r#"{"segmentS":3601}"#,
            r#"{"mode":"parts","parts":21}"#,
            r#"{"mode":"parts","parts":1}"#,
            r#"{"mode":"bogus"}"#,
            r#"{"mode":"silence","minSilenceS":11}"#,
            r#"{"mode":"silence","thresholdDb":-10}"#,
        ],
    );
    assert_error(
        "split-audio",
        "silent.mp4",
        silent_video(),
        "{}",
        400,
        "UNSUPPORTED_INPUT",
    );
}

#[test]
fn ringtone_maker_cuts_a_faded_m4r() {
    let source = media::tone(5.0, 440, 1, "mp3");
    let (body, bytes) = run(
        "ringtone-maker",
        "song.mp3",
        source,
        r#"{"startS":1,"durationS":2}"#,
    );
    assert_eq!(download_name(&body), "song.m4r");
    let report = media::probe(&bytes, "m4a");
    assert!(
        report["format"]["format_name"]
            .as_str()
            .unwrap()
            .contains("mp4"),
        "{report}"
    );
    assert_eq!(media::streams(&report, "audio")[0]["codec_name"], "aac");
    let d = media::duration(&report);
    assert!((d - 2.0).abs() < 0.15, "duration {d}");
    let s = media::samples(&bytes, "m4a");
    let middle = rms_db(&s, 0.8, 1.2);
    assert!(rms_db(&s, 0.0, 0.05) < middle - 6.0, "fades in");
    assert!(rms_db(&s, 1.9, 1.98) < middle - 6.0, "fades out");
    // Seed 001's defaults: 30 s from the start.
    let (_, bytes) = run(
        "ringtone-maker",
        "long.mp3",
        media::tone(35.0, 440, 1, "mp3"),
        "{}",
    );
    let d = seconds(&bytes, "m4a");
    assert!((d - 30.0).abs() < 0.2, "duration {d}");
    // MP3 on request; a video's audio works too.
    let (body, bytes) = run(
        "ringtone-maker",
        "clip.mp4",
        fixtures::video_with_audio(2),
        r#"{"durationS":1,"format":"mp3"}"#,
    );
    assert_eq!(download_name(&body), "clip.mp3");
    let d = seconds(&bytes, "mp3");
    assert!((d - 1.0).abs() < 0.15, "duration {d}");
}

#[test]
fn ringtone_maker_rejects_bad_input() {
    assert_bad_input(
        "ringtone-maker",
        r#"{"durationS":1}"#,
        &[
            r#"{"durationS":31}"#,
            r#"{"durationS":0.5}"#,
            r#"{"startS":-1}"#,
            r#"{"startS":5}"#,
            r#"{"format":"wav"}"#,
        ],
    );
}

#[test]
fn waveform_image_draws_the_waveform_in_its_colour() {
    let (body, bytes) = run(
        "waveform-image",
        "mix.wav",
        tone_silence_tone("wav"),
        r##"{"width":640,"height":120,"color":"#ff0000"}"##,
    );
    assert_eq!(download_name(&body), "mix.png");
    assert_eq!(fixtures::format_of(&bytes), image::ImageFormat::Png);
    let img = fixtures::decode(&bytes).to_rgba8();
    assert_eq!(img.dimensions(), (640, 120));
    let red = img.pixels().filter(|p| p.0 == [255, 0, 0, 255]).count();
    let clear = img.pixels().filter(|p| p.0[3] == 0).count();
    assert!(red > 640 * 4, "waveform drawn in the colour: {red} pixels");
    assert!(clear > 640 * 60, "transparent background: {clear} pixels");
    // The silent middle third has no waveform beyond the centre line.
    let middle_red = (280..360)
        .flat_map(|x| (0..120).map(move |y| (x, y)))
        .filter(|&(x, y)| img.get_pixel(x, y).0[3] > 0)
        .count();
    assert!(
        middle_red <= 80 * 2,
        "silence draws (almost) nothing: {middle_red}"
    );
    // Seed 001's defaults: 1024 x 256 in #4f46e5.
    let (_, bytes) = run(
        "waveform-image",
        "tone.mp3",
        media::tone(1.0, 440, 2, "mp3"),
        "{}",
    );
    let img = fixtures::decode(&bytes).to_rgba8();
    assert_eq!(img.dimensions(), (1024, 256));
    assert!(img.pixels().any(|p| p.0 == [0x4f, 0x46, 0xe5, 255]));
}

#[test]
fn waveform_image_rejects_bad_input() {
    assert_bad_input(
        "waveform-image",
        r#"{"width":256,"height":64}"#,
        &[
            r#"{"width":100}"#,
            r#"{"width":4000}"#,
            r#"{"height":2000}"#,
            r#"{"color":"red"}"#,
            r##"{"color":"#12345"}"##,
        ],
    );
    assert_error(
        "waveform-image",
        "silent.mp4",
        silent_video(),
        "{}",
        400,
        "UNSUPPORTED_INPUT",
    );
}

/// An audio file with tags title, album and genre.
fn tagged(ext: &str) -> Vec<u8> {
    media::ffmpeg_make(
        &[
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440:sample_rate=44100:duration=1",
            "-metadata",
            "title=Old",
            "-metadata",
            "album=Old Album",
            "-metadata",
            "genre=Rock",
        ],
        ext,
    )
}

#[test]
fn audio_metadata_sets_and_strips_tags() {
    // Free text with characters that mean something to ffmpeg and to the host's argument
    // checks ('..', '://', '=', ';', '#').
    let title = "New... Title = x; #1 http://example.com/ünï";
    for ext in ["mp3", "m4a", "flac", "ogg"] {
        let source = tagged(ext);
        let before = media::probe(&source, ext);
        assert_eq!(
            tag(&before, "title").as_deref(),
            Some("Old"),
            "{ext}: {before}"
        );
        let settings = serde_json::json!({"title": title, "artist": "Ada"}).to_string();
        let (body, bytes) = run(
            "audio-metadata",
            &format!("song.{ext}"),
            source.clone(),
            &settings,
        );
        assert_eq!(download_name(&body), format!("song.{ext}"));
        let report = media::probe(&bytes, ext);
        assert_eq!(
            tag(&report, "title").as_deref(),
            Some(title),
            "{ext}: {report}"
        );
        assert_eq!(tag(&report, "artist").as_deref(), Some("Ada"), "{ext}");
        assert_eq!(
            tag(&report, "album").as_deref(),
            Some("Old Album"),
            "{ext}: kept"
        );
        assert_eq!(
            tag(&report, "genre").as_deref(),
            Some("Rock"),
            "{ext}: kept"
        );
        // The stream is copied, not re-encoded.
        assert_eq!(
            media::streams(&report, "audio")[0]["codec_name"],
            media::streams(&before, "audio")[0]["codec_name"]
        );
        let (_, bytes) = run(
            "audio-metadata",
            &format!("song.{ext}"),
            source,
            r#"{"strip":true}"#,
        );
        let report = media::probe(&bytes, ext);
        for key in ["title", "album", "genre", "artist"] {
            assert_eq!(tag(&report, key), None, "{ext}: {key} stripped: {report}");
        }
        let d = seconds(&bytes, ext);
        assert!((d - 1.0).abs() < 0.1, "{ext}: {d}");
    }
    // Strip and set together: only the new tag is left.
    let (_, bytes) = run(
        "audio-metadata",
        "song.mp3",
        tagged("mp3"),
        r#"{"strip":true,"album":"Fresh"}"#,
    );
    let report = media::probe(&bytes, "mp3");
    assert_eq!(tag(&report, "album").as_deref(), Some("Fresh"));
    assert_eq!(tag(&report, "title"), None);
}

#[test]
fn audio_metadata_rejects_bad_input() {
    let long = serde_json::json!({ "title": "x".repeat(501) }).to_string();
    assert_bad_input(
        "audio-metadata",
        r#"{"title":"ok"}"#,
        &[
            long.as_str(),
            r#"{"artist":"a\u0000b"}"#,
            r#"{"strip":"yes"}"#,
            r#"{"album":5}"#,
        ],
    );
    // Raw AAC has no tags to write: not an accepted type.
    assert_error(
        "audio-metadata",
        "tone.aac",
        media::tone(1.0, 440, 1, "aac"),
        "{}",
        400,
        "UNSUPPORTED_FILE_TYPE",
    );
}

/// Tools that take videos use their first audio track, and refuse a video without one.
#[test]
fn tools_read_a_videos_audio_track() {
    let video = fixtures::video_with_audio(2);
    for (tool, settings) in [
        ("volume-adjust", "{}"),
        ("fade-audio", "{}"),
        ("reverse-audio", "{}"),
        ("audio-speed", r#"{"factor":2}"#),
        ("pitch-shift", "{}"),
        ("silence-removal", "{}"),
        ("noise-reduction", "{}"),
        ("audio-channels", r#"{"mode":"mono-to-stereo"}"#),
    ] {
        let (body, bytes) = run(tool, "clip.mp4", video.clone(), settings);
        assert_eq!(download_name(&body), "clip.mp3", "{tool}");
        let report = media::probe(&bytes, "mp3");
        assert!(
            media::streams(&report, "video").is_empty(),
            "{tool}: {report}"
        );
        assert_eq!(media::streams(&report, "audio").len(), 1, "{tool}");
        assert_error(
            tool,
            "silent.mp4",
            silent_video(),
            settings,
            400,
            "UNSUPPORTED_INPUT",
        );
    }
}
