//! End-to-end tests of the video tools that edit one video (native worker, ffmpeg):
//! convert-video, compress-video, trim-video, mute-video, video-to-gif, resize-video,
//! crop-video, rotate-video, change-fps, video-color, video-speed, reverse-video,
//! video-loudnorm and aspect-pad. Each is called with seed 001's settings and its result
//! decoded again by the test's own ffprobe/ffmpeg and measured (codecs, size, duration,
//! frame rate, frame count, pixels, audio frequency and loudness).

use lathe_tests::video::{
    assert_bad_input, assert_error, assert_invalid, changed_pixels, download_name, frame_count,
    frequency, mean_brightness, run_one, silent_video,
};
use lathe_tests::{media, Value};

/// A video of flat colour segments (`colors`, `seconds_each`) at `w`×`h` and 10 fps, a
/// keyframe every 10 frames, with an optional tone.
fn color_video(colors: &[&str], seconds_each: f64, w: u32, h: u32, tone: bool) -> Vec<u8> {
    let sources: Vec<String> = colors
        .iter()
        .map(|c| format!("color=c={c}:s={w}x{h}:r=10:d={seconds_each}"))
        .collect();
    let mut args: Vec<String> = Vec::new();
    for s in &sources {
        args.extend(["-f".into(), "lavfi".into(), "-i".into(), s.clone()]);
    }
    if tone {
        let total = seconds_each * colors.len() as f64;
        args.extend([
            "-f".into(),
            "lavfi".into(),
            "-i".into(),
            format!("sine=frequency=440:sample_rate=44100:duration={total}"),
        ]);
    }
    let labels: String = (0..colors.len()).map(|i| format!("[{i}:v]")).collect();
    args.extend([
        "-filter_complex".into(),
        format!("{labels}concat=n={}:v=1:a=0[v]", colors.len()),
        "-map".into(),
        "[v]".into(),
    ]);
    if tone {
        args.extend([
            "-map".into(),
            format!("{}:a", colors.len()),
            "-c:a".into(),
            "aac".into(),
        ]);
    }
    args.extend(
        [
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-g",
            "10",
            "-pix_fmt",
            "yuv420p",
        ]
        .map(String::from),
    );
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    media::ffmpeg_make(&refs, "mp4")
}

/// The codec of the first stream of `kind`.
fn codec(report: &Value, kind: &str) -> String {
    media::streams(report, kind)
        .first()
        .map(|s| s["codec_name"].as_str().unwrap().to_string())
        .unwrap_or_default()
}

/// The mean colour (r, g, b) of a whole frame.
fn mean_rgb(img: &image::RgbImage) -> (f64, f64, f64) {
    let n = (img.width() * img.height()) as f64;
    let mut sum = (0.0, 0.0, 0.0);
    for p in img.pixels() {
        sum.0 += p[0] as f64;
        sum.1 += p[1] as f64;
        sum.2 += p[2] as f64;
    }
    (sum.0 / n, sum.1 / n, sum.2 / n)
}

/// Whether a frame is mostly `red` or mostly `blue`.
fn dominant(img: &image::RgbImage) -> &'static str {
    let (r, g, b) = mean_rgb(img);
    if r > 150.0 && b < 80.0 && g < 80.0 {
        "red"
    } else if b > 150.0 && r < 80.0 && g < 80.0 {
        "blue"
    } else if g > 100.0 && r < 80.0 && b < 80.0 {
        "green"
    } else {
        "other"
    }
}

#[test]
fn convert_writes_each_container_with_its_codecs() {
    let video = media::video(2.0, 160, 120, 10, true);
    for (format, vcodec, acodec) in [
        ("webm", "vp9", "opus"),
        ("mov", "h264", "aac"),
        ("mkv", "h264", "aac"),
        ("avi", "mpeg4", "mp3"),
    ] {
        let (body, bytes) = run_one(
            "convert-video",
            "clip.mp4",
            video.clone(),
            &format!(r#"{{"format":"{format}","quality":"balanced"}}"#),
        );
        assert_eq!(download_name(&body), format!("clip.{format}"));
        let report = media::probe(&bytes, format);
        assert_eq!(codec(&report, "video"), vcodec, "{format}: {report}");
        assert_eq!(codec(&report, "audio"), acodec, "{format}");
        assert_eq!(media::video_size(&report), (160, 120));
        assert!((media::duration(&report) - 2.0).abs() < 0.3, "{format}");
    }
    // The default is MP4; `small` is smaller than `high`.
    let noisy = media::ffmpeg_make(
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=320x240:rate=10:duration=2",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
        ],
        "mkv",
    );
    let (body, high) = run_one(
        "convert-video",
        "clip.mkv",
        noisy.clone(),
        r#"{"quality":"high"}"#,
    );
    assert_eq!(download_name(&body), "clip.mp4");
    assert_eq!(codec(&media::probe(&high, "mp4"), "video"), "h264");
    let (_, small) = run_one("convert-video", "clip.mkv", noisy, r#"{"quality":"small"}"#);
    assert!(
        small.len() < high.len(),
        "small {} >= high {}",
        small.len(),
        high.len()
    );

    assert_bad_input("convert-video", "clip.mp4", video.clone());
    let parts = [("file", "clip.mp4", video)];
    assert_invalid(
        "convert-video",
        &parts,
        &[r#"{"format":"flv"}"#, r#"{"quality":"best"}"#],
    );
}

#[test]
fn compress_shrinks_the_file_and_the_resolution() {
    // A detailed picture at a very high quality: room to compress.
    let src = "testsrc2=size=1280x720:rate=10:duration=2";
    let video = media::ffmpeg_make(
        &[
            "-f",
            "lavfi",
            "-i",
            src,
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-crf",
            "8",
            "-pix_fmt",
            "yuv420p",
        ],
        "mp4",
    );
    let (body, bytes) = run_one(
        "compress-video",
        "clip.mp4",
        video.clone(),
        r#"{"quality":"strong","resolution":"480p"}"#,
    );
    assert_eq!(download_name(&body), "clip.mp4");
    let report = media::probe(&bytes, "mp4");
    assert_eq!(media::video_size(&report), (854, 480));
    assert_eq!(codec(&report, "video"), "h264");
    assert!(
        bytes.len() * 4 < video.len(),
        "{} vs {}",
        bytes.len(),
        video.len()
    );
    assert_eq!(body["originalSize"].as_u64(), Some(video.len() as u64));
    // The defaults keep the size; a smaller video is never enlarged.
    let (_, kept) = run_one("compress-video", "clip.mp4", video.clone(), "{}");
    assert_eq!(media::video_size(&media::probe(&kept, "mp4")), (1280, 720));
    assert!(kept.len() < video.len());
    let (_, light) = run_one(
        "compress-video",
        "clip.mp4",
        video.clone(),
        r#"{"quality":"light","resolution":"1080p"}"#,
    );
    assert_eq!(media::video_size(&media::probe(&light, "mp4")), (1280, 720));
    assert!(
        light.len() > kept.len(),
        "light compresses less than balanced"
    );

    let small = media::video(1.0, 160, 120, 10, true);
    assert_bad_input("compress-video", "clip.mp4", small.clone());
    let parts = [("file", "clip.mp4", small)];
    assert_invalid(
        "compress-video",
        &parts,
        &[r#"{"quality":"high"}"#, r#"{"resolution":"4k"}"#],
    );
}

#[test]
fn trim_cuts_by_copy_or_to_the_frame() {
    let video = color_video(&["red", "green", "blue"], 2.0, 160, 120, true);
    // Stream copy: keyframes every second, so the cut lands on the start.
    let (body, bytes) = run_one(
        "trim-video",
        "clip.mp4",
        video.clone(),
        r#"{"startS":2,"endS":4}"#,
    );
    assert_eq!(download_name(&body), "clip.mp4");
    let report = media::probe(&bytes, "mp4");
    assert!((media::duration(&report) - 2.0).abs() < 0.25, "{report}");
    assert_eq!(media::streams(&report, "audio").len(), 1);
    assert_eq!(dominant(&media::frame_at(&bytes, "mp4", 0.5)), "green");
    assert_eq!(dominant(&media::frame_at(&bytes, "mp4", 1.5)), "green");
    // Precise: re-encoded from the exact frame, between keyframes.
    let (_, bytes) = run_one(
        "trim-video",
        "clip.mp4",
        video.clone(),
        r#"{"startS":1.5,"endS":2.5,"precise":true}"#,
    );
    let report = media::probe(&bytes, "mp4");
    assert!((media::duration(&report) - 1.0).abs() < 0.15, "{report}");
    assert_eq!(frame_count(&bytes, "mp4"), 10);
    assert_eq!(dominant(&media::frame_at(&bytes, "mp4", 0.2)), "red");
    assert_eq!(dominant(&media::frame_at(&bytes, "mp4", 0.8)), "green");
    // An end past the file means to the end.
    let (_, bytes) = run_one(
        "trim-video",
        "clip.mp4",
        video.clone(),
        r#"{"startS":5,"endS":60,"precise":true}"#,
    );
    assert!((media::duration(&media::probe(&bytes, "mp4")) - 1.0).abs() < 0.15);

    assert_bad_input("trim-video", "clip.mp4", video.clone());
    let parts = [("file", "clip.mp4", video)];
    assert_invalid(
        "trim-video",
        &parts,
        &[
            r#"{"startS":1}"#,
            r#"{"startS":3,"endS":2}"#,
            r#"{"startS":-1,"endS":2}"#,
            r#"{"startS":7,"endS":9}"#,
        ],
    );
}

#[test]
fn mute_removes_the_audio_and_copies_the_picture() {
    let video = media::video(2.0, 160, 120, 10, true);
    let (body, bytes) = run_one("mute-video", "clip.mp4", video.clone(), "{}");
    assert_eq!(download_name(&body), "clip.mp4");
    let report = media::probe(&bytes, "mp4");
    assert!(media::streams(&report, "audio").is_empty(), "{report}");
    assert_eq!(codec(&report, "video"), "h264");
    assert_eq!(frame_count(&bytes, "mp4"), frame_count(&video, "mp4"));
    // The picture is copied: the same frames, bit for bit in the stream.
    let before = media::frame_at(&video, "mp4", 1.0);
    let after = media::frame_at(&bytes, "mp4", 1.0);
    assert_eq!(changed_pixels(&before, &after, (0, 0), (160, 120)), 0);
    assert_bad_input("mute-video", "clip.mp4", video);
}

#[test]
fn gif_takes_the_chosen_stretch_at_the_chosen_size() {
    let video = color_video(&["red", "blue"], 2.0, 320, 240, false);
    let (body, bytes) = run_one(
        "video-to-gif",
        "clip.mp4",
        video.clone(),
        r#"{"fps":5,"width":100,"startS":1,"durationS":2}"#,
    );
    assert_eq!(download_name(&body), "clip.gif");
    assert_eq!(&bytes[..6], b"GIF89a");
    let report = media::probe(&bytes, "gif");
    assert_eq!(media::video_size(&report), (100, 75));
    let frames = frame_count(&bytes, "gif");
    assert!((9..=11).contains(&frames), "{frames} frames");
    // Seconds 1 to 3: red first, blue last; decoded by the image crate too.
    let decoder = image::codecs::gif::GifDecoder::new(std::io::Cursor::new(&bytes)).unwrap();
    use image::AnimationDecoder;
    let decoded: Vec<_> = decoder.into_frames().collect::<Result<_, _>>().unwrap();
    assert_eq!(decoded.len() as u64, frames);
    let first = image::DynamicImage::ImageRgba8(decoded[0].buffer().clone()).to_rgb8();
    let last = image::DynamicImage::ImageRgba8(decoded.last().unwrap().buffer().clone()).to_rgb8();
    assert_eq!(dominant(&first), "red");
    assert_eq!(dominant(&last), "blue");
    // Defaults: 480 wide, 12 fps, 5 s or less.
    let (_, bytes) = run_one("video-to-gif", "clip.mp4", video.clone(), "{}");
    let report = media::probe(&bytes, "gif");
    assert_eq!(media::video_size(&report).0, 480);
    let frames = frame_count(&bytes, "gif");
    assert!(
        (46..=50).contains(&frames),
        "{frames} frames at 12 fps over 4 s"
    );

    assert_bad_input("video-to-gif", "clip.mp4", video.clone());
    let parts = [("file", "clip.mp4", video)];
    assert_invalid(
        "video-to-gif",
        &parts,
        &[
            r#"{"fps":31}"#,
            r#"{"width":63}"#,
            r#"{"durationS":61}"#,
            r#"{"durationS":0}"#,
            r#"{"startS":9}"#,
        ],
    );
}

#[test]
fn resize_follows_the_preset_or_the_given_side() {
    let video = media::video(1.0, 320, 240, 10, true);
    for (settings, size) in [
        (r#"{"preset":"custom","width":160}"#, (160, 120)),
        (r#"{"height":60}"#, (80, 60)),
        (r#"{"width":100,"height":50}"#, (100, 50)),
        (r#"{"preset":"360p"}"#, (480, 360)),
    ] {
        let (body, bytes) = run_one("resize-video", "clip.mp4", video.clone(), settings);
        assert_eq!(download_name(&body), "clip.mp4");
        let report = media::probe(&bytes, "mp4");
        assert_eq!(media::video_size(&report), size, "{settings}");
        assert_eq!(media::streams(&report, "audio").len(), 1, "audio kept");
    }
    // A WebM stays WebM.
    let webm = media::ffmpeg_make(
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=320x240:rate=10:duration=1",
            "-c:v",
            "libvpx-vp9",
            "-deadline",
            "realtime",
        ],
        "webm",
    );
    let (body, bytes) = run_one("resize-video", "clip.webm", webm, r#"{"preset":"480p"}"#);
    assert_eq!(download_name(&body), "clip.webm");
    let report = media::probe(&bytes, "webm");
    assert_eq!(codec(&report, "video"), "vp9");
    assert_eq!(media::video_size(&report), (640, 480));

    assert_bad_input("resize-video", "clip.mp4", video.clone());
    let parts = [("file", "clip.mp4", video)];
    assert_invalid(
        "resize-video",
        &parts,
        &[
            "{}",
            r#"{"width":8}"#,
            r#"{"height":5000}"#,
            r#"{"preset":"4k"}"#,
        ],
    );
}

#[test]
fn crop_keeps_the_chosen_rectangle() {
    let video = media::video(1.0, 160, 120, 10, true);
    let (body, bytes) = run_one(
        "crop-video",
        "clip.mp4",
        video.clone(),
        r#"{"width":80,"height":60,"x":70,"y":50}"#,
    );
    assert_eq!(download_name(&body), "clip.mp4");
    let report = media::probe(&bytes, "mp4");
    assert_eq!(media::video_size(&report), (80, 60));
    let before = media::frame_at(&video, "mp4", 0.5);
    let after = media::frame_at(&bytes, "mp4", 0.5);
    let region = image::imageops::crop_imm(&before, 70, 50, 80, 60).to_image();
    let diff = changed_pixels(&region, &after, (0, 0), (80, 60));
    assert!(diff < 80 * 60 / 20, "{diff} pixels differ from the region");

    assert_bad_input("crop-video", "clip.mp4", video.clone());
    let parts = [("file", "clip.mp4", video)];
    assert_invalid(
        "crop-video",
        &parts,
        &[
            r#"{"height":60}"#,
            r#"{"width":80,"height":60,"x":100}"#,
            r#"{"width":8,"height":60}"#,
            r#"{"width":80,"height":60,"y":-4}"#,
        ],
    );
}

#[test]
fn rotate_turns_and_mirrors_the_frame() {
    let video = media::video(1.0, 160, 120, 10, false);
    let before = media::frame_at(&video, "mp4", 0.5);
    let expected = [
        ("cw90", image::imageops::rotate90(&before)),
        ("ccw90", image::imageops::rotate270(&before)),
        ("180", image::imageops::rotate180(&before)),
        ("hflip", image::imageops::flip_horizontal(&before)),
        ("vflip", image::imageops::flip_vertical(&before)),
    ];
    for (transform, want) in expected {
        let (_, bytes) = run_one(
            "rotate-video",
            "clip.mp4",
            video.clone(),
            &format!(r#"{{"transform":"{transform}"}}"#),
        );
        let report = media::probe(&bytes, "mp4");
        let size = media::video_size(&report);
        assert_eq!(
            size,
            (want.width() as u64, want.height() as u64),
            "{transform}"
        );
        let got = media::frame_at(&bytes, "mp4", 0.5);
        let diff = changed_pixels(&want, &got, (0, 0), (want.width(), want.height()));
        assert!(diff < 160 * 120 / 20, "{transform}: {diff} pixels differ");
    }
    assert_bad_input("rotate-video", "clip.mp4", video.clone());
    let parts = [("file", "clip.mp4", video)];
    assert_invalid("rotate-video", &parts, &["{}", r#"{"transform":"cw45"}"#]);
}

#[test]
fn change_fps_keeps_the_duration() {
    let video = media::video(2.0, 160, 120, 10, true);
    let (body, bytes) = run_one("change-fps", "clip.mp4", video.clone(), r#"{"fps":24}"#);
    assert_eq!(download_name(&body), "clip.mp4");
    let report = media::probe(&bytes, "mp4");
    assert!((media::video_fps(&report) - 24.0).abs() < 0.1, "{report}");
    assert!((media::duration(&report) - 2.0).abs() < 0.2);
    let frames = frame_count(&bytes, "mp4");
    assert!((47..=49).contains(&frames), "{frames} frames");
    // Default 30 fps.
    let (_, bytes) = run_one("change-fps", "clip.mp4", video.clone(), "{}");
    assert!((media::video_fps(&media::probe(&bytes, "mp4")) - 30.0).abs() < 0.1);

    assert_bad_input("change-fps", "clip.mp4", video.clone());
    let parts = [("file", "clip.mp4", video)];
    assert_invalid("change-fps", &parts, &[r#"{"fps":0}"#, r#"{"fps":121}"#]);
}

#[test]
fn color_changes_brightness_and_saturation() {
    let video = color_video(&["0x3050a0"], 1.0, 160, 120, false);
    let before = media::frame_at(&video, "mp4", 0.5);
    let (body, bytes) = run_one(
        "video-color",
        "clip.mp4",
        video.clone(),
        r#"{"brightness":0.3,"contrast":1,"saturation":1,"gamma":1}"#,
    );
    assert_eq!(download_name(&body), "clip.mp4");
    let after = media::frame_at(&bytes, "mp4", 0.5);
    let (b0, b1) = (
        mean_brightness(&before, (0, 0), (160, 120)),
        mean_brightness(&after, (0, 0), (160, 120)),
    );
    assert!(b1 > b0 + 40.0, "brightness {b0} -> {b1}");
    // No saturation: every pixel grey.
    let (_, bytes) = run_one(
        "video-color",
        "clip.mp4",
        video.clone(),
        r#"{"saturation":0}"#,
    );
    let (r, g, b) = mean_rgb(&media::frame_at(&bytes, "mp4", 0.5));
    assert!((r - g).abs() < 4.0 && (g - b).abs() < 4.0, "{r} {g} {b}");

    assert_bad_input("video-color", "clip.mp4", video.clone());
    let parts = [("file", "clip.mp4", video)];
    assert_invalid(
        "video-color",
        &parts,
        &[
            r#"{"brightness":1.5}"#,
            r#"{"contrast":5}"#,
            r#"{"saturation":-1}"#,
            r#"{"gamma":0}"#,
        ],
    );
}

#[test]
fn speed_changes_the_duration_with_or_without_the_pitch() {
    let video = media::video(4.0, 160, 120, 10, true);
    let (body, bytes) = run_one(
        "video-speed",
        "clip.mp4",
        video.clone(),
        r#"{"factor":2,"keepPitch":true}"#,
    );
    assert_eq!(download_name(&body), "clip.mp4");
    let report = media::probe(&bytes, "mp4");
    assert!((media::duration(&report) - 2.0).abs() < 0.25, "{report}");
    let hz = frequency(&media::samples(&bytes, "mp4"), 0.3, 1.7);
    assert!((hz - 440.0).abs() < 15.0, "pitch kept: {hz} Hz");
    let (_, bytes) = run_one(
        "video-speed",
        "clip.mp4",
        video.clone(),
        r#"{"factor":2,"keepPitch":false}"#,
    );
    let hz = frequency(&media::samples(&bytes, "mp4"), 0.3, 1.7);
    assert!((hz - 880.0).abs() < 30.0, "pitch doubled: {hz} Hz");
    // Slower: 0.5 doubles the duration.
    let (_, bytes) = run_one(
        "video-speed",
        "clip.mp4",
        video.clone(),
        r#"{"factor":0.5}"#,
    );
    assert!((media::duration(&media::probe(&bytes, "mp4")) - 8.0).abs() < 0.4);
    // A video without sound works too.
    let (_, bytes) = run_one(
        "video-speed",
        "clip.mp4",
        silent_video(2.0, 160, 120, 10),
        "{}",
    );
    assert!((media::duration(&media::probe(&bytes, "mp4")) - 1.0).abs() < 0.2);

    assert_bad_input("video-speed", "clip.mp4", video.clone());
    let parts = [("file", "clip.mp4", video)];
    assert_invalid(
        "video-speed",
        &parts,
        &[
            r#"{"factor":0.2}"#,
            r#"{"factor":5}"#,
            r#"{"keepPitch":"yes"}"#,
        ],
    );
}

#[test]
fn reverse_plays_picture_and_sound_backwards() {
    // Red then blue, 440 Hz then 880 Hz.
    let video = media::ffmpeg_make(
        &[
            "-f",
            "lavfi",
            "-i",
            "color=c=red:s=160x120:r=10:d=1.5",
            "-f",
            "lavfi",
            "-i",
            "color=c=blue:s=160x120:r=10:d=1.5",
            "-f",
            "lavfi",
            "-i",
            "aevalsrc=0.5*sin(2*PI*if(lt(t\\,1.5)\\,440\\,880)*t):s=44100:d=3",
            "-filter_complex",
            "[0:v][1:v]concat=n=2:v=1:a=0[v]",
            "-map",
            "[v]",
            "-map",
            "2:a",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
        ],
        "mp4",
    );
    let (body, bytes) = run_one("reverse-video", "clip.mp4", video.clone(), "{}");
    assert_eq!(download_name(&body), "clip.mp4");
    let report = media::probe(&bytes, "mp4");
    assert!((media::duration(&report) - 3.0).abs() < 0.2, "{report}");
    assert_eq!(dominant(&media::frame_at(&bytes, "mp4", 0.5)), "blue");
    assert_eq!(dominant(&media::frame_at(&bytes, "mp4", 2.5)), "red");
    let samples = media::samples(&bytes, "mp4");
    let (early, late) = (frequency(&samples, 0.2, 1.2), frequency(&samples, 1.8, 2.8));
    assert!((early - 880.0).abs() < 30.0, "starts high: {early} Hz");
    assert!((late - 440.0).abs() < 20.0, "ends low: {late} Hz");

    assert_bad_input("reverse-video", "clip.mp4", video);
}

/// A video too big to reverse at once is reversed in chunks (the memory budget holds about
/// 3 s of 4K at 10 fps) and joined: every frame is there once, in reverse order.
#[test]
fn long_reverses_are_chunked_and_joined_in_order() {
    let video = color_video(&["red", "blue"], 2.0, 3840, 2160, false);
    let (_, bytes) = run_one("reverse-video", "clip.mp4", video.clone(), "{}");
    let report = media::probe(&bytes, "mp4");
    assert_eq!(media::video_size(&report), (3840, 2160));
    assert!((media::duration(&report) - 4.0).abs() < 0.2, "{report}");
    assert_eq!(frame_count(&bytes, "mp4"), 40);
    for (at, color) in [
        (0.2, "blue"),
        (1.2, "blue"),
        (1.8, "blue"),
        (2.2, "red"),
        (3.8, "red"),
    ] {
        let frame = media::frame_at(&bytes, "mp4", at);
        let small = image::imageops::thumbnail(&frame, 64, 36);
        assert_eq!(dominant(&small), color, "at {at} s");
    }
}

#[test]
fn loudnorm_brings_the_sound_to_minus_16_lufs_and_copies_the_picture() {
    let quiet = media::ffmpeg_make(
        &[
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=160x120:rate=10:duration=4",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440:sample_rate=44100:duration=4",
            "-af",
            "volume=-30dB",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
        ],
        "mp4",
    );
    let before = media::loudness(&quiet, "mp4");
    assert!(before < -30.0, "the input is quiet: {before}");
    let (body, bytes) = run_one("video-loudnorm", "clip.mp4", quiet.clone(), "{}");
    assert_eq!(download_name(&body), "clip.mp4");
    let after = media::loudness(&bytes, "mp4");
    assert!((after + 16.0).abs() < 1.5, "loudness {after} LUFS");
    let report = media::probe(&bytes, "mp4");
    assert_eq!(codec(&report, "video"), "h264");
    assert_eq!(codec(&report, "audio"), "aac");
    assert_eq!(
        media::streams(&report, "audio")[0]["sample_rate"],
        "44100",
        "{report}"
    );
    let (f0, f1) = (
        media::frame_at(&quiet, "mp4", 1.0),
        media::frame_at(&bytes, "mp4", 1.0),
    );
    assert_eq!(
        changed_pixels(&f0, &f1, (0, 0), (160, 120)),
        0,
        "picture copied"
    );

    assert_bad_input("video-loudnorm", "clip.mp4", quiet);
    // A video without sound has nothing to normalize.
    assert_error(
        "video-loudnorm",
        &[("file", "clip.mp4", silent_video(1.0, 160, 120, 10))],
        "{}",
        400,
        "UNSUPPORTED_INPUT",
    );
}

#[test]
fn aspect_pad_adds_bars_of_the_chosen_colour() {
    let video = color_video(&["0x3050a0"], 1.0, 160, 120, true);
    // The default target is 9:16 with black bars.
    let (body, bytes) = run_one("aspect-pad", "clip.mp4", video.clone(), "{}");
    assert_eq!(download_name(&body), "clip.mp4");
    let report = media::probe(&bytes, "mp4");
    assert_eq!(media::video_size(&report), (160, 286));
    assert_eq!(media::streams(&report, "audio").len(), 1);
    let frame = media::frame_at(&bytes, "mp4", 0.5);
    assert!(
        mean_brightness(&frame, (0, 0), (160, 70)) < 20.0,
        "top bar black"
    );
    let middle = mean_rgb(&image::imageops::crop_imm(&frame, 0, 93, 160, 100).to_image());
    assert!(
        middle.2 > 120.0,
        "the picture sits in the middle: {middle:?}"
    );
    // 16:9 with red bars left and right.
    let (_, bytes) = run_one(
        "aspect-pad",
        "clip.mp4",
        video.clone(),
        r##"{"target":"16:9","color":"#ff0000"}"##,
    );
    let report = media::probe(&bytes, "mp4");
    assert_eq!(media::video_size(&report), (214, 120));
    let frame = media::frame_at(&bytes, "mp4", 0.5);
    let bar = image::imageops::crop_imm(&frame, 0, 0, 20, 120).to_image();
    assert_eq!(dominant(&bar), "red");

    assert_bad_input("aspect-pad", "clip.mp4", video.clone());
    let parts = [("file", "clip.mp4", video)];
    assert_invalid(
        "aspect-pad",
        &parts,
        &[r#"{"target":"2:1"}"#, r#"{"color":"red-ish"}"#],
    );
}

/// A file that holds no video is refused by every editing tool before any encoding.
#[test]
fn audio_only_files_are_refused() {
    let audio_only = media::tone(1.0, 440, 1, "m4a");
    for tool in [
        "convert-video",
        "mute-video",
        "resize-video",
        "change-fps",
        "reverse-video",
        "aspect-pad",
    ] {
        let settings = if tool == "resize-video" {
            r#"{"preset":"360p"}"#
        } else {
            "{}"
        };
        assert_error(
            tool,
            &[("file", "clip.mp4", audio_only.clone())],
            settings,
            400,
            "UNSUPPORTED_INPUT",
        );
    }
}
