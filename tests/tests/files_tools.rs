//! End-to-end tests of the data-file tools (`files/csv-json`, `files/json-xml`,
//! `files/yaml-json`) through the HTTP API.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use lathe_tests::{assert_rejects_bad_input, json, shared, Value};
use quick_xml::events::Event;

/// Runs a files tool on one file and returns the response JSON and the downloaded bytes.
fn run(tool: &str, name: &str, data: &[u8], settings: &str) -> (Value, Vec<u8>) {
    shared().run_and_download("files", tool, &[("file", name, data.to_vec())], settings)
}

/// Runs a files tool expecting a 4xx; returns (status, code, message).
fn reject(tool: &str, name: &str, data: &[u8], settings: &str) -> (u16, String, String) {
    let r = shared().run_tool("files", tool, name, data.to_vec(), settings);
    assert!(
        (400..500).contains(&r.status),
        "{tool} on {name}: expected 4xx, got {}",
        r.status
    );
    let code = r.assert_client_error(r.status);
    let message = r.json()["error"].as_str().unwrap_or_default().to_string();
    (r.status, code, message)
}

fn png() -> Vec<u8> {
    let mut out = Vec::new();
    image::RgbImage::new(4, 4)
        .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
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

fn strings(row: &[&str]) -> Vec<String> {
    row.iter().map(|s| s.to_string()).collect()
}

// ---------------------------------------------------------------------------------------
// csv-json

#[test]
fn csv_to_json_keeps_quotes_utf8_and_infers_types() {
    let csv = "id,name,note,code,price,active,empty\n\
               1,\"Smith, Jane\",\"line1\nline2 \"\"quoted\"\"\",007,9.99,true,\n\
               2,Zoë 東京,plain,0,-1.5e3,false,x\n";
    let (body, out) = run("csv-json", "people.csv", csv.as_bytes(), "{}");
    assert_eq!(body["filename"], "people.json");
    assert_eq!(body["rows"], 2);
    assert_eq!(body["columns"], 7);
    let v: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(
        v,
        json!([
            {"id": 1, "name": "Smith, Jane", "note": "line1\nline2 \"quoted\"", "code": "007",
             "price": 9.99, "active": true, "empty": null},
            {"id": 2, "name": "Zoë 東京", "note": "plain", "code": 0, "price": -1500.0,
             "active": false, "empty": "x"}
        ])
    );
    // Indented by default, keys in header order.
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.starts_with("[\n  {\n    \"id\": 1,\n    \"name\""),
        "{text}"
    );

    let (_, out) = run(
        "csv-json",
        "people.csv",
        csv.as_bytes(),
        r#"{"inferTypes": false, "pretty": false}"#,
    );
    let text = String::from_utf8(out).unwrap();
    assert_eq!(
        text.trim_end().lines().count(),
        1,
        "compact output is one line: {text}"
    );
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v[0]["id"], "1");
    assert_eq!(v[0]["empty"], "");
    assert_eq!(v[1]["active"], "false");
    assert_eq!(v[1]["name"], "Zoë 東京");
}

#[test]
fn csv_json_reads_tsv_and_sniffs_tabs() {
    let tsv = "city\tpop\tnote\nOslo\t709037\thas, comma\nBergen\t285900\t\n";
    let expected = json!([
        {"city": "Oslo", "pop": 709037, "note": "has, comma"},
        {"city": "Bergen", "pop": 285900, "note": null}
    ]);
    let (_, out) = run("csv-json", "cities.tsv", tsv.as_bytes(), "{}");
    assert_eq!(serde_json::from_slice::<Value>(&out).unwrap(), expected);
    // A .csv whose first line has tabs and no commas is read as TSV.
    let sniffed = "city\tpop\tnote\nOslo\t709037\tx\n";
    let (_, out) = run("csv-json", "cities.csv", sniffed.as_bytes(), "{}");
    assert_eq!(
        serde_json::from_slice::<Value>(&out).unwrap(),
        json!([{"city": "Oslo", "pop": 709037, "note": "x"}])
    );
    // A header without rows is an empty array.
    let (_, out) = run("csv-json", "empty.csv", b"a,b\n", "{}");
    assert_eq!(serde_json::from_slice::<Value>(&out).unwrap(), json!([]));
}

#[test]
fn json_to_csv_unions_keys_and_quotes_fields() {
    // Written by hand: `json!` would sort the keys.
    let doc = r#"[
        {"name": "A, B", "n": 1, "tags": ["x", "y"]},
        {"name": "say \"hi\"\nthere", "extra": null, "n": 2.5, "ok": true},
        {"extra": "Zoë"}
    ]"#;
    let (body, out) = run("csv-json", "rows.json", doc.as_bytes(), "{}");
    assert_eq!(body["filename"], "rows.csv");
    let rows = parse_csv(std::str::from_utf8(&out).unwrap());
    assert_eq!(
        rows,
        vec![
            strings(&["name", "n", "tags", "extra", "ok"]),
            strings(&["A, B", "1", "[\"x\",\"y\"]", "", ""]),
            strings(&["say \"hi\"\nthere", "2.5", "", "", "true"]),
            strings(&["", "", "", "Zoë", ""]),
        ]
    );
    // One object is one row.
    let (_, out) = run(
        "csv-json",
        "one.json",
        br#"{"b": "x", "a": {"k": 1}}"#,
        "{}",
    );
    assert_eq!(
        parse_csv(std::str::from_utf8(&out).unwrap()),
        vec![strings(&["b", "a"]), strings(&["x", "{\"k\":1}"])]
    );
    // CSV → JSON → CSV gives the CSV back.
    let csv = "id,name,code\n1,\"Smith, Jane\",007\n2,\"q\"\"uote\",\n";
    let (_, json_out) = run(
        "csv-json",
        "t.csv",
        csv.as_bytes(),
        r#"{"inferTypes": false}"#,
    );
    let (_, csv_out) = run("csv-json", "t.json", &json_out, "{}");
    assert_eq!(
        parse_csv(std::str::from_utf8(&csv_out).unwrap()),
        parse_csv(csv)
    );
}

#[test]
fn csv_json_rejects_bad_input() {
    let lathe = shared();
    assert_rejects_bad_input(
        lathe,
        "files",
        "csv-json",
        "data.csv",
        b"a,b\n1,2\n".to_vec(),
        ("a.png", png()),
    );
    let (status, code, message) = reject("csv-json", "ragged.csv", b"a,b,c\n1,2,3\n4,5\n", "{}");
    assert_eq!((status, code.as_str()), (400, "UNSUPPORTED_INPUT"));
    assert!(
        message.contains("row 2")
            && message.contains("2 fields")
            && message.contains("header has 3"),
        "{message}"
    );
    let (status, code, message) = reject("csv-json", "number.json", b"42", "{}");
    assert_eq!((status, code.as_str()), (400, "UNSUPPORTED_INPUT"));
    assert!(message.contains("a number"), "{message}");
    let (status, _, _) = reject("csv-json", "mixed.json", br#"[{"a":1}, "x"]"#, "{}");
    assert_eq!(status, 400);
    let (status, _, _) = reject("csv-json", "broken.json", br#"[{"a":1}"#, "{}");
    assert_eq!(status, 400);
    let (status, _, _) = reject("csv-json", "latin1.csv", b"name\nZo\xeb\n", "{}");
    assert_eq!(status, 400);
    let (status, code, _) = reject(
        "csv-json",
        "data.csv",
        b"a\n1\n",
        r#"{"inferTypes": "yes"}"#,
    );
    assert_eq!((status, code.as_str()), (400, "INVALID_SETTINGS"));
    let (status, _, _) = reject("csv-json", "notes.txt", b"a,b\n1,2\n", "{}");
    assert_eq!(status, 400);
    lathe.assert_healthy();
}

// ---------------------------------------------------------------------------------------
// json-xml

/// A parsed XML element: name, attributes, text and children.
#[derive(Debug, Default)]
struct Element {
    name: String,
    attrs: BTreeMap<String, String>,
    text: String,
    children: Vec<Element>,
}

impl Element {
    fn child(&self, name: &str) -> &Element {
        self.children
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("<{name}> missing in {self:?}"))
    }

    fn all(&self, name: &str) -> Vec<&Element> {
        self.children.iter().filter(|c| c.name == name).collect()
    }
}

/// Parses XML with quick-xml into an [`Element`] tree.
fn parse_xml(xml: &[u8]) -> Element {
    let text = std::str::from_utf8(xml).unwrap();
    let mut reader = quick_xml::Reader::from_str(text);
    let mut stack: Vec<Element> = vec![Element::default()];
    let open = |e: &quick_xml::events::BytesStart| Element {
        name: String::from_utf8(e.name().as_ref().to_vec()).unwrap(),
        attrs: e
            .attributes()
            .map(|a| {
                let a = a.unwrap();
                (
                    String::from_utf8(a.key.as_ref().to_vec()).unwrap(),
                    a.unescape_value().unwrap().into_owned(),
                )
            })
            .collect(),
        ..Default::default()
    };
    loop {
        match reader.read_event().unwrap() {
            Event::Start(e) => stack.push(open(&e)),
            Event::Empty(e) => {
                let el = open(&e);
                stack.last_mut().unwrap().children.push(el);
            }
            Event::End(_) => {
                let el = stack.pop().unwrap();
                stack.last_mut().unwrap().children.push(el);
            }
            Event::Text(t) => stack
                .last_mut()
                .unwrap()
                .text
                .push_str(t.unescape().unwrap().trim()),
            Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(stack.len(), 1);
    let mut doc = stack.pop().unwrap();
    assert_eq!(doc.children.len(), 1, "one root element");
    doc.children.pop().unwrap()
}

#[test]
fn json_to_xml_writes_attributes_arrays_and_escapes() {
    let doc = json!({
        "book": {
            "@id": "b1",
            "@lang": "en & \"fr\"",
            "title": "Tom <&> Jerry",
            "authors": {"author": ["Ann", "Bo"]},
            "note": {"@type": "short", "#text": "hi <there>"}
        },
        "count": 3,
        "bad key": "x",
        "1st": "y",
        "none": null
    });
    let (body, xml) = run(
        "json-xml",
        "lib.json",
        doc.to_string().as_bytes(),
        r#"{"rootName": "library"}"#,
    );
    assert_eq!(body["filename"], "lib.xml");
    let text = std::str::from_utf8(&xml).unwrap();
    assert!(
        text.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"),
        "{text}"
    );
    assert!(text.contains("Tom &lt;&amp;&gt; Jerry"), "{text}");
    assert!(text.contains("\n  <book"), "indented by default: {text}");
    let root = parse_xml(&xml);
    assert_eq!(root.name, "library");
    let book = root.child("book");
    assert_eq!(book.attrs.get("id").map(String::as_str), Some("b1"));
    assert_eq!(
        book.attrs.get("lang").map(String::as_str),
        Some("en & \"fr\"")
    );
    assert_eq!(book.child("title").text, "Tom <&> Jerry");
    let authors: Vec<&str> = book
        .child("authors")
        .all("author")
        .iter()
        .map(|a| a.text.as_str())
        .collect();
    assert_eq!(authors, ["Ann", "Bo"]);
    let note = book.child("note");
    assert_eq!(
        (note.attrs["type"].as_str(), note.text.as_str()),
        ("short", "hi <there>")
    );
    assert_eq!(root.child("count").text, "3");
    assert_eq!(root.child("bad_key").text, "x");
    assert_eq!(root.child("_1st").text, "y");
    assert!(root.child("none").children.is_empty());

    // A top-level array gives <item> elements; compact output has no indentation.
    let (_, xml) = run(
        "json-xml",
        "list.json",
        br#"[{"a": "1"}, {"a": "2"}, "three"]"#,
        r#"{"pretty": false}"#,
    );
    assert!(!std::str::from_utf8(&xml).unwrap().contains("\n  "));
    let root = parse_xml(&xml);
    assert_eq!(root.name, "root");
    let items = root.all("item");
    assert_eq!(items.len(), 3);
    assert_eq!(items[1].child("a").text, "2");
    assert_eq!(items[2].text, "three");
}

#[test]
fn json_xml_round_trip_keeps_the_data() {
    let doc = json!({
        "catalog": {
            "@version": "2",
            "product": [
                {"@sku": "a-1", "name": "Widget <small> & co", "price": "9.99", "tags": {"tag": ["x", "y"]}},
                {"@sku": "b-2", "name": "Gadget — “quoted” 東京", "price": "19.50", "tags": {"tag": ["z", "w"]}}
            ],
            "owner": {"name": "Ann", "email": "ann@example.com"},
            "comment": {"@lang": "en", "#text": "multi\nline"}
        }
    });
    for settings in ["{}", r#"{"pretty": false}"#] {
        let (_, xml) = run("json-xml", "doc.json", doc.to_string().as_bytes(), settings);
        let (body, back) = run("json-xml", "doc.xml", &xml, settings);
        assert_eq!(body["filename"], "doc.json");
        assert_eq!(body["rootName"], "root");
        assert_eq!(
            serde_json::from_slice::<Value>(&back).unwrap(),
            doc,
            "settings {settings}"
        );
    }
}

#[test]
fn xml_to_json_reads_attributes_repeats_text_and_entities() {
    let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<!-- a comment -->
<feed xmlns:x="urn:x" id="7">
  <entry n="1">First &amp; best &#x41;&#66;</entry>
  <entry n="2"><![CDATA[<raw> & stuff]]></entry>
  <x:meta>m</x:meta>
  <empty/>
  <mixed>before <b>bold</b> after</mixed>
</feed>"#;
    let (body, out) = run("json-xml", "feed.xml", xml.as_bytes(), "{}");
    assert_eq!(body["rootName"], "feed");
    let v: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(
        v,
        json!({
            "@xmlns:x": "urn:x",
            "@id": "7",
            "entry": [
                {"@n": "1", "#text": "First & best AB"},
                {"@n": "2", "#text": "<raw> & stuff"}
            ],
            "x:meta": "m",
            "empty": "",
            "mixed": {"#text": "before  after", "b": "bold"}
        })
    );
}

#[test]
fn json_xml_rejects_bad_input() {
    let lathe = shared();
    assert_rejects_bad_input(
        lathe,
        "files",
        "json-xml",
        "doc.xml",
        b"<a>1</a>".to_vec(),
        ("a.txt", b"hello".to_vec()),
    );
    assert_rejects_bad_input(
        lathe,
        "files",
        "json-xml",
        "doc.json",
        b"{\"a\":1}".to_vec(),
        ("a.png", png()),
    );

    let mut bomb =
        String::from("<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n<!ENTITY lol \"lol\">\n");
    for i in 1..10 {
        let prev = if i == 1 {
            "lol".to_string()
        } else {
            format!("lol{}", i - 1)
        };
        bomb.push_str(&format!(
            "<!ENTITY lol{i} \"{}\">\n",
            format!("&{prev};").repeat(10)
        ));
    }
    bomb.push_str("]>\n<lolz>&lol9;</lolz>\n");
    let started = Instant::now();
    let (status, code, message) = reject("json-xml", "bomb.xml", bomb.as_bytes(), "{}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "bomb took {:?}",
        started.elapsed()
    );
    assert_eq!((status, code.as_str()), (400, "UNSUPPORTED_INPUT"));
    assert!(message.contains("DOCTYPE"), "{message}");

    let xxe = "<?xml version=\"1.0\"?><!DOCTYPE foo [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]><foo>&xxe;</foo>";
    assert_eq!(reject("json-xml", "xxe.xml", xxe.as_bytes(), "{}").0, 400);
    for bad in [
        "<a><b></a>",
        "<a>",
        "<a>&undefined;</a>",
        "<a/><b/>",
        "</a>",
        "just text",
        "<a x=1/>",
    ] {
        let (status, code, _) = reject("json-xml", "bad.xml", bad.as_bytes(), "{}");
        assert_eq!(
            (status, code.as_str()),
            (400, "UNSUPPORTED_INPUT"),
            "{bad:?}"
        );
    }
    let deep = format!("{}{}", "<d>".repeat(300), "</d>".repeat(300));
    let (_, _, message) = reject("json-xml", "deep.xml", deep.as_bytes(), "{}");
    assert!(message.contains("256"), "{message}");
    let (status, code, _) = reject("json-xml", "doc.json", b"{}", r#"{"rootName": "1 bad"}"#);
    assert_eq!((status, code.as_str()), (400, "INVALID_SETTINGS"));
    lathe.assert_healthy();
}

// ---------------------------------------------------------------------------------------
// yaml-json

#[test]
fn yaml_to_json_reads_documents_nested_maps_and_anchors() {
    let docs = [
        "name: app\nservers:\n  - host: a.example\n    ports: [80, 443]\n  - host: b.example\n    ports: []\nlimits:\n  cpu: 1.5\n  enabled: true\n  note: ~\n  code: '007'\n",
        "list:\n  - one\n  - {nested: {deep: [1, 2, {x: y}]}}\ntext: |\n  line 1\n  line 2\n",
    ];
    let yaml = format!("---\n{}---\n{}", docs[0], docs[1]);
    let (body, out) = run("yaml-json", "config.yaml", yaml.as_bytes(), "{}");
    assert_eq!(body["filename"], "config.json");
    assert_eq!(body["documents"], 2);
    let got: Value = serde_json::from_slice(&out).unwrap();
    let expected: Vec<Value> = docs
        .iter()
        .map(|d| serde_yaml::from_str(d).unwrap())
        .collect();
    assert_eq!(got, Value::Array(expected));
    assert_eq!(got[0]["limits"]["code"], "007");
    assert_eq!(got[1]["text"], "line 1\nline 2\n");

    // One document is the value itself; anchors, aliases and merge keys resolve; .yml works.
    let yaml =
        "base: &base {retries: 3, timeout: 10}\nprod:\n  <<: *base\n  timeout: 30\ncopy: *base\n";
    let (_, out) = run(
        "yaml-json",
        "one.yml",
        yaml.as_bytes(),
        r#"{"pretty": false}"#,
    );
    let text = String::from_utf8(out).unwrap();
    assert_eq!(text.trim_end().lines().count(), 1);
    let got: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        got,
        json!({"base": {"retries": 3, "timeout": 10}, "prod": {"timeout": 30, "retries": 3},
               "copy": {"retries": 3, "timeout": 10}})
    );
}

#[test]
fn json_to_yaml_keeps_order_and_values() {
    // Written by hand: `json!` would sort the keys.
    let text = r#"{"zeta": {"b": [1, 2.5, "three", null, true], "a": {"deep": {"er": "x"}}},
        "alpha": "007", "multi": "line 1\nline 2", "yes": "yes"}"#;
    let doc: Value = serde_json::from_str(text).unwrap();
    let (body, out) = run("yaml-json", "doc.json", text.as_bytes(), "{}");
    assert_eq!(body["filename"], "doc.yaml");
    let yaml = std::str::from_utf8(&out).unwrap();
    let back: Value = serde_yaml::from_str(yaml).unwrap();
    assert_eq!(back, doc);
    assert!(
        yaml.find("zeta").unwrap() < yaml.find("alpha").unwrap(),
        "key order kept: {yaml}"
    );

    // multiDocument: a top-level array becomes a stream of documents.
    let (_, out) = run(
        "yaml-json",
        "docs.json",
        br#"[{"a": 1}, {"b": [2]}]"#,
        r#"{"multiDocument": true}"#,
    );
    let stream = std::str::from_utf8(&out).unwrap();
    assert!(stream.starts_with("---\n"), "{stream}");
    let docs: Vec<Value> = stream
        .split("---\n")
        .filter(|d| !d.trim().is_empty())
        .map(|d| serde_yaml::from_str(d).unwrap())
        .collect();
    assert_eq!(docs, vec![json!({"a": 1}), json!({"b": [2]})]);
    // And back: YAML stream → JSON array.
    let (_, out) = run("yaml-json", "docs.yaml", &out, "{}");
    assert_eq!(
        serde_json::from_slice::<Value>(&out).unwrap(),
        json!([{"a": 1}, {"b": [2]}])
    );
}

#[test]
fn yaml_json_rejects_bad_input_and_alias_bombs() {
    let lathe = shared();
    assert_rejects_bad_input(
        lathe,
        "files",
        "yaml-json",
        "doc.yaml",
        b"a: 1\n".to_vec(),
        ("a.png", png()),
    );

    let mut laughs = String::from(
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    for (i, c) in "bcdefghi".chars().enumerate() {
        let p = (b'a' + i as u8) as char;
        laughs.push_str(&format!(
            "{c}: &{c} [{}]\n",
            vec![format!("*{p}"); 9].join(",")
        ));
    }
    let started = Instant::now();
    let (status, code, _) = reject("yaml-json", "laughs.yaml", laughs.as_bytes(), "{}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "billion laughs took {:?}",
        started.elapsed()
    );
    assert_eq!((status, code.as_str()), (400, "UNSUPPORTED_INPUT"));

    // Few aliases of a wide anchor: under serde_yaml's jump limit, stopped by the value budget.
    let wide = format!(
        "a: &a [{}1]\nb: [{}*a]\n",
        "1,".repeat(50_000),
        "*a,".repeat(50_000)
    );
    let started = Instant::now();
    let (status, _, message) = reject("yaml-json", "wide.yaml", wide.as_bytes(), "{}");
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "wide alias bomb took {:?}",
        started.elapsed()
    );
    assert_eq!(status, 400);
    assert!(message.contains("values"), "{message}");

    let big = format!("k: \"{}\"\n", "x".repeat(11 * 1024 * 1024));
    let (status, code, _) = reject("yaml-json", "big.yaml", big.as_bytes(), "{}");
    assert_eq!((status, code.as_str()), (413, "TOO_LARGE"));
    for bad in ["a: [1, 2", "a: b: c", "- a\nb: c", "x: *undefined"] {
        let (status, code, _) = reject("yaml-json", "bad.yaml", bad.as_bytes(), "{}");
        assert_eq!(
            (status, code.as_str()),
            (400, "UNSUPPORTED_INPUT"),
            "{bad:?}"
        );
    }
    let (status, _, _) = reject("yaml-json", "bad.json", b"{\"a\": }", "{}");
    assert_eq!(status, 400);
    let (status, code, _) = reject("yaml-json", "doc.yaml", b"a: 1", r#"{"pretty": 3}"#);
    assert_eq!((status, code.as_str()), (400, "INVALID_SETTINGS"));
    lathe.assert_healthy();
}
