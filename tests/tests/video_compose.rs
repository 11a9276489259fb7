//! End-to-end tests of the video tools that compose or reshape a video (native worker,
//! ffmpeg): blur-pad, watermark-video, stabilize-video, gif-to-video, video-to-webp,
//! video-to-frames, merge-videos, replace-audio, burn-subtitles, embed-subtitles,
//! extract-subtitles, images-to-video and video-metadata. Every result is decoded again by
//! the test's own ffmpeg/ffprobe and measured (size, duration, frames, codecs, pixels,
//! audio frequency and level, tags).

use std::io::{Cursor, Read};

use lathe_tests::video::{
    assert_bad_input, assert_error, assert_invalid, changed_pixels, download_name, flat_video,
    frame_count, frequency, make_with, mean_brightness, rms_db, run, run_one, silent_video,
};
use lathe_tests::{assert_rejects_bad_input, fixtures, media, shared, Value};

/// The subtitle cue every subtitle test uses: "HELLO WORLD" from 1 s to 2 s.
const SRT: &str = "1\n00:00:01,000 --> 00:00:02,000\nHELLO WORLD\n";

/// The same cue as WebVTT.
const VTT: &str = "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nHELLO WORLD\n";

/// An MP4 holding only audio (no video stream), to be named `.mp4`.
fn audio_only_mp4() -> Vec<u8> {
    media::tone(1.0, 440, 1, "m4a")
}

/// The entries of a ZIP, in order.
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

/// A tag of the container, key compared without case.
fn format_tag<'a>(report: &'a Value, key: &str) -> Option<&'a Value> {
    report["format"]["tags"]
        .as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v)
}

/// The first subtitle track of a media file as SRT text, decoded by the test's ffmpeg.
fn subtitle_text(bytes: &[u8], ext: &str) -> String {
    let name = format!("in.{ext}");
    let srt = make_with(
        &[(&name, bytes)],
        &["-i", &name, "-map", "0:s:0", "-c:s", "srt"],
        "srt",
    );
    String::from_utf8(srt).unwrap()
}

#[test]
fn blur_pad_fills_the_new_ratio_with_a_blurred_copy() {
    let video = media::video(2.0, 160, 120, 10, true);
    let (body, bytes) = run_one(
        "blur-pad",
        "clip.mp4",
        video.clone(),
        r#"{"target":"9:16","blur":10}"#,
    );
    assert_eq!(download_name(&body), "clip.mp4");
    let report = media::probe(&bytes, "mp4");
    let (w, h) = media::video_size(&report);
    assert_eq!((w, h), (160, 286), "{report}");
    assert!((w as f64 / h as f64 - 9.0 / 16.0).abs() < 0.01);
    assert!((media::duration(&report) - 2.0).abs() < 0.3);
    assert_eq!(media::streams(&report, "audio").len(), 1, "audio kept");
    // The frame sits in the middle, unchanged; the bars above and below are a blurred
    // copy of the colourful picture, not black.
    let before = media::frame_at(&video, "mp4", 1.0);
    let after = media::frame_at(&bytes, "mp4", 1.0);
    let middle = image::imageops::crop_imm(&after, 0, 83, 160, 120).to_image();
    let diff = changed_pixels(&before, &middle, (0, 0), (160, 120));
    assert!(diff < 160 * 120 / 10, "middle changed in {diff} pixels");
    let top = mean_brightness(&after, (0, 0), (160, 70));
    let bottom = mean_brightness(&after, (0, 216), (160, 286));
    assert!(
        top > 30.0 && bottom > 30.0,
        "bars look black: {top} {bottom}"
    );
    // The default target is 16:9.
    let (_, bytes) = run_one("blur-pad", "clip.mp4", video.clone(), "{}");
    let (w, h) = media::video_size(&media::probe(&bytes, "mp4"));
    assert!((w as f64 / h as f64 - 16.0 / 9.0).abs() < 0.02, "{w}x{h}");
    assert_eq!(h, 120);

    assert_bad_input("blur-pad", "clip.mp4", video.clone());
    let parts = [("file", "clip.mp4", video)];
    assert_invalid(
        "blur-pad",
        &parts,
        &[r#"{"blur":1}"#, r#"{"blur":51}"#, r#"{"target":"2:1"}"#],
    );
    assert_error(
        "blur-pad",
        &[("file", "sound.mp4", audio_only_mp4())],
        "{}",
        400,
        "UNSUPPORTED_INPUT",
    );
}

#[test]
fn watermark_changes_only_the_chosen_corner() {
    let video = flat_video(2.0, 320, 240);
    let before = media::frame_at(&video, "mp4", 1.0);
    let top_left = ((0, 0), (160, 80));
    let bottom_right = ((160, 160), (320, 240));
    let (body, bytes) = run_one(
        "watermark-video",
        "clip.mp4",
        video.clone(),
        r##"{"text":"LATHE","position":"tl","fontSize":40,"opacity":1,"color":"#ffffff"}"##,
    );
    assert_eq!(download_name(&body), "clip.mp4");
    let report = media::probe(&bytes, "mp4");
    assert_eq!(media::video_size(&report), (320, 240));
    assert!((media::duration(&report) - 2.0).abs() < 0.3);
    let after = media::frame_at(&bytes, "mp4", 1.0);
    let tl = changed_pixels(&before, &after, top_left.0, top_left.1);
    let br = changed_pixels(&before, &after, bottom_right.0, bottom_right.1);
    assert!(tl > 200, "text not drawn top left: {tl}");
    assert!(br < 10, "bottom right changed: {br}");
    // The long position name, the defaults, and text with filter syntax in it (it reaches
    // ffmpeg as a file, never inside the filter).
    let (_, bytes) = run_one(
        "watermark-video",
        "clip.mp4",
        video.clone(),
        r#"{"text":"Hi: 50% {x}'s","position":"bottom-right"}"#,
    );
    let after = media::frame_at(&bytes, "mp4", 1.0);
    let tl = changed_pixels(&before, &after, top_left.0, top_left.1);
    let br = changed_pixels(&before, &after, bottom_right.0, bottom_right.1);
    assert!(br > 100, "text not drawn bottom right: {br}");
    assert!(tl < 10, "top left changed: {tl}");

    assert_bad_input("watermark-video", "clip.mp4", video.clone());
    let parts = [("file", "clip.mp4", video)];
    let long = format!(r#"{{"text":"{}"}}"#, "x".repeat(201));
    assert_invalid(
        "watermark-video",
        &parts,
        &[
            "{}",
            r#"{"text":""}"#,
            &long,
            r#"{"text":"a","fontSize":7}"#,
            r#"{"text":"a","fontSize":121}"#,
            r#"{"text":"a","opacity":0.01}"#,
            r#"{"text":"a","opacity":1.5}"#,
            r#"{"text":"a","color":"blue"}"#,
            r#"{"text":"a","position":"nowhere"}"#,
        ],
    );
}

#[test]
fn stabilize_keeps_every_frame() {
    // A shaky camera: a crop window wandering over the test pattern.
    let shaky = media::ffmpeg_make(
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=200x150:rate=10:duration=2,crop=160:120:20+15*sin(n*1.3):15+12*cos(n*0.9)",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
        ],
        "mp4",
    );
    let (body, bytes) = run_one(
        "stabilize-video",
        "shaky.mp4",
        shaky.clone(),
        r#"{"smoothing":10}"#,
    );
    assert_eq!(download_name(&body), "shaky.mp4");
    let report = media::probe(&bytes, "mp4");
    let input = media::probe(&shaky, "mp4");
    assert_eq!(media::video_size(&report), (160, 120));
    assert_eq!(media::streams(&report, "video")[0]["codec_name"], "h264");
    assert!((media::duration(&report) - media::duration(&input)).abs() < 0.15);
    assert_eq!(frame_count(&bytes, "mp4"), frame_count(&shaky, "mp4"));

    assert_bad_input("stabilize-video", "shaky.mp4", shaky.clone());
    let parts = [("file", "shaky.mp4", shaky)];
    assert_invalid(
        "stabilize-video",
        &parts,
        &[
            r#"{"smoothing":4}"#,
            r#"{"smoothing":61}"#,
            r#"{"smoothing":"x"}"#,
        ],
    );
    assert_error(
        "stabilize-video",
        &[("file", "sound.mp4", audio_only_mp4())],
        "{}",
        400,
        "UNSUPPORTED_INPUT",
    );
}

#[test]
fn gif_becomes_mp4_webm_or_mov() {
    let gif = media::ffmpeg_make(
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=161x121:rate=10:duration=2",
        ],
        "gif",
    );
    for (format, codec) in [("mp4", "h264"), ("webm", "vp9"), ("mov", "h264")] {
        let settings = format!(r#"{{"format":"{format}"}}"#);
        let (body, bytes) = run_one("gif-to-video", "anim.gif", gif.clone(), &settings);
        assert_eq!(download_name(&body), format!("anim.{format}"));
        let report = media::probe(&bytes, format);
        let video = media::streams(&report, "video");
        assert_eq!(video.len(), 1, "{report}");
        assert_eq!(video[0]["codec_name"], codec);
        assert_eq!(video[0]["pix_fmt"], "yuv420p");
        assert_eq!(media::video_size(&report), (160, 120), "even dimensions");
        assert!((media::duration(&report) - 2.0).abs() < 0.3, "{report}");
        if format == "mov" {
            assert!(report["format"]["format_name"]
                .as_str()
                .unwrap()
                .contains("mov"));
        }
    }

    assert_rejects_bad_input(
        shared(),
        "video",
        "gif-to-video",
        "anim.gif",
        gif.clone(),
        ("clip.mp4", media::video(1.0, 160, 120, 10, false)),
    );
    let parts = [("file", "anim.gif", gif)];
    assert_invalid(
        "gif-to-video",
        &parts,
        &[r#"{"format":"avi"}"#, r#"{"format":"gif"}"#],
    );
}

/// The chunks of a RIFF WebP file: (fourcc, payload).
fn webp_chunks(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    assert_eq!(&bytes[0..4], b"RIFF");
    assert_eq!(&bytes[8..12], b"WEBP");
    let mut chunks = Vec::new();
    let mut i = 12;
    while i + 8 <= bytes.len() {
        let fourcc = String::from_utf8_lossy(&bytes[i..i + 4]).to_string();
        let size = u32::from_le_bytes(bytes[i + 4..i + 8].try_into().unwrap()) as usize;
        let end = (i + 8 + size).min(bytes.len());
        chunks.push((fourcc, bytes[i + 8..end].to_vec()));
        i += 8 + size + (size & 1);
    }
    chunks
}

/// An animated WebP's canvas size, loop count and number of frames.
fn webp_animation(bytes: &[u8]) -> ((u32, u32), u16, usize) {
    let chunks = webp_chunks(bytes);
    let vp8x = &chunks
        .iter()
        .find(|(c, _)| c == "VP8X")
        .expect("VP8X chunk")
        .1;
    let le24 = |b: &[u8]| b[0] as u32 | (b[1] as u32) << 8 | (b[2] as u32) << 16;
    let size = (1 + le24(&vp8x[4..7]), 1 + le24(&vp8x[7..10]));
    let anim = &chunks
        .iter()
        .find(|(c, _)| c == "ANIM")
        .expect("ANIM chunk")
        .1;
    let loops = u16::from_le_bytes([anim[4], anim[5]]);
    let frames = chunks.iter().filter(|(c, _)| c == "ANMF").count();
    (size, loops, frames)
}

#[test]
fn video_becomes_an_animated_webp() {
    let video = media::video(2.0, 160, 120, 10, false);
    let (body, bytes) = run_one(
        "video-to-webp",
        "clip.mp4",
        video.clone(),
        r#"{"fps":5,"width":100,"quality":60,"loop":false}"#,
    );
    assert_eq!(download_name(&body), "clip.webp");
    let ((w, h), loops, frames) = webp_animation(&bytes);
    assert_eq!(w, 100);
    assert!((74..=76).contains(&h), "height {h}");
    assert_eq!(loops, 1, "played once");
    assert!(
        (8..=11).contains(&frames),
        "{frames} frames at 5 fps over 2 s"
    );
    assert_eq!(fixtures::decode(&bytes).width(), 100);
    // Defaults: 480 wide, looping forever.
    let (_, bytes) = run_one("video-to-webp", "clip.mp4", video.clone(), "{}");
    let ((w, _), loops, frames) = webp_animation(&bytes);
    assert_eq!((w, loops), (480, 0));
    assert!(frames > 5, "{frames} frames");

    assert_bad_input("video-to-webp", "clip.mp4", video.clone());
    let parts = [("file", "clip.mp4", video)];
    assert_invalid(
        "video-to-webp",
        &parts,
        &[
            r#"{"fps":0}"#,
            r#"{"fps":31}"#,
            r#"{"width":15}"#,
            r#"{"width":1921}"#,
            r#"{"quality":0}"#,
            r#"{"quality":101}"#,
            r#"{"loop":"yes"}"#,
        ],
    );
}

#[test]
fn frames_come_back_zipped_all_every_nth_or_at_times() {
    // 2 s at 10 fps: 20 frames.
    let video = media::video(2.0, 160, 120, 10, true);
    let (body, zip) = run_one(
        "video-to-frames",
        "clip.mp4",
        video.clone(),
        r#"{"mode":"nth","n":5,"format":"jpg"}"#,
    );
    assert_eq!(download_name(&body), "clip.zip");
    let files = unzip(&zip);
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "clip-frame-0001.jpg",
            "clip-frame-0002.jpg",
            "clip-frame-0003.jpg",
            "clip-frame-0004.jpg"
        ]
    );
    for (name, data) in &files {
        assert_eq!(
            fixtures::format_of(data),
            image::ImageFormat::Jpeg,
            "{name}"
        );
        let img = fixtures::decode(data);
        assert_eq!((img.width(), img.height()), (160, 120));
    }
    // Times, in any order, with spaces.
    let (_, zip) = run_one(
        "video-to-frames",
        "clip.mp4",
        video.clone(),
        r#"{"mode":"timestamps","timestamps":"1.25, 0.5,0"}"#,
    );
    let files = unzip(&zip);
    assert_eq!(files.len(), 3);
    for (name, data) in &files {
        assert!(name.ends_with(".png"), "{name}");
        assert_eq!(fixtures::format_of(data), image::ImageFormat::Png);
        assert_eq!(fixtures::decode(data).width(), 160);
    }
    // testsrc's picture moves: the three frames are different pictures.
    assert_ne!(files[0].1, files[1].1);
    assert_ne!(files[1].1, files[2].1);
    // Every frame by default.
    let (_, zip) = run_one("video-to-frames", "clip.mp4", video.clone(), "{}");
    assert_eq!(unzip(&zip).len(), 20);
    // Too many frames is refused before decoding.
    let long = media::video(6.0, 32, 32, 100, false);
    assert_error(
        "video-to-frames",
        &[("file", "long.mp4", long)],
        "{}",
        413,
        "TOO_LARGE",
    );

    assert_bad_input("video-to-frames", "clip.mp4", video.clone());
    let parts = [("file", "clip.mp4", video)];
    let too_long = format!(
        r#"{{"mode":"timestamps","timestamps":"{}"}}"#,
        "1,".repeat(251)
    );
    assert_invalid(
        "video-to-frames",
        &parts,
        &[
            r#"{"mode":"some"}"#,
            r#"{"mode":"nth","n":1}"#,
            r#"{"mode":"nth","n":1001}"#,
            r#"{"format":"gif"}"#,
            r#"{"mode":"timestamps","timestamps":""}"#,
            r#"{"mode":"timestamps","timestamps":"1,abc"}"#,
            r#"{"mode":"timestamps","timestamps":"5"}"#,
            &too_long,
        ],
    );
}

#[test]
fn merge_joins_clips_at_the_first_clips_size() {
    let a = media::video(2.0, 160, 120, 10, true);
    let b = silent_video(1.5, 320, 240, 15);
    let c = media::video(1.0, 200, 100, 25, true);
    let (body, bytes) = run(
        "merge-videos",
        &[
            ("files", "a.mp4", a.clone()),
            ("files", "b.mp4", b.clone()),
            ("files", "c.mp4", c),
        ],
        "{}",
    );
    assert_eq!(download_name(&body), "a.mp4");
    let report = media::probe(&bytes, "mp4");
    assert_eq!(media::video_size(&report), (160, 120), "{report}");
    assert!((media::video_fps(&report) - 10.0).abs() < 0.01);
    let duration = media::duration(&report);
    assert!((duration - 4.5).abs() < 0.3, "duration {duration}");
    assert_eq!(media::streams(&report, "audio").len(), 1);
    // The clip without audio is silent, the others keep their tone.
    let samples = media::samples(&bytes, "mp4");
    let (first, silent, last) = (
        rms_db(&samples, 0.3, 1.7),
        rms_db(&samples, 2.3, 3.2),
        rms_db(&samples, 3.7, 4.3),
    );
    assert!(first > -30.0 && last > -30.0, "{first} {last}");
    assert!(silent < -50.0, "silence {silent}");

    assert_bad_input("merge-videos", "a.mp4", a.clone());
    let garbage: Vec<u8> = (0..4096u32).map(|i| (i * 7919 % 251) as u8).collect();
    let r = shared().run_tool_files(
        "video",
        "merge-videos",
        &[("files", "a.mp4", a.clone()), ("files", "b.mp4", garbage)],
        "{}",
    );
    assert!((400..500).contains(&r.status), "garbage: {}", r.status);
    r.assert_client_error(r.status);
    assert_error(
        "merge-videos",
        &[
            ("files", "a.mp4", a.clone()),
            ("files", "b.mp4", audio_only_mp4()),
        ],
        "{}",
        400,
        "UNSUPPORTED_INPUT",
    );
    let r = shared().run_tool_files(
        "video",
        "merge-videos",
        &[
            ("files", "a.mp4", a),
            ("files", "b.wav", media::tone(1.0, 440, 1, "wav")),
        ],
        "{}",
    );
    r.assert_client_error(400);
    shared().assert_healthy();
}

#[test]
fn replace_audio_takes_the_new_sound_in_either_order() {
    let video = media::video(2.0, 160, 120, 10, true);
    let khz = media::tone(3.0, 1000, 1, "wav");
    for parts in [
        [
            ("files", "clip.mp4", video.clone()),
            ("files", "voice.wav", khz.clone()),
        ],
        [
            ("files", "voice.wav", khz.clone()),
            ("files", "clip.mp4", video.clone()),
        ],
    ] {
        let (body, bytes) = run("replace-audio", &parts, "{}");
        assert_eq!(download_name(&body), "clip.mp4");
        let report = media::probe(&bytes, "mp4");
        let v = media::streams(&report, "video");
        assert_eq!(v.len(), 1);
        assert_eq!(v[0]["codec_name"], "h264", "picture copied");
        assert_eq!(media::video_size(&report), (160, 120));
        assert_eq!(media::streams(&report, "audio").len(), 1);
        let duration = media::duration(&report);
        assert!(
            (duration - 2.0).abs() < 0.3,
            "ends with the video: {duration}"
        );
        let f = frequency(&media::samples(&bytes, "mp4"), 0.3, 1.7);
        assert!((f - 1000.0).abs() < 60.0, "new audio at {f} Hz, not 440 Hz");
    }
    // A shorter sound ends the result.
    let short = media::tone(1.0, 1000, 1, "wav");
    let (_, bytes) = run(
        "replace-audio",
        &[
            ("files", "clip.mp4", video.clone()),
            ("files", "voice.wav", short),
        ],
        "{}",
    );
    let duration = media::duration(&media::probe(&bytes, "mp4"));
    assert!(
        (duration - 1.0).abs() < 0.3,
        "ends with the audio: {duration}"
    );

    assert_bad_input("replace-audio", "clip.mp4", video.clone());
    assert_invalid(
        "replace-audio",
        &[
            ("files", "clip.mp4", video.clone()),
            ("files", "voice.wav", khz.clone()),
        ],
        &["[1,2]"],
    );
    // Two sounds, or a video and a silent video: no picture, or no new sound.
    assert_error(
        "replace-audio",
        &[("files", "a.wav", khz.clone()), ("files", "b.wav", khz)],
        "{}",
        400,
        "UNSUPPORTED_INPUT",
    );
    assert_error(
        "replace-audio",
        &[
            ("files", "clip.mp4", video),
            ("files", "silent.mp4", silent_video(1.0, 160, 120, 10)),
        ],
        "{}",
        400,
        "UNSUPPORTED_INPUT",
    );
}

#[test]
fn burned_subtitles_show_only_while_the_cue_lasts() {
    let video = flat_video(3.0, 320, 240);
    let bottom = ((0, 150), (320, 240));
    for parts in [
        [
            ("files", "clip.mp4", video.clone()),
            ("files", "subs.srt", SRT.as_bytes().to_vec()),
        ],
        [
            ("files", "subs.vtt", VTT.as_bytes().to_vec()),
            ("files", "clip.mp4", video.clone()),
        ],
    ] {
        let (body, bytes) = run("burn-subtitles", &parts, r#"{"fontSize":30}"#);
        assert_eq!(download_name(&body), "clip.mp4");
        let report = media::probe(&bytes, "mp4");
        assert_eq!(media::video_size(&report), (320, 240));
        assert!((media::duration(&report) - 3.0).abs() < 0.3);
        assert!(
            media::streams(&report, "subtitle").is_empty(),
            "burned, not a track"
        );
        let during = changed_pixels(
            &media::frame_at(&video, "mp4", 1.5),
            &media::frame_at(&bytes, "mp4", 1.5),
            bottom.0,
            bottom.1,
        );
        let before = changed_pixels(
            &media::frame_at(&video, "mp4", 0.5),
            &media::frame_at(&bytes, "mp4", 0.5),
            bottom.0,
            bottom.1,
        );
        let after = changed_pixels(
            &media::frame_at(&video, "mp4", 2.5),
            &media::frame_at(&bytes, "mp4", 2.5),
            bottom.0,
            bottom.1,
        );
        assert!(during > 150, "cue not drawn: {during}");
        assert!(
            before < 10 && after < 10,
            "drawn outside the cue: {before} {after}"
        );
    }

    let srt = || ("files", "subs.srt", SRT.as_bytes().to_vec());
    assert_bad_input("burn-subtitles", "clip.mp4", video.clone());
    assert_invalid(
        "burn-subtitles",
        &[("files", "clip.mp4", video.clone()), srt()],
        &[r#"{"fontSize":7}"#, r#"{"fontSize":73}"#],
    );
    assert_error(
        "burn-subtitles",
        &[
            ("files", "a.mp4", video.clone()),
            ("files", "b.mp4", video.clone()),
        ],
        "{}",
        400,
        "UNSUPPORTED_INPUT",
    );
    let garbage: Vec<u8> = (0..4096u32).map(|i| (i * 7919 % 251) as u8).collect();
    let r = shared().run_tool_files(
        "video",
        "burn-subtitles",
        &[("files", "clip.mp4", video), ("files", "subs.srt", garbage)],
        "{}",
    );
    assert!(
        (400..500).contains(&r.status),
        "garbage subtitles: {}",
        r.status
    );
    r.assert_client_error(r.status);
}

#[test]
fn embedded_subtitles_are_a_tagged_track() {
    let video = media::video(2.0, 160, 120, 10, true);
    let (body, bytes) = run(
        "embed-subtitles",
        &[
            ("files", "clip.mp4", video.clone()),
            ("files", "subs.srt", SRT.as_bytes().to_vec()),
        ],
        r#"{"language":"fra"}"#,
    );
    assert_eq!(download_name(&body), "clip.mp4");
    let report = media::probe(&bytes, "mp4");
    let subs = media::streams(&report, "subtitle");
    assert_eq!(subs.len(), 1, "{report}");
    assert_eq!(subs[0]["codec_name"], "mov_text");
    assert_eq!(subs[0]["tags"]["language"], "fra");
    assert_eq!(media::streams(&report, "video")[0]["codec_name"], "h264");
    assert_eq!(media::streams(&report, "audio").len(), 1);
    assert!((media::duration(&report) - 2.0).abs() < 0.3);
    assert!(subtitle_text(&bytes, "mp4").contains("HELLO WORLD"));
    // MKV keeps SRT; the default language is English.
    let mkv = make_with(&[("v.mp4", &video)], &["-i", "v.mp4", "-c", "copy"], "mkv");
    let (body, bytes) = run(
        "embed-subtitles",
        &[
            ("files", "subs.srt", SRT.as_bytes().to_vec()),
            ("files", "clip.mkv", mkv),
        ],
        "{}",
    );
    assert_eq!(download_name(&body), "clip.mkv");
    let report = media::probe(&bytes, "mkv");
    let subs = media::streams(&report, "subtitle");
    assert_eq!(subs.len(), 1);
    assert_eq!(subs[0]["codec_name"], "subrip");
    assert_eq!(subs[0]["tags"]["language"], "eng");
    let text = subtitle_text(&bytes, "mkv");
    assert!(text.contains("00:00:01,000 --> 00:00:02,000") && text.contains("HELLO WORLD"));

    let srt = || ("files", "subs.srt", SRT.as_bytes().to_vec());
    assert_bad_input("embed-subtitles", "clip.mp4", video.clone());
    assert_invalid(
        "embed-subtitles",
        &[("files", "clip.mp4", video.clone()), srt()],
        &[
            r#"{"language":"en"}"#,
            r#"{"language":"e1g"}"#,
            r#"{"language":5}"#,
        ],
    );
    assert_error(
        "embed-subtitles",
        &[srt(), ("files", "other.srt", SRT.as_bytes().to_vec())],
        "{}",
        400,
        "UNSUPPORTED_INPUT",
    );
    assert_error(
        "embed-subtitles",
        &[("files", "sound.mp4", audio_only_mp4()), srt()],
        "{}",
        400,
        "UNSUPPORTED_INPUT",
    );
}

#[test]
fn extracted_subtitles_are_srt() {
    let video = media::video(2.0, 160, 120, 10, true);
    let files: [(&str, &[u8]); 2] = [("v.mp4", &video), ("s.srt", SRT.as_bytes())];
    let base = [
        "-i", "v.mp4", "-i", "s.srt", "-map", "0", "-map", "1:0", "-c", "copy",
    ];
    for (ext, codec) in [("mkv", "srt"), ("mp4", "mov_text")] {
        let mut args = base.to_vec();
        args.extend(["-c:s", codec]);
        let with_subs = make_with(&files, &args, ext);
        let name = format!("clip.{ext}");
        let (body, bytes) = run_one("extract-subtitles", &name, with_subs, "{}");
        assert_eq!(download_name(&body), "clip.srt");
        let text = String::from_utf8(bytes).unwrap();
        // MP4 shifts every stream by the AAC encoder delay (1024 samples, ~23 ms).
        assert!(
            text.contains("00:00:01,000 --> 00:00:02,000")
                || text.contains("00:00:01,023 --> 00:00:02,023"),
            "{text}"
        );
        assert!(text.contains("HELLO WORLD"), "{text}");
    }

    let mkv = make_with(
        &files,
        &[
            "-i", "v.mp4", "-i", "s.srt", "-map", "0", "-map", "1:0", "-c", "copy",
        ],
        "mkv",
    );
    assert_bad_input("extract-subtitles", "clip.mkv", mkv.clone());
    assert_invalid("extract-subtitles", &[("file", "clip.mkv", mkv)], &["[]"]);
    assert_error(
        "extract-subtitles",
        &[("file", "clip.mp4", video)],
        "{}",
        400,
        "UNSUPPORTED_INPUT",
    );
}

/// One still image of a flat colour, as `ext`.
fn still(color: &str, w: u32, h: u32, ext: &str) -> Vec<u8> {
    let src = format!("color=c={color}:s={w}x{h}");
    media::ffmpeg_make(&["-f", "lavfi", "-i", &src, "-frames:v", "1"], ext)
}

#[test]
fn images_become_a_slideshow() {
    let red = still("red", 200, 100, "png");
    let (body, bytes) = run(
        "images-to-video",
        &[
            ("files", "red.png", red.clone()),
            ("files", "green.jpg", still("green", 90, 160, "jpg")),
            ("files", "blue.bmp", still("blue", 33, 33, "bmp")),
        ],
        r#"{"secondsPerImage":1,"resolution":"720p","fps":10}"#,
    );
    assert_eq!(download_name(&body), "red.mp4");
    let report = media::probe(&bytes, "mp4");
    assert_eq!(media::video_size(&report), (1280, 720));
    assert!((media::video_fps(&report) - 10.0).abs() < 0.01);
    assert_eq!(media::streams(&report, "video")[0]["codec_name"], "h264");
    assert!(media::streams(&report, "audio").is_empty());
    let duration = media::duration(&report);
    assert!((duration - 3.0).abs() < 0.2, "duration {duration}");
    // Each image in turn, fitted on black bars.
    let first = media::frame_at(&bytes, "mp4", 0.5);
    let p = first.get_pixel(640, 360);
    assert!(p[0] > 180 && p[1] < 80 && p[2] < 80, "red: {p:?}");
    let bar = first.get_pixel(640, 10);
    assert!(bar.0.iter().all(|&c| c < 30), "bar: {bar:?}");
    let p = *media::frame_at(&bytes, "mp4", 1.5).get_pixel(640, 360);
    assert!(p[1] > 90 && p[0] < 60 && p[2] < 60, "green: {p:?}");
    let p = *media::frame_at(&bytes, "mp4", 2.5).get_pixel(640, 360);
    assert!(p[2] > 180 && p[0] < 60 && p[1] < 60, "blue: {p:?}");
    // One image, square, the default 30 fps.
    let (_, bytes) = run_one(
        "images-to-video",
        "red.png",
        red.clone(),
        r#"{"resolution":"square","secondsPerImage":0.5}"#,
    );
    let report = media::probe(&bytes, "mp4");
    assert_eq!(media::video_size(&report), (1080, 1080));
    assert!((media::video_fps(&report) - 30.0).abs() < 0.01);
    assert!((media::duration(&report) - 0.5).abs() < 0.15);

    assert_bad_input("images-to-video", "red.png", red.clone());
    let parts = [("file", "red.png", red)];
    assert_invalid(
        "images-to-video",
        &parts,
        &[
            r#"{"secondsPerImage":0.4}"#,
            r#"{"secondsPerImage":11}"#,
            r#"{"fps":9}"#,
            r#"{"fps":61}"#,
            r#"{"resolution":"4k"}"#,
        ],
    );
    let r = shared().run_tool(
        "video",
        "images-to-video",
        "clip.mp4",
        media::video(1.0, 160, 120, 10, false),
        "{}",
    );
    r.assert_client_error(400);
}

#[test]
fn metadata_is_stripped_and_reported() {
    let video = media::video(2.0, 160, 120, 10, true);
    let tag = [
        "-i",
        "v.mp4",
        "-map",
        "0",
        "-c",
        "copy",
        "-metadata",
        "title=Secret Title",
        "-metadata",
        "artist=Someone",
    ];
    for ext in ["mp4", "mkv"] {
        let tagged = make_with(&[("v.mp4", &video)], &tag, ext);
        let input = media::probe(&tagged, ext);
        assert!(format_tag(&input, "title").is_some(), "fixture has a title");
        let name = format!("clip.{ext}");
        let (body, bytes) = run_one("video-metadata", &name, tagged, "{}");
        assert_eq!(download_name(&body), name);
        let report = media::probe(&bytes, ext);
        assert!(format_tag(&report, "title").is_none(), "{report}");
        assert!(format_tag(&report, "artist").is_none(), "{report}");
        assert_eq!(media::streams(&report, "video")[0]["codec_name"], "h264");
        assert_eq!(media::streams(&report, "audio").len(), 1);
        assert!((media::duration(&report) - media::duration(&input)).abs() < 0.1);
        let removed = body["removedTags"].as_object().expect("removedTags listed");
        let found = |key: &str| {
            removed
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
                .map(|(_, v)| v.clone())
        };
        assert_eq!(found("title"), Some(Value::from("Secret Title")), "{body}");
        assert_eq!(found("artist"), Some(Value::from("Someone")), "{body}");
    }

    assert_bad_input("video-metadata", "clip.mp4", video);
    assert_error(
        "video-metadata",
        &[("file", "sound.mp4", audio_only_mp4())],
        "{}",
        400,
        "UNSUPPORTED_INPUT",
    );
}
