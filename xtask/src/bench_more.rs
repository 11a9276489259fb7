//! The benchmark rows of the image, PDF and data tools beyond resize: Lathe through its full
//! HTTP API beside vips, ImageMagick, qpdf and miller on the same files in the same run.
//! Each peer row does the same operation as Lathe's (same quality, same lossless mode).

use std::io::Write;
use std::path::Path;

use anyhow::{bail, Result};

use crate::bench::{lathe_series, make_jpeg, peer_series, Host, RUNS};

/// One printed row: Lathe against each peer that does the same thing.
struct Row<'a> {
    operation: &'a str,
    lathe: (f64, f64),
    peers: Vec<(&'a str, f64, f64)>,
}

impl Row<'_> {
    fn print(&self) {
        let (lt, lm) = self.lathe;
        let mut line = format!("| {} | {lt:.3} s, +{lm:.0} MiB |", self.operation);
        for (name, t, m) in &self.peers {
            line.push_str(&format!(
                " {name}: {t:.3} s, {m:.0} MiB — time {:.2}×, memory {:.2}× |",
                lt / t,
                lm / m.max(0.1)
            ));
        }
        println!("{line}");
    }
}

fn s(path: &Path) -> String {
    path.display().to_string()
}

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|a| a.to_string()).collect()
}

/// Runs the image, PDF and CSV rows and prints them as a Markdown table.
pub fn run(host: &Host, work: &Path) -> Result<()> {
    println!(
        "| operation | Lathe (full API, peak RSS above idle) | peers (ratio = Lathe / peer) |"
    );
    println!("|---|---|---|");
    image_rows(host, work)?;
    pdf_rows(host, work)?;
    csv_row(host, work)?;
    Ok(())
}

/// `cargo xtask bench --webp`: only the WebP rows.
pub fn run_webp(host: &Host, work: &Path) -> Result<()> {
    println!(
        "| operation | Lathe (full API, peak RSS above idle) | peers (ratio = Lathe / peer) |"
    );
    println!("|---|---|---|");
    let jpeg = make_jpeg(work, 4000, 3000)?;
    let bytes = std::fs::read(&jpeg)?;
    webp_rows(host, work, &jpeg, &bytes)
}

/// JPEG → WebP: lossy at quality 80 (libwebp in Lathe, vips and ImageMagick alike, each at
/// its default method), then lossless (quality 100; the peers at their lowest effort).
/// Output sizes are printed too, since the encoders trade size for time differently.
fn webp_rows(host: &Host, work: &Path, jpeg: &Path, bytes: &[u8]) -> Result<()> {
    let size = |p: &Path| std::fs::metadata(p).map(|m| m.len() / 1024).unwrap_or(0);
    for (operation, settings, vips_opts, im_defines) in [
        (
            "12 MP JPEG → lossy WebP, quality 80",
            r#"{"format":"webp","quality":80}"#,
            "[Q=80]",
            vec!["-quality", "80"],
        ),
        (
            "12 MP JPEG → lossless WebP (peers at lowest effort)",
            r#"{"format":"webp","quality":100}"#,
            "[lossless,effort=0]",
            vec!["-define", "webp:lossless=true", "-define", "webp:method=0"],
        ),
    ] {
        let (lt, lm, out) = lathe_series(
            host,
            "/api/v1/tools/image/convert",
            &[("photo.jpg", bytes)],
            settings,
            3,
        )?;
        if !out.starts_with(b"RIFF") {
            bail!("convert did not produce WebP");
        }
        let vips = peer_series(
            &[
                args(&["vips", "copy", &s(jpeg)]),
                vec![format!("{}{vips_opts}", s(&work.join("o.webp")))],
            ]
            .concat(),
            3,
        )?;
        let mut im_cmd = args(&["/usr/bin/convert", &s(jpeg)]);
        im_cmd.extend(args(&im_defines));
        im_cmd.push(s(&work.join("o-im.webp")));
        let im = peer_series(&im_cmd, 3)?;
        Row {
            operation,
            lathe: (lt, lm),
            peers: vec![("vips", vips.0, vips.1), ("ImageMagick", im.0, im.1)],
        }
        .print();
        println!(
            "| (output sizes) | {} KiB | vips: {} KiB | ImageMagick: {} KiB |",
            out.len() / 1024,
            size(&work.join("o.webp")),
            size(&work.join("o-im.webp"))
        );
    }
    Ok(())
}

/// `cargo xtask bench --avif`: only the PNG → AVIF row.
pub fn run_avif(host: &Host, work: &Path) -> Result<()> {
    println!(
        "| operation | Lathe (full API, peak RSS above idle) | peers (ratio = Lathe / peer) |"
    );
    println!("|---|---|---|");
    let jpeg = make_jpeg(work, 4000, 3000)?;
    avif_row(host, work, &jpeg)
}

/// 12 MP PNG → AVIF at quality 60: Lathe's `convert` against `vips copy x.png o.avif[Q=60]`.
fn avif_row(host: &Host, work: &Path, jpeg: &Path) -> Result<()> {
    // PNG → AVIF.
    let png = work.join("photo.png");
    if !png.exists() {
        let status = std::process::Command::new("vips")
            .args(["copy", &s(jpeg), &s(&png)])
            .status()?;
        if !status.success() {
            bail!("vips could not make the PNG");
        }
    }
    let png_bytes = std::fs::read(&png)?;
    let vips = peer_series(
        &[
            args(&["vips", "copy", &s(&png)]),
            vec![format!("{}[Q=60]", s(&work.join("o.avif")))],
        ]
        .concat(),
        3,
    );
    // libheif (aom) in the worker, as vips uses it; the encoder is a child process of the
    // host, so its memory is not in the host's RSS (printed separately below). Lathe's
    // default `speed` 8 is aom speed 7; `speed` 6 is aom speed 5, vips' default (effort 4).
    let size = |p: &Path| std::fs::metadata(p).map(|m| m.len() / 1024).unwrap_or(0);
    let vips = vips?;
    for (operation, settings) in [
        (
            "12 MP PNG → AVIF q60 (Lathe's default speed)",
            r#"{"format":"avif","quality":60}"#,
        ),
        (
            "12 MP PNG → AVIF q60 (speed 6 = vips' aom speed)",
            r#"{"format":"avif","quality":60,"speed":6}"#,
        ),
    ] {
        let (lt, lm, out) = lathe_series(
            host,
            "/api/v1/tools/image/convert",
            &[("photo.png", &png_bytes)],
            settings,
            3,
        )?;
        Row {
            operation,
            lathe: (lt, lm),
            peers: vec![("vips", vips.0, vips.1)],
        }
        .print();
        println!(
            "| (output sizes) | {} KiB | vips: {} KiB |",
            out.len() / 1024,
            size(&work.join("o.avif"))
        );
    }
    // The encoder process Lathe's worker starts, alone (its RSS is not the host's).
    let encoder = peer_series(
        &args(&[
            "heif-enc",
            "-A",
            "-q",
            "60",
            "-p",
            "speed=7",
            "-o",
            &s(&work.join("o-heif-enc.avif")),
            &s(&png),
        ]),
        3,
    )?;
    println!(
        "| (Lathe's encoder process, `heif-enc` speed 7, alone) | {:.3} s, {:.0} MiB | |",
        encoder.0, encoder.1
    );
    Ok(())
}

fn image_rows(host: &Host, work: &Path) -> Result<()> {
    let jpeg = make_jpeg(work, 4000, 3000)?;
    let bytes = std::fs::read(&jpeg)?;

    webp_rows(host, work, &jpeg, &bytes)?;

    avif_row(host, work, &jpeg)?;

    // adjust-colors: brightness +10 %, contrast +20 % is v·1.32 − 0.1 on encoded values.
    let (lt, lm, _) = lathe_series(
        host,
        "/api/v1/tools/image/adjust-colors",
        &[("photo.jpg", &bytes)],
        r#"{"brightness":10,"contrast":20,"quality":80}"#,
        RUNS,
    )?;
    let vips = peer_series(
        &[
            // `--` so that vips does not read the negative offset as an option.
            args(&["vips", "linear", "--", &s(&jpeg)]),
            vec![format!("{}[Q=80]", s(&work.join("o-lin.jpg")))],
            args(&["1.32", "-25.5"]),
        ]
        .concat(),
        RUNS,
    )?;
    let im = peer_series(
        &args(&[
            "/usr/bin/convert",
            &s(&jpeg),
            "-function",
            "polynomial",
            "1.32,-0.1",
            "-quality",
            "80",
            &s(&work.join("o-lin-im.jpg")),
        ]),
        RUNS,
    )?;
    Row {
        operation: "adjust-colors 12 MP JPEG (brightness + contrast)",
        lathe: (lt, lm),
        peers: vec![("vips", vips.0, vips.1), ("ImageMagick", im.0, im.1)],
    }
    .print();

    // watermark-text: 96 px text, 50 % black, centred. vips has no one-command text
    // watermark; ImageMagick's -annotate is the peer.
    let (lt, lm, _) = lathe_series(
        host,
        "/api/v1/tools/image/watermark-text",
        &[("photo.jpg", &bytes)],
        r##"{"text":"Lathe","fontSize":96,"color":"#000000","opacity":50,"position":"center","quality":80}"##,
        RUNS,
    )?;
    let im = peer_series(
        &args(&[
            "/usr/bin/convert",
            &s(&jpeg),
            "-gravity",
            "center",
            "-pointsize",
            "96",
            "-fill",
            "rgba(0,0,0,0.5)",
            "-annotate",
            "0",
            "Lathe",
            "-quality",
            "80",
            &s(&work.join("o-wm.jpg")),
        ]),
        RUNS,
    )?;
    Row {
        operation: "watermark-text 12 MP JPEG",
        lathe: (lt, lm),
        peers: vec![("ImageMagick", im.0, im.1)],
    }
    .print();
    Ok(())
}

/// A PDF of `pages` pages, each with a line of text, made with lopdf.
fn make_pdf(path: &Path, pages: u32) -> Result<()> {
    use lopdf::content::{Content, Operation};
    use lopdf::{dictionary, Document, Object, Stream};
    let mut doc = Document::with_version("1.7");
    let pages_id = doc.new_object_id();
    let font = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica",
    });
    let resources = doc.add_object(dictionary! { "Font" => dictionary! { "F1" => font } });
    let mut kids = Vec::new();
    for n in 1..=pages {
        let content = Content {
            operations: vec![
                Operation::new("BT", vec![]),
                Operation::new("Tf", vec!["F1".into(), 24.into()]),
                Operation::new("Td", vec![72.into(), 720.into()]),
                Operation::new(
                    "Tj",
                    vec![Object::string_literal(format!("Page {n} of {pages}"))],
                ),
                Operation::new("ET", vec![]),
            ],
        };
        let stream = doc.add_object(Stream::new(dictionary! {}, content.encode()?));
        kids.push(Object::Reference(doc.add_object(dictionary! {
            "Type" => "Page", "Parent" => pages_id, "Contents" => stream,
            "Resources" => resources, "MediaBox" => vec![0.into(), 0.into(), 612.into(), 792.into()],
        })));
    }
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => kids, "Count" => pages }),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog);
    doc.compress();
    doc.save(path)?;
    Ok(())
}

fn pdf_rows(host: &Host, work: &Path) -> Result<()> {
    let dir = work.join("pdf");
    std::fs::create_dir_all(&dir)?;
    let mut files = Vec::new();
    for i in 0..20 {
        let path = dir.join(format!("part-{i}.pdf"));
        if !path.exists() {
            make_pdf(&path, 10)?;
        }
        files.push((format!("part-{i}.pdf"), std::fs::read(&path)?, path));
    }
    let parts: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(n, b, _)| (n.as_str(), b.as_slice()))
        .collect();
    let (lt, lm, _) = lathe_series(host, "/api/v1/tools/pdf/merge-pdf", &parts, "{}", RUNS)?;
    let mut cmd = args(&["qpdf", "--stream-data=preserve", "--empty", "--pages"]);
    cmd.extend(files.iter().map(|(_, _, p)| s(p)));
    cmd.extend(args(&["--", &s(&dir.join("merged.pdf"))]));
    let q = peer_series(&cmd, RUNS)?;
    Row {
        operation: "merge-pdf 20 PDFs × 10 pages",
        lathe: (lt, lm),
        peers: vec![("qpdf", q.0, q.1)],
    }
    .print();

    let big = dir.join("pages-300.pdf");
    if !big.exists() {
        make_pdf(&big, 300)?;
    }
    let bytes = std::fs::read(&big)?;
    let (lt, lm, out) = lathe_series(
        host,
        "/api/v1/tools/pdf/split-pdf",
        &[("pages-300.pdf", &bytes)],
        r#"{"mode":"every","everyN":1}"#,
        RUNS,
    )?;
    if !out.starts_with(b"PK") {
        bail!("split-pdf did not return a ZIP");
    }
    let out_dir = dir.join("split");
    std::fs::create_dir_all(&out_dir)?;
    let q = peer_series(
        &args(&[
            "qpdf",
            "--stream-data=preserve",
            "--split-pages",
            &s(&big),
            &s(&out_dir.join("page-%d.pdf")),
        ]),
        RUNS,
    )?;
    Row {
        operation: "split-pdf 300 pages → 300 files (Lathe: one ZIP)",
        lathe: (lt, lm),
        peers: vec![("qpdf", q.0, q.1)],
    }
    .print();
    Ok(())
}

fn csv_row(host: &Host, work: &Path) -> Result<()> {
    let csv = work.join("data-100mb.csv");
    if !csv.exists() {
        let mut out = std::io::BufWriter::new(std::fs::File::create(&csv)?);
        writeln!(out, "id,name,city,amount,active,note")?;
        let cities = ["Lisbon", "Oslo", "Kyoto", "Lima", "Accra", "Perth"];
        let mut i = 0u64;
        while out.get_ref().metadata()?.len() < 100 * 1024 * 1024 {
            for _ in 0..10_000 {
                writeln!(
                    out,
                    "{i},user {i},{},{}.{:02},{},\"note, with comma {}\"",
                    cities[(i % 6) as usize],
                    i * 7 % 10_000,
                    i % 100,
                    i.is_multiple_of(2),
                    i % 97
                )?;
                i += 1;
            }
            out.flush()?;
        }
    }
    let bytes = std::fs::read(&csv)?;
    let (lt, lm, out) = lathe_series(
        host,
        "/api/v1/tools/files/csv-json",
        &[("data.csv", &bytes)],
        r#"{"pretty":false}"#,
        3,
    )?;
    if out.first() != Some(&b'[') {
        bail!("csv-json did not return a JSON array");
    }
    drop(out);
    let sh = format!(
        "mlr --icsv --ojson cat {} > {}",
        s(&csv),
        s(&work.join("mlr.json"))
    );
    let m = peer_series(&args(&["sh", "-c", &sh]), 3)?;
    Row {
        operation: "csv-json 100 MB CSV",
        lathe: (lt, lm),
        peers: vec![("miller", m.0, m.1)],
    }
    .print();
    Ok(())
}
