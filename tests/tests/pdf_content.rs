//! End-to-end tests of the PDF content tools (pdf-to-text, watermark-pdf,
//! pdf-page-numbers, protect-pdf, unlock-pdf) and files/markdown-to-html.

use lathe_tests::fixtures::{pdf, pdf_page_texts, png_rgba};
use lathe_tests::{assert_rejects_bad_input, shared, Lathe};

fn invalid(lathe: &Lathe, section: &str, tool: &str, name: &str, data: Vec<u8>, settings: &str) {
    let r = lathe.run_tool(section, tool, name, data, settings);
    assert_eq!(
        r.assert_client_error(400),
        "INVALID_SETTINGS",
        "{tool} {settings}"
    );
}

#[test]
fn pdf_to_text_keeps_page_order() {
    let lathe = shared();
    let (body, bytes) = lathe.run_and_download(
        "pdf",
        "pdf-to-text",
        &[("file", "doc.pdf", pdf(3, "X"))],
        "{}",
    );
    let text = String::from_utf8(bytes).expect("UTF-8 text");
    let pages: Vec<&str> = text.split('\u{c}').map(str::trim).collect();
    assert_eq!(pages, ["X page 1", "X page 2", "X page 3"], "{text:?}");
    assert_eq!(body["pageCount"], 3, "{body}");
    assert_eq!(
        body["characters"].as_u64(),
        Some(text.chars().count() as u64)
    );
    assert!(
        body["downloadUrl"].as_str().unwrap().contains("doc.txt")
            || body.to_string().contains("doc.txt"),
        "{body}"
    );
}

#[test]
fn pdf_to_text_refuses_a_10000_page_pdf_quickly() {
    let lathe = shared();
    let big = pdf(10_000, "P");
    let r = lathe.run_tool("pdf", "pdf-to-text", "big.pdf", big, "{}");
    assert_eq!(r.assert_client_error(413), "TOO_LARGE");
    assert!(
        r.json()["error"].as_str().unwrap().contains("10000 pages"),
        "{}",
        r.json()
    );
    lathe.assert_healthy();
}

#[test]
fn pdf_to_text_rejects_bad_input() {
    let lathe = shared();
    assert_rejects_bad_input(
        lathe,
        "pdf",
        "pdf-to-text",
        "a.pdf",
        pdf(1, "A"),
        ("a.png", png_rgba(4, 4)),
    );
}

#[test]
fn markdown_becomes_a_safe_html_document() {
    let lathe = shared();
    let md = "# Report *2024*\n\nSome **bold** text.\n\n| Name | Qty |\n|------|----:|\n| Apple | 3 |\n\n<script>alert('x')</script>\n\n- [x] done\n- [ ] todo\n\n~~gone~~ and a note[^1].\n\n[^1]: The footnote.\n";
    let (_, bytes) = lathe.run_and_download(
        "files",
        "markdown-to-html",
        &[("file", "notes.md", md.as_bytes().to_vec())],
        "{}",
    );
    let html = String::from_utf8(bytes).unwrap();
    assert!(html.starts_with("<!doctype html>"), "{html}");
    assert!(html.contains("<meta charset=\"utf-8\">"));
    assert!(html.contains("<title>Report 2024</title>"), "{html}");
    assert!(html.contains("<style>"));
    assert!(html.contains("<h1>Report <em>2024</em></h1>"), "{html}");
    assert!(
        html.contains("<table>")
            && html.contains("<th>Name</th>")
            && html.contains("<td>Apple</td>"),
        "{html}"
    );
    assert!(html.contains("<strong>bold</strong>"));
    assert!(html.contains("<del>gone</del>"));
    assert!(html.contains("type=\"checkbox\""));
    assert!(html.contains("The footnote."));
    assert!(
        !html.contains("<script>"),
        "raw HTML must be escaped: {html}"
    );
    assert!(html.contains("&lt;script&gt;"), "{html}");
    // allowHtml passes raw HTML through; .txt is accepted too.
    let (_, bytes) = lathe.run_and_download(
        "files",
        "markdown-to-html",
        &[("file", "notes.txt", b"<b>raw</b>\n".to_vec())],
        r#"{"allowHtml":true}"#,
    );
    assert!(String::from_utf8(bytes).unwrap().contains("<b>raw</b>"));
}

#[test]
fn markdown_rejects_bad_input() {
    let lathe = shared();
    assert_rejects_bad_input(
        lathe,
        "files",
        "markdown-to-html",
        "a.md",
        b"# hi\n".to_vec(),
        ("a.png", png_rgba(4, 4)),
    );
    invalid(
        lathe,
        "files",
        "markdown-to-html",
        "a.md",
        b"# hi".to_vec(),
        r#"{"allowHtml":"maybe"}"#,
    );
    let r = lathe.run_tool(
        "files",
        "markdown-to-html",
        "a.md",
        vec![0xff, 0xfe, 0x00, 0x41],
        "{}",
    );
    r.assert_client_error(400);
    lathe.assert_healthy();
}

#[test]
fn watermark_is_extractable_on_every_page() {
    let lathe = shared();
    for settings in [
        r#"{"text":"CONFIDENTIAL"}"#,
        r##"{"text":"Draft (v2) \\ x","position":"br","fontSize":12,"opacity":1,"rotation":-30,"color":"#ff0000"}"##,
        r#"{"text":"Café","position":"tl","rotation":0}"#,
    ] {
        let (_, bytes) = lathe.run_and_download(
            "pdf",
            "watermark-pdf",
            &[("file", "w.pdf", pdf(3, "W"))],
            settings,
        );
        let want: serde_json::Value = serde_json::from_str(settings).unwrap();
        let want = want["text"].as_str().unwrap();
        let texts = pdf_page_texts(&bytes);
        assert_eq!(texts.len(), 3);
        for (i, t) in texts.iter().enumerate() {
            assert!(
                t.contains(&format!("W page {}", i + 1)),
                "{settings}: {t:?}"
            );
            assert!(t.contains(want), "{settings}: page {} {t:?}", i + 1);
        }
        let doc = lopdf::Document::load_mem(&bytes).unwrap();
        let page = *doc.get_pages().values().next().unwrap();
        let (own, _) = doc.get_page_resources(page).unwrap();
        let own = own.expect("page has its own resources");
        assert!(own.has(b"ExtGState") && own.has(b"Font"));
    }
}

#[test]
fn watermark_rejects_bad_input() {
    let lathe = shared();
    let good = || pdf(1, "A");
    assert_rejects_bad_input(
        lathe,
        "pdf",
        "watermark-pdf",
        "a.pdf",
        good(),
        ("a.png", png_rgba(4, 4)),
    );
    for settings in [
        "{}",
        r#"{"text":""}"#,
        &format!(r#"{{"text":"{}"}}"#, "x".repeat(201)),
        r#"{"text":"日本語"}"#,
        r#"{"text":"a","position":"middle"}"#,
        r#"{"text":"a","fontSize":5}"#,
        r#"{"text":"a","fontSize":73}"#,
        r#"{"text":"a","opacity":0.01}"#,
        r#"{"text":"a","opacity":1.5}"#,
        r#"{"text":"a","rotation":181}"#,
        r#"{"text":"a","color":"red"}"#,
    ] {
        invalid(lathe, "pdf", "watermark-pdf", "a.pdf", good(), settings);
    }
    lathe.assert_healthy();
}

#[test]
fn page_numbers_are_extractable() {
    let lathe = shared();
    let (body, bytes) = lathe.run_and_download(
        "pdf",
        "pdf-page-numbers",
        &[("file", "n.pdf", pdf(4, "N"))],
        "{}",
    );
    assert_eq!(body["numberedPages"], 4, "{body}");
    for (i, t) in pdf_page_texts(&bytes).iter().enumerate() {
        let n = i + 1;
        assert!(t.contains(&format!("N page {n}")), "{t:?}");
        let rest = t.replace(&format!("N page {n}"), "");
        assert_eq!(rest.trim(), n.to_string(), "page {n}: {t:?}");
    }
    let (_, bytes) = lathe.run_and_download(
        "pdf",
        "pdf-page-numbers",
        &[("file", "n.pdf", pdf(4, "N"))],
        r#"{"format":"{n} / {total}","startAt":0,"range":"2-z","position":"tr","fontSize":12}"#,
    );
    let texts = pdf_page_texts(&bytes);
    assert_eq!(texts[0], "N page 1", "the cover is not numbered");
    assert!(texts[1].contains("1 / 3"), "{texts:?}");
    assert!(texts[3].contains("3 / 3"), "{texts:?}");
}

#[test]
fn page_numbers_reject_bad_input() {
    let lathe = shared();
    let good = || pdf(2, "A");
    assert_rejects_bad_input(
        lathe,
        "pdf",
        "pdf-page-numbers",
        "a.pdf",
        good(),
        ("a.png", png_rgba(4, 4)),
    );
    for settings in [
        r#"{"position":"c"}"#,
        r#"{"fontSize":5}"#,
        r#"{"fontSize":25}"#,
        r#"{"format":"page"}"#,
        r#"{"format":"{n} ページ"}"#,
        r#"{"startAt":-1}"#,
        r#"{"startAt":1.5}"#,
    ] {
        invalid(lathe, "pdf", "pdf-page-numbers", "a.pdf", good(), settings);
    }
    let r = lathe.run_tool(
        "pdf",
        "pdf-page-numbers",
        "a.pdf",
        good(),
        r#"{"range":"5-9"}"#,
    );
    assert!(
        (400..500).contains(&r.status),
        "range past the end: {}",
        r.status
    );
    r.assert_client_error(r.status);
    lathe.assert_healthy();
}

#[test]
fn protect_then_unlock_round_trips() {
    let lathe = shared();
    let original = pdf(3, "P");
    let (_, locked) = lathe.run_and_download(
        "pdf",
        "protect-pdf",
        &[("file", "p.pdf", original.clone())],
        r#"{"userPassword":"s3cret (pw)"}"#,
    );
    assert!(locked.starts_with(b"%PDF-"));
    // The raw file has an AES-256 /Encrypt dictionary and no readable page text.
    let raw = String::from_utf8_lossy(&locked);
    assert!(raw.contains("/Encrypt"), "no /Encrypt in the trailer");
    assert!(!raw.contains("P page 1"), "page text is in the clear");
    let encrypt = raw.split("/Filter").nth(1).unwrap_or("");
    assert!(encrypt.contains("/Standard"), "standard security handler");
    assert!(
        raw.contains("/V 5") && raw.contains("/AESV3"),
        "AES-256 (V 5, AESV3)"
    );
    // lathe's own loaders refuse it without the password.
    let r = lathe.run_tool("pdf", "pdf-to-text", "p.pdf", locked.clone(), "{}");
    r.assert_client_error(400);
    // qpdf (when installed) decrypts it with the password and fails without.
    if let Ok(out) = std::process::Command::new("qpdf").arg("--version").output() {
        if out.status.success() {
            let dir = tempfile::tempdir().unwrap();
            let src = dir.path().join("locked.pdf");
            let dst = dir.path().join("open.pdf");
            std::fs::write(&src, &locked).unwrap();
            let ok = std::process::Command::new("qpdf")
                .arg("--password=s3cret (pw)")
                .arg("--decrypt")
                .arg(&src)
                .arg(&dst)
                .status()
                .unwrap();
            assert!(ok.code() == Some(0) || ok.code() == Some(3), "qpdf: {ok}");
            assert_eq!(
                pdf_page_texts(&std::fs::read(&dst).unwrap()),
                ["P page 1", "P page 2", "P page 3"]
            );
            let bad = std::process::Command::new("qpdf")
                .arg("--password=nope")
                .arg("--decrypt")
                .arg(&src)
                .arg(dir.path().join("bad.pdf"))
                .status()
                .unwrap();
            assert!(!bad.success(), "qpdf opened it with a wrong password");
        }
    } else {
        eprintln!("qpdf not installed: skipping the qpdf cross-check");
    }
    // Wrong password → 400 INVALID_SETTINGS.
    let r = lathe.run_tool(
        "pdf",
        "unlock-pdf",
        "p.pdf",
        locked.clone(),
        r#"{"password":"wrong"}"#,
    );
    assert_eq!(r.assert_client_error(400), "INVALID_SETTINGS");
    assert!(
        r.json()["error"]
            .as_str()
            .unwrap()
            .contains("wrong password"),
        "{}",
        r.json()
    );
    // The right password gives the original pages back, without /Encrypt.
    let (_, open) = lathe.run_and_download(
        "pdf",
        "unlock-pdf",
        &[("file", "p.pdf", locked)],
        r#"{"password":"s3cret (pw)"}"#,
    );
    assert!(!String::from_utf8_lossy(&open).contains("/Encrypt"));
    assert_eq!(pdf_page_texts(&open), ["P page 1", "P page 2", "P page 3"]);
    // The owner password unlocks it too.
    let (_, locked) = lathe.run_and_download(
        "pdf",
        "protect-pdf",
        &[("file", "p.pdf", original)],
        r#"{"userPassword":"user","ownerPassword":"boss"}"#,
    );
    let (_, open) = lathe.run_and_download(
        "pdf",
        "unlock-pdf",
        &[("file", "p.pdf", locked)],
        r#"{"password":"boss"}"#,
    );
    assert_eq!(pdf_page_texts(&open).len(), 3);
    lathe.assert_healthy();
}

/// A PDF locked by protect-pdf (AES-256, standard security handler R6) opens with its
/// passwords in the mainstream readers' libraries: pypdf (user and owner password, page
/// text read back) and qpdf; a wrong password opens nothing.
#[test]
fn protected_pdfs_open_in_pypdf_and_qpdf() {
    let lathe = shared();
    let (_, locked) = lathe.run_and_download(
        "pdf",
        "protect-pdf",
        &[("file", "p.pdf", pdf(2, "Q"))],
        r#"{"userPassword":"pässwort 1","ownerPassword":"chef"}"#,
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("locked.pdf");
    std::fs::write(&path, &locked).unwrap();
    let script = r#"
import sys
from pypdf import PdfReader
path = sys.argv[1]
r = PdfReader(path)
enc = r.trailer["/Encrypt"].get_object()
print("R", enc["/R"], "V", enc["/V"])
for pw in ["pässwort 1", "chef", "wrong"]:
    r = PdfReader(path)
    got = int(r.decrypt(pw))
    texts = [p.extract_text().strip() for p in r.pages] if got else []
    print(pw, got, "|".join(texts))
"#;
    let out = std::process::Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(&path)
        .output()
        .expect("python3 is installed");
    assert!(
        out.status.success(),
        "pypdf (.ci/run installs it): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = String::from_utf8_lossy(&out.stdout).to_string();
    let lines: Vec<&str> = report.lines().collect();
    assert_eq!(lines[0], "R 6 V 5", "{report}");
    assert_eq!(lines[1], "pässwort 1 1 Q page 1|Q page 2", "user: {report}");
    assert_eq!(lines[2], "chef 2 Q page 1|Q page 2", "owner: {report}");
    assert_eq!(lines[3], "wrong 0 ", "{report}");
    for (password, ok) in [("pässwort 1", true), ("chef", true), ("wrong", false)] {
        let status = std::process::Command::new("qpdf")
            .arg(format!("--password={password}"))
            .arg("--check")
            .arg(&path)
            .output()
            .expect("qpdf is installed (.ci/run installs it)")
            .status;
        assert_eq!(status.success(), ok, "qpdf with '{password}'");
    }
}

#[test]
fn protect_and_unlock_reject_bad_input() {
    let lathe = shared();
    let good = || pdf(1, "A");
    assert_rejects_bad_input(
        lathe,
        "pdf",
        "protect-pdf",
        "a.pdf",
        good(),
        ("a.png", png_rgba(4, 4)),
    );
    assert_rejects_bad_input(
        lathe,
        "pdf",
        "unlock-pdf",
        "a.pdf",
        good(),
        ("a.png", png_rgba(4, 4)),
    );
    for settings in [
        "{}",
        r#"{"userPassword":""}"#,
        &format!(r#"{{"userPassword":"{}"}}"#, "x".repeat(257)),
        r#"{"userPassword":"a","ownerPassword":""}"#,
    ] {
        invalid(lathe, "pdf", "protect-pdf", "a.pdf", good(), settings);
    }
    for settings in ["{}", r#"{"password":""}"#] {
        invalid(lathe, "pdf", "unlock-pdf", "a.pdf", good(), settings);
    }
    // A file without a password cannot be unlocked.
    let r = lathe.run_tool("pdf", "unlock-pdf", "a.pdf", good(), r#"{"password":"x"}"#);
    assert_eq!(r.assert_client_error(400), "UNSUPPORTED_INPUT");
    lathe.assert_healthy();
}

/// `pdf(2, "O")` with an owner password only (empty user password, restricted
/// permissions), encrypted with RC4-128 (V 2, R 3) by lopdf. protect-pdf always sets a user
/// password, so this fixture is built here. (lopdf 0.36's AES-256 writes a /Perms entry
/// that does not validate, so AES files come from qpdf, see [`qpdf_owner_only_pdf`].)
fn owner_only_pdf(owner: &str) -> Vec<u8> {
    use lopdf::{Document, EncryptionState, EncryptionVersion, Object, Permissions, StringFormat};
    let mut doc = Document::load_mem(&pdf(2, "O")).unwrap();
    let id = b"lathe-owner-only".to_vec();
    doc.trailer.set(
        "ID",
        vec![
            Object::String(id.clone(), StringFormat::Hexadecimal),
            Object::String(id, StringFormat::Hexadecimal),
        ],
    );
    let state = EncryptionState::try_from(EncryptionVersion::V2 {
        document: &doc,
        owner_password: owner,
        user_password: "",
        key_length: 128,
        permissions: Permissions::PRINTABLE,
    })
    .unwrap();
    doc.encrypt(&state).unwrap();
    for object in doc.objects.values_mut() {
        if let Object::Stream(stream) = object {
            let len = stream.content.len() as i64;
            stream.dict.set("Length", len);
        }
    }
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    out
}

/// `pdf(2, "O")` encrypted by qpdf (when installed) with an empty user password and
/// `owner`, at `bits` 256 (AES-256, R 6) or 128 (AES-128, R 4).
fn qpdf_owner_only_pdf(owner: &str, bits: &str) -> Option<Vec<u8>> {
    let dir = tempfile::tempdir().unwrap();
    let (src, dst) = (dir.path().join("in.pdf"), dir.path().join("out.pdf"));
    std::fs::write(&src, pdf(2, "O")).unwrap();
    let mut cmd = std::process::Command::new("qpdf");
    cmd.args(["--encrypt", "", owner, bits]);
    if bits == "128" {
        cmd.arg("--use-aes=y");
    }
    let status = cmd
        .arg("--print=none")
        .arg("--")
        .arg(&src)
        .arg(&dst)
        .status()
        .ok()?;
    status.success().then(|| std::fs::read(&dst).unwrap())
}

#[test]
fn unlock_checks_the_owner_password_of_a_file_without_user_password() {
    let lathe = shared();
    let mut cases = vec![("RC4-128", owner_only_pdf("boss"))];
    for (name, bits) in [("AES-256", "256"), ("AES-128", "128")] {
        match qpdf_owner_only_pdf("boss", bits) {
            Some(file) => cases.push((name, file)),
            None => eprintln!("qpdf not installed: skipping the {name} case"),
        }
    }
    for (name, locked) in cases {
        assert!(String::from_utf8_lossy(&locked).contains("/Encrypt"));
        // It opens without a password, but a wrong password must not unlock it.
        for wrong in ["wrong", "bos", "boss "] {
            let r = lathe.run_tool(
                "pdf",
                "unlock-pdf",
                "o.pdf",
                locked.clone(),
                &format!(r#"{{"password":"{wrong}"}}"#),
            );
            assert_eq!(
                r.assert_client_error(400),
                "INVALID_SETTINGS",
                "{name} password={wrong:?}: {}",
                r.json()
            );
            assert!(
                r.json()["error"]
                    .as_str()
                    .unwrap()
                    .contains("wrong password"),
                "{}",
                r.json()
            );
        }
        // The owner password unlocks it: no /Encrypt, the pages readable.
        let (body, open) = lathe.run_and_download(
            "pdf",
            "unlock-pdf",
            &[("file", "o.pdf", locked)],
            r#"{"password":"boss"}"#,
        );
        assert_eq!(body["pageCount"], 2, "{body}");
        assert!(!String::from_utf8_lossy(&open).contains("/Encrypt"));
        let doc = lopdf::Document::load_mem(&open).unwrap();
        assert!(!doc.is_encrypted(), "{name}");
        assert_eq!(pdf_page_texts(&open), ["O page 1", "O page 2"]);
    }
    lathe.assert_healthy();
}
