//! The native path end to end: `video/extract-audio` runs in the native worker (ffmpeg).

use lathe_tests::{assert_rejects_bad_input, fixtures, media, shared, Lathe};

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
        let report = media::probe(&bytes, format);
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

/// Media over the server's limits is refused (400) before any encoding, and the limits are
/// the app variables `max_media_seconds` and `max_video_pixels`.
#[test]
fn media_over_the_limits_is_refused_before_encoding() {
    let video = fixtures::video_with_audio(2);
    let lathe = Lathe::start_with_env(
        &[],
        &[
            ("SPIN_VARIABLE_MAX_MEDIA_SECONDS", "1"),
            ("SPIN_VARIABLE_MAX_VIDEO_PIXELS", "1000000"),
        ],
    );
    let r = lathe.run_tool("video", "extract-audio", "clip.mp4", video.clone(), "{}");
    assert_eq!(r.assert_client_error(400), "UNSUPPORTED_INPUT");
    assert!(r.json()["error"]
        .as_str()
        .unwrap()
        .contains("max_media_seconds"));
    let small = Lathe::start_with_env(&[], &[("SPIN_VARIABLE_MAX_VIDEO_PIXELS", "1000")]);
    let r = small.run_tool("video", "extract-audio", "clip.mp4", video, "{}");
    assert_eq!(r.assert_client_error(400), "UNSUPPORTED_INPUT");
    assert!(r.json()["error"]
        .as_str()
        .unwrap()
        .contains("max_video_pixels"));
}

/// A file whose content is not what its name says, and a playlist that would make ffmpeg
/// read other files, are refused; the scratch directories are gone after every call.
#[test]
fn lying_files_and_playlists_are_refused_and_scratch_is_removed() {
    let scratch = tempfile::tempdir().unwrap();
    let tmp = scratch.path().to_str().unwrap();
    let lathe = Lathe::start_with_env(&[], &[("TMPDIR", tmp)]);
    let wav = media::tone(1.0, 440, 1, "wav");
    let r = lathe.run_tool("video", "extract-audio", "clip.mp4", wav, "{}");
    assert_eq!(r.assert_client_error(400), "UNSUPPORTED_INPUT");
    assert!(
        r.json()["error"].as_str().unwrap().contains("wav"),
        "{}",
        r.json()
    );
    let playlist =
        b"#EXTM3U\n#EXTINF:1,\nfile:///etc/passwd\n#EXTINF:1,\nhttp://127.0.0.1:9/a.ts\n";
    let r = lathe.run_tool(
        "video",
        "extract-audio",
        "clip.mp4",
        playlist.to_vec(),
        "{}",
    );
    assert_eq!(r.assert_client_error(400), "UNSUPPORTED_INPUT");
    let concat = b"ffconcat version 1.0\nfile '/etc/passwd'\n";
    let r = lathe.run_tool("video", "extract-audio", "clip.mp4", concat.to_vec(), "{}");
    assert_eq!(r.assert_client_error(400), "UNSUPPORTED_INPUT");
    // A successful call too: then nothing the calls made may be left in the temp folder.
    let (_, bytes) = lathe.run_and_download(
        "video",
        "extract-audio",
        &[("file", "clip.mp4", fixtures::video_with_audio(1))],
        "{}",
    );
    assert_eq!(
        media::streams(&media::probe(&bytes, "mp3"), "audio").len(),
        1
    );
    let left: Vec<_> = std::fs::read_dir(scratch.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .filter(|n| n.to_string_lossy().starts_with(".tmp"))
        .collect();
    assert!(left.is_empty(), "scratch left behind: {left:?}");
    lathe.assert_healthy();
}
