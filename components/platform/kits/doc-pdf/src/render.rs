//! Lays blocks out on pages and writes the PDF.

use lathe_tool_sdk::ToolError;
use pdf_writer::types::{CidFontType, FontFlags, SystemInfo};
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

use crate::fonts::{FontId, Fonts};
use crate::{Block, Options, Span, SpanStyle, MAX_PAGES};

/// Line height as a multiple of the type size.
const LEADING: f32 = 1.35;
/// Indentation of one list level or indent step.
const INDENT: f32 = 18.0;
/// Indentation of one block-quote level.
const QUOTE_INDENT: f32 = 14.0;
/// Text colour.
const BLACK: [f32; 3] = [0.1, 0.1, 0.1];
/// Link colour.
const BLUE: [f32; 3] = [0.0, 0.27, 0.73];
/// Quote text colour.
const GREY: [f32; 3] = [0.33, 0.33, 0.33];

/// A piece of text with everything needed to draw it.
#[derive(Debug, Clone)]
struct Piece {
    text: String,
    font: FontId,
    size: f32,
    color: [f32; 3],
    style: SpanStyle,
}

/// A laid-out fragment of a line: piece index, text, width.
type Frag = (usize, String, f32);

/// A unit of line breaking.
enum Unit {
    /// Text with no breaking opportunity inside (may span several pieces).
    Word(Vec<Frag>),
    /// Breakable white space.
    Space(Frag),
    /// A forced line break.
    Break,
}

/// The page builder.
struct Layout<'a> {
    fonts: Fonts,
    o: &'a Options,
    pages: Vec<Vec<u8>>,
    content: Content,
    /// Current top of free space, in PDF coordinates (from the bottom).
    y: f32,
    /// Whether anything was drawn on the current page.
    dirty: bool,
}

impl<'a> Layout<'a> {
    fn new(o: &'a Options) -> Result<Layout<'a>, ToolError> {
        Ok(Layout {
            fonts: Fonts::load()?,
            o,
            pages: Vec::new(),
            content: Content::new(),
            y: o.height - o.margin,
            dirty: false,
        })
    }

    fn bottom(&self) -> f32 {
        self.o.margin
    }

    fn new_page(&mut self) -> Result<(), ToolError> {
        let content = std::mem::replace(&mut self.content, Content::new());
        self.pages.push(content.finish().into_vec());
        if self.pages.len() >= MAX_PAGES {
            return Err(ToolError::TooLarge(format!(
                "the document would have more than {MAX_PAGES} pages"
            )));
        }
        self.y = self.o.height - self.o.margin;
        self.dirty = false;
        Ok(())
    }

    /// Makes room for `h` points, starting a new page if the current one has content.
    fn ensure(&mut self, h: f32) -> Result<(), ToolError> {
        if self.dirty && self.y - h < self.bottom() {
            self.new_page()?;
        }
        Ok(())
    }

    /// Adds vertical space (dropped at the top of a page).
    fn space(&mut self, h: f32) {
        if self.dirty {
            self.y = (self.y - h).max(self.bottom());
        }
    }

    fn width_of(&mut self, font: FontId, text: &str, size: f32) -> f32 {
        self.fonts.face(font).width(text, size)
    }

    /// Pieces for spans at a size, with base colour.
    fn pieces(spans: &[Span], size: f32, bold: bool, color: [f32; 3]) -> Vec<Piece> {
        spans
            .iter()
            .filter(|s| !s.text.is_empty())
            .map(|s| Piece {
                text: s.text.replace('\t', "    ").replace('\r', ""),
                font: FontId::pick(s.style.bold || bold, s.style.italic, s.style.code),
                size,
                color: if s.style.link { BLUE } else { color },
                style: s.style,
            })
            .collect()
    }

    /// Splits pieces into breaking units.
    fn units(&mut self, pieces: &[Piece]) -> Vec<Unit> {
        let mut units = Vec::new();
        let mut word: Vec<Frag> = Vec::new();
        for (i, p) in pieces.iter().enumerate() {
            let mut buf = String::new();
            let mut buf_space = false;
            let flush = |this: &mut Self,
                         buf: &mut String,
                         space: bool,
                         word: &mut Vec<Frag>,
                         units: &mut Vec<Unit>| {
                if buf.is_empty() {
                    return;
                }
                let w = this.width_of(p.font, buf, p.size);
                let frag = (i, std::mem::take(buf), w);
                if space {
                    if !word.is_empty() {
                        units.push(Unit::Word(std::mem::take(word)));
                    }
                    units.push(Unit::Space(frag));
                } else {
                    word.push(frag);
                }
            };
            for c in p.text.chars() {
                if c == '\n' {
                    flush(self, &mut buf, buf_space, &mut word, &mut units);
                    if !word.is_empty() {
                        units.push(Unit::Word(std::mem::take(&mut word)));
                    }
                    units.push(Unit::Break);
                    continue;
                }
                let is_space = c.is_whitespace() && c != '\u{a0}';
                if is_space != buf_space {
                    flush(self, &mut buf, buf_space, &mut word, &mut units);
                    buf_space = is_space;
                }
                buf.push(if is_space { ' ' } else { c });
            }
            flush(self, &mut buf, buf_space, &mut word, &mut units);
        }
        if !word.is_empty() {
            units.push(Unit::Word(word));
        }
        units
    }

    /// Breaks pieces into lines no wider than `width`.
    fn wrap(&mut self, pieces: &[Piece], width: f32) -> Vec<Vec<Frag>> {
        let units = self.units(pieces);
        let mut lines: Vec<Vec<Frag>> = Vec::new();
        let mut line: Vec<Frag> = Vec::new();
        let mut line_w = 0.0f32;
        let mut pending: Option<Frag> = None;
        for unit in units {
            match unit {
                Unit::Break => {
                    lines.push(std::mem::take(&mut line));
                    line_w = 0.0;
                    pending = None;
                }
                Unit::Space(frag) => {
                    if !line.is_empty() {
                        // Collapse runs of white space to one space of the first style.
                        if pending.is_none() {
                            let w = self.width_of(pieces[frag.0].font, " ", pieces[frag.0].size);
                            pending = Some((frag.0, " ".to_string(), w));
                        }
                    }
                }
                Unit::Word(frags) => {
                    let w: f32 = frags.iter().map(|f| f.2).sum();
                    let space_w = pending.as_ref().map_or(0.0, |p| p.2);
                    if !line.is_empty() && line_w + space_w + w > width {
                        lines.push(std::mem::take(&mut line));
                        line_w = 0.0;
                        pending = None;
                    }
                    if let Some(p) = pending.take() {
                        line_w += p.2;
                        line.push(p);
                    }
                    if w <= width || !line.is_empty() && line_w + w <= width {
                        line_w += w;
                        line.extend(frags);
                        continue;
                    }
                    // A word wider than the line: break it between characters.
                    for (idx, text, _) in frags {
                        let p = &pieces[idx];
                        let mut part = String::new();
                        for c in text.chars() {
                            let cw = self.width_of(p.font, &c.to_string(), p.size);
                            if line_w + cw > width && (!line.is_empty() || !part.is_empty()) {
                                if !part.is_empty() {
                                    let pw = self.width_of(p.font, &part, p.size);
                                    line.push((idx, std::mem::take(&mut part), pw));
                                }
                                lines.push(std::mem::take(&mut line));
                                line_w = 0.0;
                            }
                            part.push(c);
                            line_w += cw;
                        }
                        if !part.is_empty() {
                            let pw = self.width_of(p.font, &part, p.size);
                            line.push((idx, part, pw));
                        }
                    }
                }
            }
        }
        if !line.is_empty() {
            lines.push(line);
        }
        lines
    }

    /// Draws one line of fragments with its baseline at `base`, starting at `x`.
    fn draw_line(&mut self, pieces: &[Piece], line: &[Frag], x: f32, base: f32) {
        if line.iter().all(|f| f.1.trim().is_empty()) {
            return;
        }
        let mut decorations: Vec<(f32, f32, f32, f32, [f32; 3])> = Vec::new();
        self.content.begin_text();
        let mut cx = x;
        let mut current: Option<(FontId, f32)> = None;
        let mut colour: Option<[f32; 3]> = None;
        for (idx, text, w) in line {
            let p = &pieces[*idx];
            let bytes = self.fonts.face(p.font).encode(text);
            if colour != Some(p.color) {
                self.content
                    .set_fill_rgb(p.color[0], p.color[1], p.color[2]);
                colour = Some(p.color);
            }
            if current != Some((p.font, p.size)) {
                self.content.set_font(Name(p.font.resource()), p.size);
                current = Some((p.font, p.size));
            }
            self.content.set_text_matrix([1.0, 0.0, 0.0, 1.0, cx, base]);
            self.content.show(Str(&bytes));
            if p.style.strike {
                decorations.push((cx, base + p.size * 0.3, *w, p.size * 0.06, p.color));
            }
            if p.style.link {
                decorations.push((cx, base - p.size * 0.12, *w, p.size * 0.05, p.color));
            }
            cx += w;
        }
        self.content.end_text();
        for (dx, dy, w, h, c) in decorations {
            self.fill_rect(dx, dy, w, h, c);
        }
        self.dirty = true;
    }

    fn fill_rect(&mut self, x: f32, y: f32, w: f32, h: f32, c: [f32; 3]) {
        self.content.set_fill_rgb(c[0], c[1], c[2]);
        self.content.rect(x, y, w, h);
        self.content.fill_nonzero();
        self.dirty = true;
    }

    fn stroke_rect(&mut self, x: f32, y: f32, w: f32, h: f32, grey: f32) {
        self.content.set_stroke_gray(grey);
        self.content.set_line_width(0.6);
        self.content.rect(x, y, w, h);
        self.content.stroke();
        self.dirty = true;
    }

    /// Draws the bars of `quote` nested block quotes beside a line band.
    fn quote_bars(&mut self, quote: u8, top: f32, h: f32) {
        for q in 0..quote {
            let x = self.o.margin + f32::from(q) * QUOTE_INDENT + 2.0;
            self.fill_rect(x, top - h, 2.5, h, [0.75, 0.75, 0.75]);
        }
    }

    /// Flows text lines; `marker` is drawn before the first line at `marker_x`.
    #[allow(clippy::too_many_arguments)]
    fn flow(
        &mut self,
        pieces: &[Piece],
        x: f32,
        width: f32,
        quote: u8,
        marker: Option<(&[Piece], f32)>,
        background: Option<[f32; 3]>,
        keep: f32,
    ) -> Result<(), ToolError> {
        let size = pieces
            .iter()
            .map(|p| p.size)
            .fold(self.o.font_size, f32::max);
        let lh = size * LEADING;
        let lines = self.wrap(pieces, width.max(20.0));
        let lines = if lines.is_empty() {
            vec![Vec::new()]
        } else {
            lines
        };
        for (i, line) in lines.iter().enumerate() {
            let need = if i == 0 { lh + keep } else { lh };
            self.ensure(need)?;
            let top = self.y;
            if let Some(bg) = background {
                let left = x - 4.0;
                let right = self.o.width - self.o.margin;
                self.fill_rect(left, top - lh, right - left, lh, bg);
            }
            if quote > 0 {
                self.quote_bars(quote, top, lh);
            }
            let base = top - size * 1.02;
            if i == 0 {
                if let Some((mp, mx)) = marker {
                    let mline: Vec<Frag> = mp
                        .iter()
                        .enumerate()
                        .map(|(k, p)| (k, p.text.clone(), 0.0))
                        .collect();
                    self.draw_line(mp, &mline, mx, base);
                }
            }
            self.draw_line(pieces, line, x, base);
            self.y = top - lh;
            self.dirty = true;
        }
        Ok(())
    }

    fn left(&self, indent: u8, quote: u8) -> f32 {
        let q = if quote > 0 {
            f32::from(quote) * QUOTE_INDENT + 4.0
        } else {
            0.0
        };
        self.o.margin + q + f32::from(indent) * INDENT
    }

    fn right(&self) -> f32 {
        self.o.width - self.o.margin
    }

    fn block(&mut self, block: &Block, next_is_item: bool) -> Result<(), ToolError> {
        let base = self.o.font_size;
        match block {
            Block::Heading { level, spans } => {
                let scale = [2.0, 1.6, 1.35, 1.15, 1.0, 0.9];
                let size = base * scale[usize::from(level.clamp(&1, &6) - 1)];
                self.space(size * 0.7);
                let pieces = Self::pieces(spans, size, true, BLACK);
                let x = self.left(0, 0);
                let w = self.right() - x;
                // Keep a heading with at least two lines of what follows.
                self.flow(&pieces, x, w, 0, None, None, base * LEADING * 2.0)?;
                if *level <= 2 {
                    let y = self.y - size * 0.15;
                    self.fill_rect(x, y, w, 0.6, [0.8, 0.8, 0.8]);
                    self.y -= size * 0.3;
                }
                self.space(size * 0.3);
            }
            Block::Paragraph {
                spans,
                indent,
                quote,
            } => {
                let colour = if *quote > 0 { GREY } else { BLACK };
                let pieces = Self::pieces(spans, base, false, colour);
                let x = self.left(*indent, *quote);
                let w = self.right() - x;
                self.flow(&pieces, x, w, *quote, None, None, 0.0)?;
                self.space(base * 0.6);
            }
            Block::ListItem {
                marker,
                spans,
                depth,
                quote,
            } => {
                let colour = if *quote > 0 { GREY } else { BLACK };
                let marker_x = self.left(depth.saturating_sub(1), *quote) + 4.0;
                let mp = Self::pieces(&[Span::plain(marker.clone())], base, false, colour);
                let mw = self.width_of(FontId::Regular, marker, base);
                let x = (marker_x + mw + 5.0).max(self.left(*depth, *quote));
                let pieces = Self::pieces(spans, base, false, colour);
                let w = self.right() - x;
                self.flow(&pieces, x, w, *quote, Some((&mp, marker_x)), None, 0.0)?;
                self.space(if next_is_item { base * 0.2 } else { base * 0.6 });
            }
            Block::Code {
                text,
                indent,
                quote,
            } => {
                let size = base * 0.9;
                let x = self.left(*indent, *quote) + 6.0;
                let w = self.right() - x - 4.0;
                self.space(base * 0.2);
                let mut lines: Vec<&str> = text.split('\n').collect();
                if lines.is_empty() {
                    lines.push("");
                }
                for line in lines {
                    // Code keeps its spaces: replace them with no-break spaces for wrapping.
                    let kept = line.replace('\t', "    ").replace(' ', "\u{a0}");
                    let kept = if kept.is_empty() {
                        "\u{a0}".to_string()
                    } else {
                        kept
                    };
                    let pieces = vec![Piece {
                        text: kept,
                        font: FontId::Mono,
                        size,
                        color: BLACK,
                        style: SpanStyle {
                            code: true,
                            ..SpanStyle::default()
                        },
                    }];
                    self.flow(&pieces, x, w, *quote, None, Some([0.95, 0.95, 0.95]), 0.0)?;
                }
                self.space(base * 0.8);
            }
            Block::Rule => {
                self.ensure(base)?;
                let y = self.y - base * 0.5;
                let x = self.o.margin;
                let w = self.right() - x;
                self.fill_rect(x, y, w, 0.8, [0.6, 0.6, 0.6]);
                self.y -= base;
            }
            Block::PageBreak => {
                if self.dirty {
                    self.new_page()?;
                }
            }
            Block::Table { rows, header } => self.table(rows, *header)?,
        }
        Ok(())
    }

    fn table(&mut self, rows: &[Vec<Vec<Span>>], header: bool) -> Result<(), ToolError> {
        let base = self.o.font_size;
        let size = base * 0.95;
        let pad = 4.0;
        let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
        if cols == 0 {
            return Ok(());
        }
        let x0 = self.o.margin;
        let avail = self.right() - x0;
        // Natural column widths (widest single-line cell), shrunk to fit the page.
        let mut natural = vec![20.0f32; cols];
        for (r, row) in rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                let pieces = Self::pieces(cell, size, header && r == 0, BLACK);
                let w: f32 = pieces
                    .iter()
                    .map(|p| self.width_of(p.font, &p.text, p.size))
                    .sum();
                natural[c] = natural[c].max(w + 2.0 * pad + 1.0);
            }
        }
        let total: f32 = natural.iter().sum();
        let widths: Vec<f32> = if total <= avail {
            natural
        } else {
            natural.iter().map(|w| w * avail / total).collect()
        };
        let lh = size * LEADING;
        let page_room = self.o.height - 2.0 * self.o.margin;
        self.space(base * 0.3);
        for (r, row) in rows.iter().enumerate() {
            let bold = header && r == 0;
            let mut cells = Vec::new();
            let mut max_lines = 1;
            for (c, width) in widths.iter().enumerate() {
                let spans = row.get(c).map(Vec::as_slice).unwrap_or(&[]);
                let pieces = Self::pieces(spans, size, bold, BLACK);
                let lines = self.wrap(&pieces, (width - 2.0 * pad).max(8.0));
                max_lines = max_lines.max(lines.len());
                cells.push((pieces, lines));
            }
            let h = max_lines as f32 * lh + 2.0 * pad;
            if h > page_room {
                // A row taller than a page: show its cells as paragraphs.
                for (pieces, _) in &cells {
                    let x = self.left(0, 0);
                    let w = self.right() - x;
                    self.flow(pieces, x, w, 0, None, None, 0.0)?;
                }
                continue;
            }
            self.ensure(h)?;
            let top = self.y;
            let mut x = x0;
            for (c, (pieces, lines)) in cells.iter().enumerate() {
                if bold {
                    self.fill_rect(x, top - h, widths[c], h, [0.92, 0.92, 0.92]);
                }
                self.stroke_rect(x, top - h, widths[c], h, 0.55);
                for (i, line) in lines.iter().enumerate() {
                    let base_y = top - pad - i as f32 * lh - size * 1.02;
                    self.draw_line(pieces, line, x + pad, base_y);
                }
                x += widths[c];
            }
            self.y = top - h;
            self.dirty = true;
        }
        self.space(base * 0.8);
        Ok(())
    }
}

/// A `ToUnicode` CMap for subset glyph ids. Written by hand rather than with
/// `pdf_writer::types::UnicodeCmap`, whose `/CMapVersion` and `/WMode` entries some
/// readers' simplified ToUnicode parsers (lopdf's among them) reject.
fn to_unicode_cmap(map: &std::collections::BTreeMap<u16, char>) -> String {
    let mut out = String::from(
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n/CIDSystemInfo <<\n/Registry (Adobe)\n/Ordering (UCS)\n/Supplement 0\n>> def\n/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n",
    );
    let pairs: Vec<(&u16, &char)> = map.iter().collect();
    for chunk in pairs.chunks(100) {
        out.push_str(&format!("{} beginbfchar\n", chunk.len()));
        for (gid, c) in chunk {
            let mut units = [0u16; 2];
            let hex: String = c
                .encode_utf16(&mut units)
                .iter()
                .map(|u| format!("{u:04X}"))
                .collect();
            out.push_str(&format!("<{gid:04X}> <{hex}>\n"));
        }
        out.push_str("endbfchar\n");
    }
    out.push_str("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
    out
}

/// Compresses a stream with zlib.
fn deflate(data: &[u8]) -> Vec<u8> {
    miniz_oxide::deflate::compress_to_vec_zlib(data, 6)
}

/// Lays out `blocks` and writes the PDF. Returns the file and its page count.
pub fn render(blocks: &[Block], options: &Options) -> Result<(Vec<u8>, usize), ToolError> {
    let mut layout = Layout::new(options)?;
    for (i, block) in blocks.iter().enumerate() {
        let next_is_item = matches!(blocks.get(i + 1), Some(Block::ListItem { .. }));
        layout.block(block, next_is_item)?;
    }
    let last = std::mem::replace(&mut layout.content, Content::new());
    layout.pages.push(last.finish().into_vec());
    let pages = std::mem::take(&mut layout.pages);
    let page_count = pages.len();

    let mut pdf = Pdf::new();
    let mut next = 1;
    let mut alloc = || {
        let r = Ref::new(next);
        next += 1;
        r
    };
    let catalog = alloc();
    let tree = alloc();
    let info = alloc();
    let page_ids: Vec<(Ref, Ref)> = (0..page_count).map(|_| (alloc(), alloc())).collect();

    // Fonts: only the faces that were used.
    let mut font_refs: Vec<(FontId, Ref)> = Vec::new();
    let ids = [
        FontId::Regular,
        FontId::Bold,
        FontId::Italic,
        FontId::BoldItalic,
        FontId::Mono,
    ];
    for id in ids {
        let face = layout.fonts.face(id);
        if !face.used() {
            continue;
        }
        let type0 = alloc();
        let cid = alloc();
        let desc = alloc();
        let file = alloc();
        let cmap_ref = alloc();
        let subset = subsetter::subset(face.data, 0, &face.remapper).map_err(|e| {
            ToolError::Failed(format!("subsetting the font {} failed: {e}", face.name))
        })?;
        let base_name = format!("LATHE{}+{}", id as u8, face.name);
        let system = SystemInfo {
            registry: Str(b"Adobe"),
            ordering: Str(b"Identity"),
            supplement: 0,
        };
        pdf.type0_font(type0)
            .base_font(Name(base_name.as_bytes()))
            .encoding_predefined(Name(b"Identity-H"))
            .descendant_font(cid)
            .to_unicode(cmap_ref);
        let widths = face.subset_widths();
        let mut cid_font = pdf.cid_font(cid);
        cid_font
            .subtype(CidFontType::Type2)
            .base_font(Name(base_name.as_bytes()))
            .system_info(system)
            .font_descriptor(desc)
            .default_width(0.0)
            .cid_to_gid_map_predefined(Name(b"Identity"));
        cid_font.widths().consecutive(0, widths);
        cid_font.finish();
        let f = &face.face;
        let bbox = f.global_bounding_box();
        let mut flags = FontFlags::NON_SYMBOLIC;
        if id == FontId::Mono {
            flags |= FontFlags::FIXED_PITCH;
        }
        if face.italic_angle != 0.0 {
            flags |= FontFlags::ITALIC;
        }
        pdf.font_descriptor(desc)
            .name(Name(base_name.as_bytes()))
            .flags(flags)
            .bbox(Rect::new(
                face.to_pdf(bbox.x_min),
                face.to_pdf(bbox.y_min),
                face.to_pdf(bbox.x_max),
                face.to_pdf(bbox.y_max),
            ))
            .italic_angle(face.italic_angle)
            .ascent(face.to_pdf(f.ascender()))
            .descent(face.to_pdf(f.descender()))
            .cap_height(face.to_pdf(f.capital_height().unwrap_or(f.ascender())))
            .stem_v(if matches!(id, FontId::Bold | FontId::BoldItalic) {
                140.0
            } else {
                80.0
            })
            .font_file2(file);
        let compressed = deflate(&subset);
        pdf.stream(file, &compressed)
            .filter(Filter::FlateDecode)
            .pair(Name(b"Length1"), subset.len() as i32);
        let cmap_data = to_unicode_cmap(&face.unicode);
        pdf.stream(cmap_ref, cmap_data.as_bytes());
        font_refs.push((id, type0));
    }

    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree)
        .kids(page_ids.iter().map(|p| p.0))
        .count(page_count as i32);
    for (content, (page_id, content_id)) in pages.iter().zip(&page_ids) {
        let mut page = pdf.page(*page_id);
        page.parent(tree)
            .media_box(Rect::new(0.0, 0.0, options.width, options.height))
            .contents(*content_id);
        let mut resources = page.resources();
        let mut fonts = resources.fonts();
        for (id, r) in &font_refs {
            fonts.pair(Name(id.resource()), *r);
        }
        fonts.finish();
        resources.finish();
        page.finish();
        let compressed = deflate(content);
        pdf.stream(*content_id, &compressed)
            .filter(Filter::FlateDecode);
    }
    let mut doc_info = pdf.document_info(info);
    doc_info.producer(TextStr("Lathe"));
    if let Some(title) = options.title.as_deref().filter(|t| !t.trim().is_empty()) {
        doc_info.title(TextStr(title));
    }
    doc_info.finish();
    Ok((pdf.finish(), page_count))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::markdown_blocks;

    #[test]
    fn renders_pages() {
        let mut md = String::from("# Report\n\nIntro **bold** and *italic* text.\n\n");
        for i in 1..=80 {
            md.push_str(&format!("- item number {i}\n"));
        }
        md.push_str("\n```\nlet x = 1;\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n");
        let (pdf, pages) = render(&markdown_blocks(&md), &Options::default()).unwrap();
        assert!(pages >= 2, "{pages}");
        assert!(pdf.starts_with(b"%PDF-"));
        assert!(pdf.len() < 200_000, "{}", pdf.len());
    }

    #[test]
    fn wraps_long_words() {
        let o = Options::default();
        let mut l = Layout::new(&o).unwrap();
        let pieces = Layout::pieces(&[Span::plain("x".repeat(500))], 11.0, false, BLACK);
        let lines = l.wrap(&pieces, 200.0);
        assert!(lines.len() > 5);
        for line in &lines {
            let w: f32 = line.iter().map(|f| f.2).sum();
            assert!(w <= 200.5, "{w}");
        }
    }
}
