//! Blocks as a Word (`.docx`) document, through `lathe-docx-kit`.

use lathe_docx_kit::{DocxBuilder, Paragraph, Run, Style};

use crate::{Block, Span};

/// Word runs for spans.
fn runs(spans: &[Span]) -> Vec<Run> {
    spans
        .iter()
        .map(|s| Run {
            text: s.text.clone(),
            bold: s.style.bold,
            italic: s.style.italic,
            code: s.style.code,
            strike: s.style.strike,
        })
        .collect()
}

/// Writes blocks as Word paragraphs: headings, quotes, list items (marker and a tab,
/// indented by depth), code lines, a rule as three em dashes, table rows as
/// tab-separated paragraphs (the header row bold) and page breaks.
pub fn blocks_to_docx(blocks: &[Block]) -> DocxBuilder {
    let mut doc = DocxBuilder::new();
    for block in blocks {
        match block {
            Block::Heading { level, spans } => doc.paragraph(&Paragraph {
                style: Style::Heading(*level),
                indent: 0,
                runs: runs(spans),
            }),
            Block::Paragraph {
                spans,
                indent,
                quote,
            } => doc.paragraph(&Paragraph {
                style: if *quote > 0 {
                    Style::Quote
                } else {
                    Style::Normal
                },
                indent: *indent,
                runs: runs(spans),
            }),
            Block::ListItem {
                marker,
                spans,
                depth,
                ..
            } => {
                let mut r = vec![Run::plain(format!("{marker}\t"))];
                r.extend(runs(spans));
                doc.paragraph(&Paragraph {
                    style: Style::ListItem,
                    indent: depth.saturating_add(1),
                    runs: r,
                });
            }
            Block::Code { text, indent, .. } => {
                for line in text.split('\n') {
                    doc.paragraph(&Paragraph {
                        style: Style::Code,
                        indent: *indent,
                        runs: vec![Run {
                            text: line.to_string(),
                            code: true,
                            ..Run::default()
                        }],
                    });
                }
            }
            Block::Rule => doc.text_paragraph("\u{2014}\u{2014}\u{2014}"),
            Block::Table { rows, header } => {
                for (i, row) in rows.iter().enumerate() {
                    let mut r = Vec::new();
                    for (j, cell) in row.iter().enumerate() {
                        if j > 0 {
                            r.push(Run::plain("\t"));
                        }
                        r.extend(runs(cell).into_iter().map(|mut run| {
                            run.bold |= *header && i == 0;
                            run
                        }));
                    }
                    doc.paragraph(&Paragraph {
                        style: Style::Normal,
                        indent: 0,
                        runs: r,
                    });
                }
            }
            Block::PageBreak => doc.page_break(),
        }
    }
    doc
}
