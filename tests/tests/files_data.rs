//! End-to-end tests of the data-file tools `files/split-csv`, `files/merge-csvs`,
//! `files/xml-to-csv`, `files/create-zip`, `files/extract-zip` and `files/csv-excel`
//! through the HTTP API.

use std::io::{Cursor, Read, Write};
use std::time::{Duration, Instant};

use lathe_tests::{assert_rejects_bad_input, shared, Part, Value};

/// Runs a files tool and returns the response JSON and the downloaded bytes.
fn run(tool: &str, parts: &[Part], settings: &str) -> (Value, Vec<u8>) {
    shared().run_and_download("files", tool, parts, settings)
}

/// Runs a files tool expecting a 4xx; returns (status, code, message).
fn reject(tool: &str, parts: &[Part], settings: &str) -> (u16, String, String) {
    let r = shared().run_tool_files("files", tool, parts, settings);
    assert!(
        (400..500).contains(&r.status),
        "{tool}: expected 4xx, got {}: {}",
        r.status,
        String::from_utf8_lossy(&r.body)
    );
    let code = r.assert_client_error(r.status);
    let message = r.json()["error"].as_str().unwrap_or_default().to_string();
    (r.status, code, message)
}

fn png() -> Vec<u8> {
    let mut out = Vec::new();
    image::RgbImage::new(4, 4)
        .write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

/// A small RFC 4180 reader (quotes, doubled quotes, newlines in quoted fields).
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows
}

fn rows_of(bytes: &[u8]) -> Vec<Vec<String>> {
    parse_csv(std::str::from_utf8(bytes).unwrap())
}

fn strings(row: &[&str]) -> Vec<String> {
    row.iter().map(|s| s.to_string()).collect()
}

/// The entries of a ZIP: (name, bytes), in archive order.
fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    (0..archive.len())
        .map(|i| {
            let mut f = archive.by_index(i).unwrap();
            let mut data = Vec::new();
            f.read_to_end(&mut data).unwrap();
            (f.name().to_string(), data)
        })
        .collect()
}

fn deflate() -> zip::write::SimpleFileOptions {
    zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated)
}

/// Builds a ZIP of (name, bytes) entries.
fn make_zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data) in entries {
        w.start_file(*name, deflate()).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// A ZIP with one entry of `mib` MiB of zeros, streamed into the writer.
fn zeros_zip(mib: usize) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    w.start_file("zeros.bin", deflate().compression_level(Some(1)))
        .unwrap();
    let chunk = vec![0u8; 1 << 20];
    for _ in 0..mib {
        w.write_all(&chunk).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// Offsets of a 4-byte little-endian signature in `bytes`.
fn find_sig(bytes: &[u8], sig: u32) -> Vec<usize> {
    let s = sig.to_le_bytes();
    bytes
        .windows(4)
        .enumerate()
        .filter(|(_, w)| *w == s)
        .map(|(i, _)| i)
        .collect()
}

fn pseudo_random(n: usize, seed: u32) -> Vec<u8> {
    (0..n as u32)
        .map(|i| (i.wrapping_add(seed).wrapping_mul(2654435761) >> 13) as u8)
        .collect()
}

// ---------------------------------------------------------------------------------------
// split-csv

fn numbered_csv(rows: usize) -> String {
    let mut s = String::from("id,name,note\n");
    for i in 1..=rows {
        s.push_str(&format!("{i},name {i},\"a, \"\"b\"\"\"\n"));
    }
    s
}

#[test]
fn split_csv_makes_parts_with_headers() {
    let csv = numbered_csv(25);
    let (body, out) = run(
        "split-csv",
        &[("file", "data.csv", csv.clone().into_bytes())],
        r#"{"rowsPerFile": 10}"#,
    );
    assert_eq!(body["rows"], 25);
    assert_eq!(body["parts"], 3);
    let entries = unzip(&out);
    let names: Vec<&str> = entries.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["data-1.csv", "data-2.csv", "data-3.csv"]);
    let all = rows_of(csv.as_bytes());
    let mut next = 1;
    for ((_, data), expected) in entries.iter().zip([10, 10, 5]) {
        let rows = rows_of(data);
        assert_eq!(rows[0], strings(&["id", "name", "note"]));
        assert_eq!(rows.len(), expected + 1);
        assert_eq!(&rows[1..], &all[next..next + expected]);
        next += expected;
    }

    // Without keepHeader only the first part has the header.
    let (_, out) = run(
        "split-csv",
        &[("file", "data.csv", csv.clone().into_bytes())],
        r#"{"rowsPerFile": 10, "keepHeader": false}"#,
    );
    let entries = unzip(&out);
    assert_eq!(entries.len(), 3);
    assert_eq!(rows_of(&entries[0].1).len(), 11);
    assert_eq!(
        rows_of(&entries[1].1)[0],
        strings(&["11", "name 11", "a, \"b\""])
    );
    assert_eq!(rows_of(&entries[2].1).len(), 5);

    // One part comes back as the CSV itself (default 1000 rows per file).
    let (body, out) = run(
        "split-csv",
        &[("file", "data.csv", csv.clone().into_bytes())],
        "{}",
    );
    assert_eq!(body["filename"], "data-1.csv");
    assert_eq!(rows_of(&out), all);
}

#[test]
fn split_csv_rejects_bad_settings_and_input() {
    let csv = numbered_csv(3).into_bytes();
    for bad in [
        r#"{"rowsPerFile": 0}"#,
        r#"{"rowsPerFile": 1000001}"#,
        r#"{"rowsPerFile": "x"}"#,
    ] {
        let (status, code, _) = reject("split-csv", &[("file", "d.csv", csv.clone())], bad);
        assert_eq!((status, code.as_str()), (400, "INVALID_SETTINGS"), "{bad}");
    }
    let (_, code, _) = reject(
        "split-csv",
        &[("file", "d.csv", b"a,b\n1,\xff\n".to_vec())],
        "{}",
    );
    assert_eq!(code, "UNSUPPORTED_INPUT");
    assert_rejects_bad_input(
        shared(),
        "files",
        "split-csv",
        "d.csv",
        csv,
        ("i.png", png()),
    );
}

// ---------------------------------------------------------------------------------------
// merge-csvs

#[test]
fn merge_csvs_appends_and_reorders_columns() {
    let a = "id,name,score\n1,Ann,3.5\n2,\"Bo, Jr\",4\n";
    let b = "score,id,name\n9,3,Cy\n";
    let c = "id\tname\tscore\n4\tDee\t1\n5\tEd\t2\n";
    let (body, out) = run(
        "merge-csvs",
        &[
            ("files", "a.csv", a.as_bytes().to_vec()),
            ("files", "b.csv", b.as_bytes().to_vec()),
            ("files", "c.tsv", c.as_bytes().to_vec()),
        ],
        "{}",
    );
    assert_eq!(body["filename"], "merged.csv");
    assert_eq!(body["rows"], 5);
    assert_eq!(
        rows_of(&out),
        vec![
            strings(&["id", "name", "score"]),
            strings(&["1", "Ann", "3.5"]),
            strings(&["2", "Bo, Jr", "4"]),
            strings(&["3", "Cy", "9"]),
            strings(&["4", "Dee", "1"]),
            strings(&["5", "Ed", "2"]),
        ]
    );
}

#[test]
fn merge_csvs_rejects_other_columns_and_one_file() {
    let (status, code, msg) = reject(
        "merge-csvs",
        &[
            ("files", "a.csv", b"id,name\n1,x\n".to_vec()),
            ("files", "other.csv", b"id,email\n2,y\n".to_vec()),
        ],
        "{}",
    );
    assert_eq!((status, code.as_str()), (400, "UNSUPPORTED_INPUT"));
    assert!(msg.contains("other.csv"), "{msg}");
    let (status, _, _) = reject(
        "merge-csvs",
        &[("files", "a.csv", b"id\n1\n".to_vec())],
        "{}",
    );
    assert_eq!(status, 400);
    let (status, _, _) = reject(
        "merge-csvs",
        &[
            ("files", "a.csv", b"id\n1\n".to_vec()),
            ("files", "b.png", png()),
        ],
        "{}",
    );
    assert_eq!(status, 400);
    let (status, _, _) = reject(
        "merge-csvs",
        &[
            ("files", "a.csv", b"id\n1\n".to_vec()),
            ("files", "b.csv", pseudo_random(4096, 1)),
        ],
        "{}",
    );
    assert_eq!(status, 400);
    shared().assert_healthy();
}

// ---------------------------------------------------------------------------------------
// xml-to-csv

#[test]
fn xml_to_csv_finds_the_repeating_element() {
    let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<export generated="today">
  <meta><title>Stock</title></meta>
  <items>
    <item id="1" kind="tool"><name>Hammer &amp; nails</name><qty>3</qty></item>
    <item id="2"><qty>10</qty><name><![CDATA[Saw <big>]]></name><price cur="EUR">9.5</price></item>
    <item id="3"><name>Zoë, "quoted"</name></item>
  </items>
</export>"#;
    let (body, out) = run(
        "xml-to-csv",
        &[("file", "stock.xml", xml.as_bytes().to_vec())],
        "{}",
    );
    assert_eq!(body["filename"], "stock.csv");
    assert_eq!(body["rows"], 3);
    assert_eq!(body["element"], "item");
    assert_eq!(
        rows_of(&out),
        vec![
            strings(&["@id", "@kind", "name", "qty", "price@cur", "price"]),
            strings(&["1", "tool", "Hammer & nails", "3", "", ""]),
            strings(&["2", "", "Saw <big>", "10", "EUR", "9.5"]),
            strings(&["3", "", "Zoë, \"quoted\"", "", "", ""]),
        ]
    );
}

#[test]
fn xml_to_csv_rejects_doctype_and_bad_input() {
    let xxe = br#"<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r><a>&x;</a><a>1</a></r>"#;
    let (_, code, msg) = reject("xml-to-csv", &[("file", "x.xml", xxe.to_vec())], "{}");
    assert_eq!(code, "UNSUPPORTED_INPUT");
    assert!(msg.contains("DOCTYPE"), "{msg}");
    for bad in [
        &b"<r><a>1</a><a>2</r>"[..],
        b"<r><a>1</a>",
        b"just text",
        b"<r/>",
    ] {
        reject("xml-to-csv", &[("file", "x.xml", bad.to_vec())], "{}");
    }
    let (status, code, _) = reject(
        "xml-to-csv",
        &[("file", "big.xml", vec![b' '; 11 * 1024 * 1024])],
        "{}",
    );
    assert_eq!((status, code.as_str()), (413, "TOO_LARGE"));
    assert_rejects_bad_input(
        shared(),
        "files",
        "xml-to-csv",
        "x.xml",
        b"<r><a>1</a><a>2</a></r>".to_vec(),
        ("i.png", png()),
    );
}

// ---------------------------------------------------------------------------------------
// create-zip / extract-zip

#[test]
fn create_zip_packs_the_inputs() {
    let a = b"hello".to_vec();
    let b = pseudo_random(100_000, 7);
    let c = png();
    let (body, out) = run(
        "create-zip",
        &[
            ("files", "a.txt", a.clone()),
            ("files", "b.bin", b.clone()),
            ("files", "a.txt", c.clone()),
        ],
        "{}",
    );
    assert_eq!(body["filename"], "archive.zip");
    let entries = unzip(&out);
    assert_eq!(
        entries,
        vec![
            ("a.txt".to_string(), a),
            ("b.bin".to_string(), b),
            ("a_1.txt".to_string(), c)
        ]
    );
    let (status, _, _) = reject("create-zip", &[("files", "a.txt", b"x".to_vec())], "{}");
    assert_eq!(status, 400);
}

#[test]
fn extract_zip_returns_the_files() {
    let a = b"alpha\n".to_vec();
    let b = pseudo_random(50_000, 3);
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    w.add_directory("dir/", deflate()).unwrap();
    w.start_file("a.txt", deflate()).unwrap();
    w.write_all(&a).unwrap();
    w.start_file("dir/sub/b.bin", deflate()).unwrap();
    w.write_all(&b).unwrap();
    w.add_symlink("link", "/etc/passwd", deflate()).unwrap();
    let archive = w.finish().unwrap().into_inner();
    let (body, out) = run("extract-zip", &[("file", "in.zip", archive)], "{}");
    assert_eq!(body["entries"], 2);
    assert_eq!(body["skippedLinks"], 1);
    assert_eq!(
        unzip(&out),
        vec![
            ("a.txt".to_string(), a.clone()),
            ("dir_sub_b.bin".to_string(), b)
        ]
    );
    // One entry comes back as itself.
    let (body, out) = run(
        "extract-zip",
        &[("file", "one.zip", make_zip(&[("notes/a.txt", &a)]))],
        "{}",
    );
    assert_eq!(body["filename"], "notes_a.txt");
    assert_eq!(out, a);
}

#[test]
fn extract_zip_refuses_bombs_quickly() {
    // 300 MiB declared in one entry: over the 200 MiB limit, refused from the headers.
    let bomb = zeros_zip(300);
    assert!(bomb.len() < 5 << 20, "bomb is {} bytes", bomb.len());
    let started = Instant::now();
    let (status, _, msg) = reject("extract-zip", &[("file", "bomb.zip", bomb)], "{}");
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(status, 413, "{msg}");
    // 20 MiB of zeros: within the size limits but a ratio far over 100.
    let (status, code, msg) = reject("extract-zip", &[("file", "ratio.zip", zeros_zip(20))], "{}");
    assert_eq!((status, code.as_str()), (400, "UNSUPPORTED_INPUT"));
    assert!(msg.contains("ratio"), "{msg}");
    // An entry that lies about its size (declares 1000 bytes, holds 2 MiB of noise).
    let mut lying = make_zip(&[("noise.bin", &pseudo_random(2 << 20, 9))]);
    for at in find_sig(&lying, 0x0403_4b50) {
        lying[at + 22..at + 26].copy_from_slice(&1000u32.to_le_bytes());
    }
    for at in find_sig(&lying, 0x0201_4b50) {
        lying[at + 24..at + 28].copy_from_slice(&1000u32.to_le_bytes());
    }
    let (status, _, msg) = reject("extract-zip", &[("file", "lying.zip", lying)], "{}");
    assert_eq!(status, 400, "{msg}");
    shared().assert_healthy();
}

#[test]
fn extract_zip_refuses_unsafe_and_encrypted_entries() {
    for name in [
        "../evil.txt",
        "a/../../evil.txt",
        "/etc/evil",
        "C:/evil.txt",
    ] {
        let z = make_zip(&[("ok.txt", b"ok"), (name, b"evil")]);
        let (status, code, msg) = reject("extract-zip", &[("file", "slip.zip", z)], "{}");
        assert_eq!(
            (status, code.as_str()),
            (400, "UNSUPPORTED_INPUT"),
            "{name}: {msg}"
        );
    }
    // Set the "encrypted" flag on the entry.
    let mut enc = make_zip(&[("secret.txt", b"top secret text")]);
    for at in find_sig(&enc, 0x0403_4b50) {
        enc[at + 6] |= 1;
    }
    for at in find_sig(&enc, 0x0201_4b50) {
        enc[at + 8] |= 1;
    }
    let (status, _, msg) = reject("extract-zip", &[("file", "enc.zip", enc)], "{}");
    assert_eq!(status, 400);
    assert!(msg.contains("encrypted"), "{msg}");
    // An archive of directories only has no files.
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    w.add_directory("empty/", deflate()).unwrap();
    let dirs = w.finish().unwrap().into_inner();
    reject("extract-zip", &[("file", "dirs.zip", dirs)], "{}");
    assert_rejects_bad_input(
        shared(),
        "files",
        "extract-zip",
        "in.zip",
        make_zip(&[("a.txt", b"a")]),
        ("i.png", png()),
    );
}

// ---------------------------------------------------------------------------------------
// csv-excel

#[test]
fn csv_excel_round_trip_keeps_cells() {
    use calamine::{Data, Reader};
    let csv = "name,qty,price,code,note\nWidget,3,9.5,007,\"a, b\"\n\"Zoë \"\"Z\"\"\",-12,0.25,X1,\nLast,1000000,12345.678,0,line\n";
    let (body, xlsx) = run(
        "csv-excel",
        &[("file", "stock.csv", csv.as_bytes().to_vec())],
        "{}",
    );
    assert_eq!(body["filename"], "stock.xlsx");
    assert_eq!(body["rows"], 3);
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(Cursor::new(xlsx.clone())).unwrap();
    let range = wb.worksheet_range_at(0).unwrap().unwrap();
    assert_eq!(range.get_size(), (4, 5));
    assert_eq!(range.get((0, 0)), Some(&Data::String("name".into())));
    assert_eq!(range.get((1, 1)), Some(&Data::Float(3.0)));
    assert_eq!(range.get((1, 2)), Some(&Data::Float(9.5)));
    assert_eq!(range.get((1, 3)), Some(&Data::String("007".into())));
    assert_eq!(range.get((2, 0)), Some(&Data::String("Zoë \"Z\"".into())));
    assert_eq!(range.get((2, 1)), Some(&Data::Float(-12.0)));
    assert_eq!(range.get((3, 2)), Some(&Data::Float(12345.678)));
    // The header row is bold: its cells carry a style with a bold font.
    assert!(String::from_utf8_lossy(
        &unzip(&xlsx)
            .into_iter()
            .find(|(n, _)| n == "xl/styles.xml")
            .unwrap()
            .1
    )
    .contains("<b/>"));

    let (body, back) = run("csv-excel", &[("file", "stock.xlsx", xlsx.clone())], "{}");
    assert_eq!(body["filename"], "stock.csv");
    assert_eq!(rows_of(&back), rows_of(csv.as_bytes()));
    // TSV in, same workbook cells.
    let tsv = csv.replace(',', "\t").replace("\"a\t b\"", "\"a, b\"");
    let (_, xlsx2) = run(
        "csv-excel",
        &[("file", "stock.tsv", tsv.into_bytes())],
        "{}",
    );
    let (_, back2) = run("csv-excel", &[("file", "s.xlsx", xlsx2)], r#"{"sheet": 1}"#);
    assert_eq!(rows_of(&back2), rows_of(csv.as_bytes()));

    for bad in [r#"{"sheet": 2}"#, r#"{"sheet": 0}"#, r#"{"sheet": "a"}"#] {
        let (status, code, _) = reject("csv-excel", &[("file", "s.xlsx", xlsx.clone())], bad);
        assert_eq!((status, code.as_str()), (400, "INVALID_SETTINGS"), "{bad}");
    }
}

#[test]
fn csv_excel_rejects_bad_input() {
    reject(
        "csv-excel",
        &[("file", "g.xlsx", pseudo_random(4096, 5))],
        "{}",
    );
    reject(
        "csv-excel",
        &[("file", "z.xlsx", make_zip(&[("a.txt", b"a")]))],
        "{}",
    );
    assert_rejects_bad_input(
        shared(),
        "files",
        "csv-excel",
        "d.csv",
        b"a,b\n1,2\n".to_vec(),
        ("i.png", png()),
    );
}
