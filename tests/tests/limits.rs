//! Every tool call is bounded in memory and time: over a limit the client gets a clear 4xx
//! JSON error, the host stays up, and what was stored before is still there.

use lathe_tests::{fixtures, Lathe};

/// A noisy image (incompressible, so encoders work hard).
fn noise_png(width: u32, height: u32) -> Vec<u8> {
    let mut state = 0x2545_f491_u32;
    let img = image::RgbImage::from_fn(width, height, |_, _| {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        image::Rgb([state as u8, (state >> 8) as u8, (state >> 16) as u8])
    });
    fixtures::encode(
        &image::DynamicImage::ImageRgb8(img),
        image::ImageFormat::Png,
    )
}

#[test]
fn over_the_memory_limit_is_413_and_the_host_survives() {
    // 64 MiB per instance; a flat 6000x6000 PNG is small on the wire but needs 108 MiB of
    // pixels once decoded.
    let lathe = Lathe::start_with_args(&["--memory-mb", "64"]);
    let small = lathe.run_tool(
        "image",
        "resize",
        "s.jpg",
        fixtures::jpeg(64, 64),
        r#"{"width":32}"#,
    );
    assert_eq!(small.status, 200);
    let kept = small.json()["downloadUrl"].as_str().unwrap().to_string();

    let flat = image::RgbImage::from_pixel(6000, 6000, image::Rgb([40, 120, 200]));
    let big = fixtures::encode(
        &image::DynamicImage::ImageRgb8(flat),
        image::ImageFormat::Png,
    );
    assert!(big.len() < 2 << 20);
    let r = lathe.run_tool("image", "resize", "big.png", big, r#"{"width":100}"#);
    assert_eq!(r.assert_client_error(413), "TOO_LARGE");
    lathe.assert_healthy();
    assert_eq!(
        lathe.get(&kept, Some(&lathe.admin_token())).status,
        200,
        "earlier results are intact"
    );
    assert!(
        lathe.log().contains("memory limit"),
        "the host logs why it stopped the call"
    );
}

#[test]
fn over_the_time_limit_is_a_timeout_error_and_the_host_survives() {
    let lathe = Lathe::start_with_args(&["--timeout-secs", "1"]);
    // Squeezing 24 MP of noise into 1 KB takes many encode passes: far over one second.
    let big = noise_png(6000, 4000);
    let started = std::time::Instant::now();
    let r = lathe.run_tool(
        "image",
        "compress",
        "noise.png",
        big,
        r#"{"mode":"targetSize","targetSizeKb":1}"#,
    );
    assert_eq!(r.assert_client_error(422), "TIMEOUT");
    assert!(
        started.elapsed().as_secs() < 30,
        "stopped near the limit, not after finishing"
    );
    lathe.assert_healthy();
}
