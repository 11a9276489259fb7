//! The native path end to end: `video/extract-audio` runs in the native worker (ffmpeg).

use lathe_tests::{assert_rejects_bad_input, fixtures, shared};

fn probe(bytes: &[u8], ext: &str) -> serde_json::Value {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(format!("out.{ext}"));
    std::fs::write(&path, bytes).unwrap();
    let out = std::process::Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-print_format",
            "json",
            "-show_format",
            "-show_streams",
        ])
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success(), "ffprobe could not read the result");
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn extracts_audio_as_mp3_wav_and_m4a() {
    let video = fixtures::video_with_audio(2);
    for (format, codec) in [("mp3", "mp3"), ("wav", "pcm_s16le"), ("m4a", "aac")] {
        let (body, bytes) = shared().run_and_download(
            "video",
            "extract-audio",
            &[("file", "clip.mp4", video.clone())],
            &format!(r#"{{"format":"{format}"}}"#),
        );
        assert!(
            body["downloadUrl"]
                .as_str()
                .unwrap()
                .ends_with(&format!("clip.{format}")),
            "{body}"
        );
        let report = probe(&bytes, format);
        let streams = report["streams"].as_array().unwrap();
        assert_eq!(streams.len(), 1, "audio only: {report}");
        assert_eq!(streams[0]["codec_type"], "audio");
        assert_eq!(streams[0]["codec_name"], codec);
        let duration: f64 = report["format"]["duration"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1.5..2.6).contains(&duration), "duration {duration}");
    }
}

#[test]
fn bad_input_is_rejected() {
    let lathe = shared();
    let video = fixtures::video_with_audio(1);
    assert_rejects_bad_input(
        lathe,
        "video",
        "extract-audio",
        "clip.mp4",
        video.clone(),
        ("notes.txt", b"hello".to_vec()),
    );
    let r = lathe.run_tool(
        "video",
        "extract-audio",
        "clip.mp4",
        video,
        r#"{"format":"flac9"}"#,
    );
    assert_eq!(r.assert_client_error(400), "INVALID_SETTINGS");
    // A video without an audio track.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("silent.mp4");
    let ok = std::process::Command::new("ffmpeg")
        .args([
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=64x48:rate=5:duration=1",
            "-c:v",
            "mpeg4",
        ])
        .arg(&path)
        .status()
        .unwrap();
    assert!(ok.success());
    let r = lathe.run_tool(
        "video",
        "extract-audio",
        "silent.mp4",
        std::fs::read(&path).unwrap(),
        "{}",
    );
    assert_eq!(r.assert_client_error(400), "UNSUPPORTED_INPUT");
    lathe.assert_healthy();
}
