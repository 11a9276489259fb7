//! `files/markdown-to-html`: Markdown (CommonMark plus GitHub-style tables, footnotes,
//! strikethrough and task lists) to a complete, standalone HTML5 document.
//!
//! The document has `<!doctype html>`, `<meta charset="utf-8">`, a `<title>` taken from the
//! first heading (else the file name) and a small embedded stylesheet; nothing is loaded
//! from elsewhere. Raw HTML in the Markdown is escaped and shown as text unless the
//! `allowHtml` setting is `true` (off by default: the output is safe to open).

use lathe_tool_sdk::escape_markup as escape;
use lathe_tool_sdk::{
    invalid_settings, parse_settings, Input, Output, OutputFile, Produces, Section, Tool,
    ToolError, ToolInfo,
};
use pulldown_cmark::{html, Event, Options, Parser, Tag, TagEnd};
use serde::Deserialize;

/// The most bytes of Markdown accepted.
const MAX_INPUT: usize = 32 * 1024 * 1024;

/// The embedded stylesheet.
const STYLE: &str = "body{max-width:46rem;margin:2rem auto;padding:0 1rem;font-family:system-ui,-apple-system,\"Segoe UI\",Roboto,sans-serif;line-height:1.6;color:#1f2328}\
pre,code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.9em}\
pre{background:#f6f8fa;padding:.8rem;overflow:auto;border-radius:6px}\
code{background:#f6f8fa;padding:.1em .3em;border-radius:4px}pre code{background:none;padding:0}\
table{border-collapse:collapse;margin:1rem 0}th,td{border:1px solid #d0d7de;padding:.3rem .7rem}th{background:#f6f8fa}\
blockquote{margin:0;padding:0 1rem;color:#57606a;border-left:.25rem solid #d0d7de}\
img{max-width:100%}h1,h2{border-bottom:1px solid #d8dee4;padding-bottom:.3em}\
.footnote-definition{font-size:.9em}li.task{list-style:none}";

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Settings {
    /// Pass raw HTML through instead of escaping it.
    allow_html: Option<serde_json::Value>,
}

/// `allowHtml` as a boolean (`true`/`false`, also as strings); default `false`.
fn allow_html(value: Option<&serde_json::Value>) -> Result<bool, ToolError> {
    match value {
        None | Some(serde_json::Value::Null) => Ok(false),
        Some(serde_json::Value::Bool(b)) => Ok(*b),
        Some(serde_json::Value::String(s)) if s == "true" => Ok(true),
        Some(serde_json::Value::String(s)) if s == "false" => Ok(false),
        Some(other) => Err(invalid_settings(format!(
            "allowHtml must be true or false, got {other}"
        ))),
    }
}

/// The plain text of the first heading of any level, if there is one with text.
fn first_heading(markdown: &str, options: Options) -> Option<String> {
    let mut title = String::new();
    let mut inside = false;
    for event in Parser::new_ext(markdown, options) {
        match event {
            Event::Start(Tag::Heading { .. }) => inside = true,
            Event::End(TagEnd::Heading(_)) => {
                let t = title.split_whitespace().collect::<Vec<_>>().join(" ");
                if !t.is_empty() {
                    return Some(t);
                }
                inside = false;
            }
            Event::Text(t) | Event::Code(t) if inside => title.push_str(&t),
            Event::SoftBreak | Event::HardBreak if inside => title.push(' '),
            _ => {}
        }
    }
    None
}

/// Converts Markdown to a complete HTML5 document.
fn convert(markdown: &str, fallback_title: &str, allow_html: bool) -> String {
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS;
    let title = first_heading(markdown, options).unwrap_or_else(|| fallback_title.to_string());
    let events = Parser::new_ext(markdown, options).map(|event| match event {
        Event::Html(raw) if !allow_html => Event::Text(raw),
        Event::InlineHtml(raw) if !allow_html => Event::Text(raw),
        other => other,
    });
    let mut body = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut body, events);
    format!(
        "<!doctype html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{body}</body>\n</html>\n",
        escape(&title)
    )
}

struct MarkdownToHtml;

impl Tool for MarkdownToHtml {
    fn describe() -> ToolInfo {
        ToolInfo::one_file(
            ("markdown-to-html", Section::Files, "Markdown to HTML", "Convert Markdown (tables, footnotes, strikethrough, task lists) to a standalone HTML5 page."),
            serde_json::json!({
                "allowHtml": {"type": "boolean", "default": false, "description": "pass raw HTML through instead of escaping it"}
            }),
            &["md", "markdown", "txt"],
            Produces::types(&["html"]),
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let settings: Settings = parse_settings(settings)?;
        let allow_html = allow_html(settings.allow_html.as_ref())?;
        let input = &inputs[0];
        let markdown = input.text(MAX_INPUT)?;
        let html = convert(markdown, input.stem(), allow_html);
        Ok(Output::file(OutputFile::new(
            format!("{}.html", input.stem()),
            "text/html",
            html.into_bytes(),
        )))
    }
}

lathe_tool_sdk::export_tool!(MarkdownToHtml);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_and_escapes() {
        let md = "# Hello *there*\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n<script>alert(1)</script>\n\n- [x] done\n\n~~old~~ text[^1]\n\n[^1]: note\n";
        let out = convert(md, "doc", false);
        assert!(out.starts_with("<!doctype html>"));
        assert!(out.contains("<title>Hello there</title>"));
        assert!(out.contains("<table>"));
        assert!(out.contains("&lt;script&gt;"));
        assert!(!out.contains("<script>"));
        assert!(out.contains("<del>old</del>"));
        assert!(out.contains("type=\"checkbox\""));
        assert!(convert(md, "doc", true).contains("<script>"));
        assert!(convert("plain", "doc", false).contains("<title>doc</title>"));
    }
}
