//! Text rendering for Lathe's image tools (watermarks, overlays, memes).
//!
//! * [`Face`]: the bundled typefaces and the names clients may use for them.
//! * [`Style`], [`Stroke`], [`Align`]: how a block of text looks.
//! * [`line_width`], [`wrap`], [`measure`], [`fit`]: measuring, word-wrapping and
//!   auto-sizing text.
//! * [`render`]: draws a text block into its own transparent RGBA tile (fill plus an
//!   optional outline), which [`rotate`] turns by any angle and [`draw`] composites onto an
//!   image with an opacity.
//! * [`Anchor`], [`save`]: placing a layer on an image and writing the result in the
//!   source's format, shared by the overlay tools.
//! * [`caption_tool_info`], [`pair_tool_info`], [`draw_pair`]: the catalog entries of the
//!   caption tools (`text`, `font`) and of the two-image overlay tools, and drawing the
//!   second image of a pair onto the first.
//!
//! # Fonts and licence
//!
//! The glyphs come from the DejaVu fonts (version 2.37), embedded through the `dejavu`
//! crate (MIT/Apache-2.0). DejaVu is derived from Bitstream Vera and is distributed under
//! the Bitstream Vera Fonts licence plus public-domain changes: a permissive licence that
//! allows use, embedding and redistribution, modified or not, provided the fonts are not
//! sold on their own and a modified font is renamed. Nothing here modifies the fonts.
//! Glyphs are rasterised with `ab_glyph` (Apache-2.0), which gives exact per-pixel coverage,
//! so edges are antialiased and blending happens in straight sRGB alpha.

mod catalog;

pub use catalog::{caption_tool_info, pair_tool_info, MAX_CAPTION_CHARS};

use ab_glyph::{point, Font, FontRef, GlyphId, ScaleFont};
use lathe_image_kit::image::{DynamicImage, Rgba, RgbaImage};
use lathe_image_kit::{encode, EncodeOptions, ImageFormat};
use lathe_tool_sdk::{Input, Output, OutputFile, ToolError};

/// Largest text tile (width × height) [`render`] and [`rotate`] allocate: 40 megapixels.
pub const MAX_TILE_PIXELS: u64 = 40_000_000;

/// A bundled typeface.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Face {
    /// DejaVu Sans.
    Sans,
    /// DejaVu Sans Bold.
    SansBold,
    /// DejaVu Sans Bold Oblique.
    SansBoldOblique,
    /// DejaVu Sans Condensed Bold (the closest bundled match to Impact/Anton).
    CondensedBold,
    /// DejaVu Serif.
    Serif,
    /// DejaVu Serif Bold.
    SerifBold,
    /// DejaVu Sans Mono.
    Mono,
}

impl Face {
    /// The face a `font` setting names, or `default` when it is absent or unknown.
    pub fn from_setting(name: Option<&str>, default: Face) -> Face {
        name.and_then(Face::from_name).unwrap_or(default)
    }

    /// Maps a client font name (CSS-like family names, case-insensitive) to a bundled face;
    /// `None` for names it does not know.
    pub fn from_name(name: &str) -> Option<Face> {
        let n = name.trim().to_ascii_lowercase().replace(['_', ' '], "-");
        Some(match n.as_str() {
            "" | "sans" | "sans-serif" | "dejavu-sans" | "arial" | "helvetica" | "roboto"
            | "montserrat" | "inter" | "open-sans" => Face::Sans,
            "bold" | "sans-bold" | "dejavu-sans-bold" | "arial-black" | "arial-bold"
            | "helvetica-bold" | "roboto-bold" | "montserrat-bold" => Face::SansBold,
            "impact" | "anton" | "bebas-neue" | "bebas" | "condensed" | "oswald"
            | "sans-condensed" | "condensed-bold" => Face::CondensedBold,
            "comic-sans" | "comic-sans-ms" | "permanent-marker" | "bold-italic" | "italic"
            | "cursive" | "handwriting" => Face::SansBoldOblique,
            "serif" | "dejavu-serif" | "times" | "times-new-roman" | "georgia" => Face::Serif,
            "serif-bold" | "times-bold" | "georgia-bold" => Face::SerifBold,
            "mono" | "monospace" | "dejavu-sans-mono" | "courier" | "courier-new" | "consolas" => {
                Face::Mono
            }
            _ => return None,
        })
    }

    /// The TrueType bytes of the face.
    pub fn bytes(self) -> &'static [u8] {
        match self {
            Face::Sans => dejavu::sans::regular(),
            Face::SansBold => dejavu::sans::bold(),
            Face::SansBoldOblique => dejavu::sans::bold_oblique(),
            Face::CondensedBold => dejavu::sans_condensed::bold(),
            Face::Serif => dejavu::serif::regular(),
            Face::SerifBold => dejavu::serif::bold(),
            Face::Mono => dejavu::sans_mono::regular(),
        }
    }

    /// The parsed font.
    pub fn font(self) -> FontRef<'static> {
        // The bundled fonts are known-good TrueType files.
        FontRef::try_from_slice(self.bytes()).expect("bundled DejaVu font parses")
    }
}

/// Horizontal alignment of the lines of a block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Align {
    /// Flush left.
    Left,
    /// Centred.
    #[default]
    Center,
    /// Flush right.
    Right,
}

impl Align {
    /// Parses `left`, `center`/`centre` or `right` (case-insensitive).
    pub fn from_name(name: &str) -> Option<Align> {
        match name.trim().to_ascii_lowercase().as_str() {
            "left" | "start" => Some(Align::Left),
            "center" | "centre" | "middle" => Some(Align::Center),
            "right" | "end" => Some(Align::Right),
            _ => None,
        }
    }
}

/// An outline drawn around the glyphs (under the fill).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stroke {
    /// Outline width in pixels, measured outwards from the glyph edge.
    pub width: f32,
    /// Outline colour.
    pub color: Rgba<u8>,
}

/// How a text block looks.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Style {
    /// Typeface.
    pub face: Face,
    /// Font size in pixels per em (as CSS `font-size`).
    pub size: f32,
    /// Fill colour (its alpha is honoured).
    pub color: Rgba<u8>,
    /// Optional outline.
    pub stroke: Option<Stroke>,
    /// Line alignment.
    pub align: Align,
    /// Distance between baselines as a multiple of `size`.
    pub line_height: f32,
}

impl Style {
    /// A plain style: `face` at `size` px in `color`, centred, line height 1.2.
    pub fn new(face: Face, size: f32, color: Rgba<u8>) -> Style {
        Style {
            face,
            size,
            color,
            stroke: None,
            align: Align::Center,
            line_height: 1.2,
        }
    }

    /// Extra pixels the outline adds on each side.
    fn pad(&self) -> u32 {
        self.stroke.map_or(0.0, |s| s.width.max(0.0)).ceil() as u32 + 1
    }
}

/// A font scaled so that one em is `size` pixels.
fn scaled(face: Face, size: f32) -> ab_glyph::PxScaleFont<FontRef<'static>> {
    let font = face.font();
    let upem = font.units_per_em().unwrap_or(2048.0);
    let px = size.max(0.1) * font.height_unscaled() / upem;
    font.into_scaled(px)
}

/// Glyph ids and pen positions of one line, starting at x = 0; returns them with the
/// advance width of the line.
fn layout_line(
    font: &ab_glyph::PxScaleFont<FontRef<'static>>,
    text: &str,
) -> (Vec<(GlyphId, f32)>, f32) {
    let mut x = 0.0f32;
    let mut prev: Option<GlyphId> = None;
    let mut glyphs = Vec::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() {
            continue;
        }
        let id = font.glyph_id(c);
        if let Some(p) = prev {
            x += font.kern(p, id);
        }
        glyphs.push((id, x));
        x += font.h_advance(id);
        prev = Some(id);
    }
    (glyphs, x)
}

/// Advance width in pixels of one line of text (no wrapping).
pub fn line_width(face: Face, size: f32, text: &str) -> f32 {
    layout_line(&scaled(face, size), text).1
}

/// Splits `text` into lines no wider than `max_width` pixels: explicit newlines are kept,
/// words wrap at spaces and a word wider than a line is broken between characters.
pub fn wrap(face: Face, size: f32, text: &str, max_width: f32) -> Vec<String> {
    let font = scaled(face, size);
    let width = |s: &str| layout_line(&font, s).1;
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let paragraph = paragraph.trim_end_matches('\r');
        let mut line = String::new();
        for word in paragraph.split_whitespace() {
            let candidate = if line.is_empty() {
                word.to_string()
            } else {
                format!("{line} {word}")
            };
            if width(&candidate) <= max_width {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            if width(word) <= max_width {
                line = word.to_string();
                continue;
            }
            // A word longer than the line: break it between characters.
            for c in word.chars() {
                let mut next = line.clone();
                next.push(c);
                if !line.is_empty() && width(&next) > max_width {
                    lines.push(std::mem::take(&mut line));
                    line.push(c);
                } else {
                    line = next;
                }
            }
        }
        lines.push(line);
    }
    lines
}

/// Size in pixels (width, height) of the tile [`render`] makes for `lines`, outline
/// included.
pub fn measure(lines: &[String], style: &Style) -> (u32, u32) {
    let font = scaled(style.face, style.size);
    let widest = lines
        .iter()
        .map(|l| layout_line(&font, l).1)
        .fold(0.0f32, f32::max);
    let (w, h) = block_size(&font, lines.len(), widest, style);
    (w, h)
}

fn block_size(
    font: &ab_glyph::PxScaleFont<FontRef<'static>>,
    n_lines: usize,
    widest: f32,
    style: &Style,
) -> (u32, u32) {
    let pad = style.pad() as f32;
    let text_h = font.ascent() - font.descent()
        + n_lines.saturating_sub(1) as f32 * style.size * style.line_height;
    (
        (widest + 2.0 * pad).ceil().max(1.0) as u32,
        (text_h + 2.0 * pad).ceil().max(1.0) as u32,
    )
}

/// The largest font size between `min_size` and `max_size` at which `text`, word-wrapped to
/// `max_width`, fits in `max_width` × `max_height` (outline included); `min_size` when even
/// that does not fit. Returns the size and the wrapped lines.
pub fn fit(
    text: &str,
    style: &Style,
    max_width: f32,
    max_height: f32,
    min_size: f32,
    max_size: f32,
) -> (f32, Vec<String>) {
    let fits = |size: f32| {
        let mut s = *style;
        s.size = size;
        if let Some(st) = s.stroke.as_mut() {
            st.width = st.width * size / style.size.max(0.1);
        }
        let inner = max_width - 2.0 * s.pad() as f32;
        let lines = wrap(s.face, size, text, inner.max(1.0));
        let (w, h) = measure(&lines, &s);
        (w as f32 <= max_width && h as f32 <= max_height, lines)
    };
    let (mut lo, mut hi) = (min_size, max_size.max(min_size));
    let (ok, lines) = fits(hi);
    if ok {
        return (hi, lines);
    }
    let mut best = (lo, fits(lo).1);
    // Bisect to half a pixel: the fit is monotonic in the size up to wrapping effects.
    while hi - lo > 0.5 {
        let mid = (lo + hi) / 2.0;
        let (ok, lines) = fits(mid);
        if ok {
            lo = mid;
            best = (mid, lines);
        } else {
            hi = mid;
        }
    }
    best
}

/// Checks a tile size against [`MAX_TILE_PIXELS`].
fn check_tile(w: u64, h: u64) -> Result<(), ToolError> {
    if w.saturating_mul(h) > MAX_TILE_PIXELS || w > 65_535 || h > 65_535 {
        return Err(ToolError::TooLarge(format!(
            "the text would need a {w}x{h} px layer; the limit is {} MP (use a smaller font size or shorter text)",
            MAX_TILE_PIXELS / 1_000_000
        )));
    }
    Ok(())
}

/// Draws `lines` into a new transparent tile of the size [`measure`] gives: the outline (if
/// any) under the fill, each line aligned per `style.align`.
pub fn render(lines: &[String], style: &Style) -> Result<RgbaImage, ToolError> {
    let font = scaled(style.face, style.size);
    let laid: Vec<_> = lines.iter().map(|l| layout_line(&font, l)).collect();
    let widest = laid.iter().map(|l| l.1).fold(0.0f32, f32::max);
    let (w, h) = block_size(&font, lines.len(), widest, style);
    check_tile(w as u64, h as u64)?;
    let pad = style.pad() as f32;
    let mut coverage = vec![0f32; w as usize * h as usize];
    for (i, (glyphs, line_w)) in laid.iter().enumerate() {
        let baseline = pad + font.ascent() + i as f32 * style.size * style.line_height;
        let x0 = pad
            + match style.align {
                Align::Left => 0.0,
                Align::Center => (widest - line_w) / 2.0,
                Align::Right => widest - line_w,
            };
        for &(id, x) in glyphs {
            let glyph = id.with_scale_and_position(font.scale(), point(x0 + x, baseline));
            if let Some(outlined) = font.outline_glyph(glyph) {
                let b = outlined.px_bounds();
                outlined.draw(|gx, gy, c| {
                    let px = b.min.x as i64 + gx as i64;
                    let py = b.min.y as i64 + gy as i64;
                    if px >= 0 && py >= 0 && (px as u32) < w && (py as u32) < h {
                        let cell = &mut coverage[py as usize * w as usize + px as usize];
                        *cell = (*cell + c).min(1.0);
                    }
                });
            }
        }
    }
    let stroke = style
        .stroke
        .filter(|s| s.width > 0.0)
        .map(|s| (outline_coverage(&coverage, w, h, s.width), s.color));
    let mut tile = RgbaImage::new(w, h);
    for (i, p) in tile.pixels_mut().enumerate() {
        let mut px = Rgba([0, 0, 0, 0]);
        if let Some((mask, color)) = &stroke {
            px = blend(px, *color, mask[i]);
        }
        px = blend(px, style.color, coverage[i]);
        *p = px;
    }
    Ok(tile)
}

/// Coverage of an outline `width` pixels wide around the glyph coverage: an exact Euclidean
/// distance transform of the glyph mask (O(pixels), independent of the width; hand-written
/// because no small, well-kept crate offers one for plain buffers), antialiased over one
/// pixel at the outer edge.
fn outline_coverage(coverage: &[f32], w: u32, h: u32, width: f32) -> Vec<f32> {
    let (w, h) = (w as usize, h as usize);
    const INF: f32 = 1e20;
    let mut dist: Vec<f32> = coverage
        .iter()
        .map(|&c| if c >= 0.5 { 0.0 } else { INF })
        .collect();
    let mut f = vec![0f32; w.max(h)];
    let mut d = vec![0f32; w.max(h)];
    let mut v = vec![0usize; w.max(h)];
    let mut z = vec![0f32; w.max(h) + 1];
    for x in 0..w {
        for y in 0..h {
            f[y] = dist[y * w + x];
        }
        edt_1d(&f[..h], &mut d[..h], &mut v, &mut z);
        for y in 0..h {
            dist[y * w + x] = d[y];
        }
    }
    for y in 0..h {
        f[..w].copy_from_slice(&dist[y * w..(y + 1) * w]);
        edt_1d(&f[..w], &mut d[..w], &mut v, &mut z);
        dist[y * w..(y + 1) * w].copy_from_slice(&d[..w]);
    }
    dist.iter()
        .zip(coverage)
        .map(|(&sq, &c)| {
            let ring = (width + 0.5 - sq.sqrt()).clamp(0.0, 1.0);
            ring.max(c)
        })
        .collect()
}

/// One-dimensional squared distance transform (Felzenszwalb & Huttenlocher, 2012).
fn edt_1d(f: &[f32], d: &mut [f32], v: &mut [usize], z: &mut [f32]) {
    let n = f.len();
    if n == 0 {
        return;
    }
    let mut k = 0usize;
    v[0] = 0;
    z[0] = f32::NEG_INFINITY;
    z[1] = f32::INFINITY;
    let sect = |q: usize, p: usize| {
        let (qf, pf) = (q as f32, p as f32);
        ((f[q] + qf * qf) - (f[p] + pf * pf)) / (2.0 * qf - 2.0 * pf)
    };
    for q in 1..n {
        let mut s = sect(q, v[k]);
        // z[0] is -inf, so k never goes below 0.
        while s <= z[k] {
            k -= 1;
            s = sect(q, v[k]);
        }
        k += 1;
        v[k] = q;
        z[k] = s;
        z[k + 1] = f32::INFINITY;
    }
    k = 0;
    for (q, out) in d.iter_mut().enumerate().take(n) {
        let qf = q as f32;
        while z[k + 1] < qf {
            k += 1;
        }
        let p = v[k] as f32;
        *out = (qf - p) * (qf - p) + f[v[k]];
    }
}

/// Source-over blend of `src` (its alpha scaled by `coverage`, 0.0..=1.0) onto `dst`, in
/// straight (non-premultiplied) sRGB alpha.
pub fn blend(dst: Rgba<u8>, src: Rgba<u8>, coverage: f32) -> Rgba<u8> {
    let sa = src.0[3] as f32 / 255.0 * coverage.clamp(0.0, 1.0);
    if sa <= 0.0 {
        return dst;
    }
    let da = dst.0[3] as f32 / 255.0;
    let oa = sa + da * (1.0 - sa);
    let mut out = [0u8; 4];
    for (i, o) in out.iter_mut().enumerate().take(3) {
        let c = (src.0[i] as f32 * sa + dst.0[i] as f32 * da * (1.0 - sa)) / oa;
        *o = c.round().clamp(0.0, 255.0) as u8;
    }
    out[3] = (oa * 255.0).round().clamp(0.0, 255.0) as u8;
    Rgba(out)
}

/// Draws `tile` over `dst` with its top-left corner at `(x, y)` (may be off-canvas),
/// multiplying its alpha by `opacity` (0.0..=1.0).
pub fn draw(dst: &mut RgbaImage, tile: &RgbaImage, x: i64, y: i64, opacity: f32) {
    let (dw, dh) = (dst.width() as i64, dst.height() as i64);
    let (tw, th) = (tile.width() as i64, tile.height() as i64);
    let (x0, y0) = (x.max(0), y.max(0));
    let (x1, y1) = ((x + tw).min(dw), (y + th).min(dh));
    if opacity <= 0.0 || x0 >= x1 || y0 >= y1 {
        return;
    }
    for py in y0..y1 {
        for px in x0..x1 {
            let src = *tile.get_pixel((px - x) as u32, (py - y) as u32);
            if src.0[3] == 0 {
                continue;
            }
            let d = dst.get_pixel_mut(px as u32, py as u32);
            *d = blend(*d, src, opacity);
        }
    }
}

/// Rotates `tile` by `degrees` (clockwise, as CSS and image editors do) about its centre
/// into a new transparent tile just large enough to hold it, with bilinear sampling in
/// premultiplied alpha (hand-rolled: the `image` crate only rotates by right angles).
pub fn rotate(tile: &RgbaImage, degrees: f32) -> Result<RgbaImage, ToolError> {
    let turns = degrees.rem_euclid(360.0);
    if turns.abs() < 1e-3 || (360.0 - turns).abs() < 1e-3 {
        return Ok(tile.clone());
    }
    let (sw, sh) = (tile.width() as f32, tile.height() as f32);
    let (sin, cos) = degrees.to_radians().sin_cos();
    let ow = (sw * cos.abs() + sh * sin.abs()).ceil().max(1.0);
    let oh = (sw * sin.abs() + sh * cos.abs()).ceil().max(1.0);
    check_tile(ow as u64, oh as u64)?;
    let (ow, oh) = (ow as u32, oh as u32);
    let (scx, scy) = (sw / 2.0, sh / 2.0);
    let (ocx, ocy) = (ow as f32 / 2.0, oh as f32 / 2.0);
    let sample = |x: i64, y: i64| -> [f32; 4] {
        if x < 0 || y < 0 || x >= tile.width() as i64 || y >= tile.height() as i64 {
            return [0.0; 4];
        }
        let p = tile.get_pixel(x as u32, y as u32).0;
        let a = p[3] as f32 / 255.0;
        [p[0] as f32 * a, p[1] as f32 * a, p[2] as f32 * a, a]
    };
    let mut out = RgbaImage::new(ow, oh);
    for (x, y, px) in out.enumerate_pixels_mut() {
        // Inverse mapping: rotate the output pixel centre back into the source.
        let dx = x as f32 + 0.5 - ocx;
        let dy = y as f32 + 0.5 - ocy;
        let sx = cos * dx + sin * dy + scx - 0.5;
        let sy = -sin * dx + cos * dy + scy - 0.5;
        if sx < -1.0 || sy < -1.0 || sx > sw || sy > sh {
            continue;
        }
        let (fx, fy) = (sx.floor(), sy.floor());
        let (tx, ty) = (sx - fx, sy - fy);
        let (ix, iy) = (fx as i64, fy as i64);
        let corners = [
            (sample(ix, iy), (1.0 - tx) * (1.0 - ty)),
            (sample(ix + 1, iy), tx * (1.0 - ty)),
            (sample(ix, iy + 1), (1.0 - tx) * ty),
            (sample(ix + 1, iy + 1), tx * ty),
        ];
        let mut acc = [0f32; 4];
        for (c, wgt) in corners {
            for i in 0..4 {
                acc[i] += c[i] * wgt;
            }
        }
        if acc[3] <= 0.0 {
            continue;
        }
        let a = acc[3].min(1.0);
        *px = Rgba([
            (acc[0] / acc[3]).round().clamp(0.0, 255.0) as u8,
            (acc[1] / acc[3]).round().clamp(0.0, 255.0) as u8,
            (acc[2] / acc[3]).round().clamp(0.0, 255.0) as u8,
            (a * 255.0).round() as u8,
        ]);
    }
    Ok(out)
}

/// Where a layer sits on an image: a corner, an edge midpoint or the centre.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    /// Top-left corner.
    TopLeft,
    /// Middle of the top edge.
    Top,
    /// Top-right corner.
    TopRight,
    /// Middle of the left edge.
    Left,
    /// Centre.
    Center,
    /// Middle of the right edge.
    Right,
    /// Bottom-left corner.
    BottomLeft,
    /// Middle of the bottom edge.
    Bottom,
    /// Bottom-right corner.
    BottomRight,
}

impl Anchor {
    /// Parses `top-left`, `top`, `top-right`, `left`, `center`, `right`, `bottom-left`,
    /// `bottom`, `bottom-right` (also with `_` or spaces, `centre`/`middle`, and the compass
    /// names `northwest` ... `southeast` that sharp uses).
    pub fn from_name(name: &str) -> Option<Anchor> {
        let n = name.trim().to_ascii_lowercase().replace(['_', ' '], "-");
        Some(match n.as_str() {
            "top-left" | "left-top" | "northwest" | "north-west" => Anchor::TopLeft,
            "top" | "top-center" | "top-centre" | "north" => Anchor::Top,
            "top-right" | "right-top" | "northeast" | "north-east" => Anchor::TopRight,
            "left" | "center-left" | "middle-left" | "west" => Anchor::Left,
            "center" | "centre" | "middle" | "middle-center" => Anchor::Center,
            "right" | "center-right" | "middle-right" | "east" => Anchor::Right,
            "bottom-left" | "left-bottom" | "southwest" | "south-west" => Anchor::BottomLeft,
            "bottom" | "bottom-center" | "bottom-centre" | "south" => Anchor::Bottom,
            "bottom-right" | "right-bottom" | "southeast" | "south-east" => Anchor::BottomRight,
            _ => return None,
        })
    }

    /// Top-left position of an `item` (width, height) anchored in a `canvas` (width,
    /// height), kept `margin` pixels from the edges it is anchored to.
    pub fn place(self, canvas: (u32, u32), item: (u32, u32), margin: u32) -> (i64, i64) {
        let (cw, ch) = (canvas.0 as i64, canvas.1 as i64);
        let (iw, ih) = (item.0 as i64, item.1 as i64);
        let m = margin as i64;
        let left = m;
        let hcenter = (cw - iw) / 2;
        let right = cw - iw - m;
        let top = m;
        let vcenter = (ch - ih) / 2;
        let bottom = ch - ih - m;
        match self {
            Anchor::TopLeft => (left, top),
            Anchor::Top => (hcenter, top),
            Anchor::TopRight => (right, top),
            Anchor::Left => (left, vcenter),
            Anchor::Center => (hcenter, vcenter),
            Anchor::Right => (right, vcenter),
            Anchor::BottomLeft => (left, bottom),
            Anchor::Bottom => (hcenter, bottom),
            Anchor::BottomRight => (right, bottom),
        }
    }
}

/// Decodes `input`, lets `draw` change its pixels, and saves the result as [`save`] does;
/// the answer names the result's `width` and `height`.
pub fn draw_on(
    input: &Input,
    quality: u8,
    draw: impl FnOnce(&mut RgbaImage) -> Result<(), ToolError>,
) -> Result<Output, ToolError> {
    let decoded = lathe_image_kit::decode(input)?;
    let mut img = decoded.image.to_rgba8();
    draw(&mut img)?;
    let (w, h) = img.dimensions();
    let file = save(input, img, decoded.format, quality)?;
    Ok(Output::file(file).with_extra(serde_json::json!({"width": w, "height": h})))
}

/// Decodes the base image (`inputs[0]`) and the one laid over it (`inputs[1]`), lets
/// `draw` change the base's pixels with the top image, and saves the result as [`save`]
/// does; `draw` returns the answer's extra JSON.
pub fn draw_pair(
    inputs: &[Input],
    quality: u8,
    draw: impl FnOnce(&mut RgbaImage, &DynamicImage) -> Result<serde_json::Value, ToolError>,
) -> Result<Output, ToolError> {
    let base = lathe_image_kit::decode(&inputs[0])?;
    let top = lathe_image_kit::decode(&inputs[1])?;
    let mut img = base.image.to_rgba8();
    let extra = draw(&mut img, &top.image)?;
    let file = save(&inputs[0], img, base.format, quality)?;
    Ok(Output::file(file).with_extra(extra))
}

/// Encodes an edited image as the download for `input`: in the `source` format when it can
/// hold the result (PNG when the result has transparency the source format cannot keep, or
/// when Lathe cannot write the source format), named `<input stem>.<ext>`. Opaque results
/// are written without an alpha channel.
pub fn save(
    input: &Input,
    image: RgbaImage,
    source: lathe_image_kit::image::ImageFormat,
    quality: u8,
) -> Result<OutputFile, ToolError> {
    let format = ImageFormat::same_as(source);
    let transparent = image.pixels().any(|p| p.0[3] < 255);
    let (format, image) = if transparent {
        let format = if format.supports_alpha() {
            format
        } else {
            ImageFormat::Png
        };
        (format, DynamicImage::ImageRgba8(image))
    } else {
        (
            format,
            DynamicImage::ImageRgb8(DynamicImage::ImageRgba8(image).to_rgb8()),
        )
    };
    let bytes = encode(&image, format, EncodeOptions { quality })?;
    Ok(OutputFile::new(
        format!("{}.{}", input.stem(), format.extension()),
        format.media_type(),
        bytes,
    ))
}

/// The `text` setting of a tool that draws text: trimmed, required (400 when empty or
/// absent) and at most `max_chars` characters (400 beyond).
pub fn required_text(text: Option<&str>, max_chars: usize) -> Result<String, ToolError> {
    lathe_tool_sdk::settings::required_text(text.map(str::trim), max_chars).map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    const WHITE: Rgba<u8> = Rgba([255, 255, 255, 255]);
    const BLACK: Rgba<u8> = Rgba([0, 0, 0, 255]);

    #[test]
    fn anchors_place_items() {
        assert_eq!(
            Anchor::from_name("bottom-right")
                .unwrap()
                .place((100, 50), (10, 10), 5),
            (85, 35)
        );
        assert_eq!(Anchor::Center.place((100, 50), (10, 10), 5), (45, 20));
        assert_eq!(Anchor::from_name("nope"), None);
    }

    #[test]
    fn wider_text_measures_wider() {
        assert!(line_width(Face::Sans, 20.0, "Hello") < line_width(Face::Sans, 20.0, "Hello!!"));
        assert!(line_width(Face::Sans, 10.0, "Hi") < line_width(Face::Sans, 20.0, "Hi"));
    }

    #[test]
    fn wrap_respects_width() {
        let lines = wrap(Face::Sans, 20.0, "the quick brown fox jumps over", 80.0);
        assert!(lines.len() > 2);
        for l in &lines {
            assert!(line_width(Face::Sans, 20.0, l) <= 80.0, "{l}");
        }
        let broken = wrap(Face::Sans, 20.0, "aaaaaaaaaaaaaaaaaaaaaaaa", 60.0);
        assert!(broken.len() > 1);
    }

    #[test]
    fn render_with_stroke_has_both_colours() {
        let mut style = Style::new(Face::CondensedBold, 40.0, WHITE);
        style.stroke = Some(Stroke {
            width: 3.0,
            color: BLACK,
        });
        let tile = render(&["HELLO".to_string()], &style).unwrap();
        assert_eq!(
            (tile.width(), tile.height()),
            measure(&["HELLO".into()], &style)
        );
        assert!(tile.pixels().any(|p| p.0 == [255, 255, 255, 255]));
        assert!(tile.pixels().any(|p| p.0 == [0, 0, 0, 255]));
        assert!(tile.pixels().any(|p| p.0[3] == 0));
    }

    #[test]
    fn fit_shrinks_long_text() {
        let style = Style::new(Face::Sans, 20.0, WHITE);
        let (big, _) = fit("hi", &style, 400.0, 100.0, 8.0, 200.0);
        let (small, lines) = fit(
            "a much longer sentence that needs to wrap",
            &style,
            400.0,
            100.0,
            8.0,
            200.0,
        );
        assert!(small < big);
        let mut s = style;
        s.size = small;
        let (w, h) = measure(&lines, &s);
        assert!(w <= 400 && h <= 100);
    }

    #[test]
    fn rotate_quarter_turn_swaps_sides() {
        let tile = RgbaImage::from_pixel(40, 10, WHITE);
        let r = rotate(&tile, 90.0).unwrap();
        assert!((r.width() as i32 - 10).abs() <= 1 && (r.height() as i32 - 40).abs() <= 1);
        let c = r.get_pixel(r.width() / 2, r.height() / 2);
        assert_eq!(c.0[3], 255);
    }

    #[test]
    fn draw_with_zero_opacity_changes_nothing() {
        let mut dst = RgbaImage::from_pixel(10, 10, BLACK);
        let tile = RgbaImage::from_pixel(5, 5, WHITE);
        draw(&mut dst, &tile, 2, 2, 0.0);
        assert!(dst.pixels().all(|p| *p == BLACK));
        draw(&mut dst, &tile, -2, -2, 1.0);
        assert_eq!(*dst.get_pixel(0, 0), WHITE);
        assert_eq!(*dst.get_pixel(3, 3), BLACK);
    }
}
