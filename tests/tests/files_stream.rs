//! End-to-end tests of the streaming path (`files/csv-json` behind the stream gateway): an
//! upload of several store chunks is converted piece by piece, with records split across
//! chunk borders, and the result is downloaded in chunks with the right length.

use lathe_tests::{json, shared, Value};

/// A CSV of about `target` bytes whose quoted cells hold commas, quotes and newlines, so
/// records straddle the 1 MiB store chunks at every kind of position.
fn big_csv(target: usize) -> (String, usize) {
    let mut csv = String::from("id,name,amount,flag,note\n");
    let mut rows = 0;
    while csv.len() < target {
        let i = rows;
        csv.push_str(&format!(
            "{i},\"user \"\"{i}\"\"\",{}.{:02},{},\"line one, {i}\nline two\"\n",
            i * 7 % 1000,
            i % 100,
            i % 3 == 0
        ));
        rows += 1;
    }
    (csv, rows)
}

#[test]
fn a_multi_chunk_csv_streams_to_the_same_json() {
    let lathe = shared();
    let (csv, rows) = big_csv(5 * 1024 * 1024 + 12_345);
    let (body, out) = lathe.run_and_download(
        "files",
        "csv-json",
        &[("file", "big.csv", csv.clone().into_bytes())],
        r#"{"pretty":false}"#,
    );
    assert_eq!(body["rows"], json!(rows));
    assert_eq!(body["columns"], json!(5));
    assert_eq!(body["originalSize"], json!(csv.len()));
    let parsed: Value = serde_json::from_slice(&out).expect("valid JSON");
    let items = parsed.as_array().expect("array");
    assert_eq!(items.len(), rows);
    for i in [0, 1, rows / 2, rows - 1] {
        let item = &items[i];
        assert_eq!(item["id"], json!(i));
        assert_eq!(item["name"], json!(format!("user \"{i}\"")));
        assert_eq!(item["flag"], json!(i % 3 == 0));
        assert_eq!(item["note"], json!(format!("line one, {i}\nline two")));
    }
    // Pretty output of the same file parses to the same values.
    let (_, pretty) = lathe.run_and_download(
        "files",
        "csv-json",
        &[("file", "big.csv", csv.into_bytes())],
        "{}",
    );
    assert!(pretty.len() > out.len());
    assert_eq!(serde_json::from_slice::<Value>(&pretty).unwrap(), parsed);
}

#[test]
fn streaming_errors_are_client_errors_and_json_still_converts() {
    let lathe = shared();
    let token = lathe.admin_token();
    // A ragged row far into the file (after the first chunk) is a 400 with a code.
    let (mut csv, rows) = big_csv(2 * 1024 * 1024);
    csv.push_str("1,2\n");
    let r = lathe.post_multipart(
        "/api/v1/tools/files/csv-json",
        Some(&token),
        &[("file", "ragged.csv", csv.into_bytes())],
        None,
    );
    let code = r.assert_client_error(400);
    assert_eq!(code, "UNSUPPORTED_INPUT");
    let message = r.json()["error"].as_str().unwrap().to_string();
    assert!(message.contains(&format!("row {}", rows + 1)), "{message}");
    // Invalid UTF-8 is refused the same way.
    let r = lathe.post_multipart(
        "/api/v1/tools/files/csv-json",
        Some(&token),
        &[("file", "bad.csv", b"a,b\n\xff\xfe,1\n".to_vec())],
        None,
    );
    r.assert_client_error(400);
    // Bad settings JSON is refused before anything is converted.
    let r = lathe.post_multipart(
        "/api/v1/tools/files/csv-json",
        Some(&token),
        &[("file", "a.csv", b"a\n1\n".to_vec())],
        Some("{not json"),
    );
    r.assert_client_error(400);
    // No auth: 401, and the upload is not processed.
    let r = lathe.post_multipart(
        "/api/v1/tools/files/csv-json",
        None,
        &[("file", "a.csv", b"a\n1\n".to_vec())],
        None,
    );
    assert_eq!(r.status, 401);
    // JSON → CSV is not streamed: the gateway falls back to the whole-file run.
    let (_, out) = lathe.run_and_download(
        "files",
        "csv-json",
        &[(
            "file",
            "rows.json",
            br#"[{"a":1,"b":"x"},{"a":2,"b":"y"}]"#.to_vec(),
        )],
        "{}",
    );
    assert_eq!(String::from_utf8(out).unwrap(), "a,b\n1,x\n2,y\n");
}
