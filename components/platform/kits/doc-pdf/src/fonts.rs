//! The embedded DejaVu faces: glyph lookup, advances, and the subset each document uses.

use std::collections::{BTreeMap, HashMap};

use lathe_tool_sdk::ToolError;
use subsetter::GlyphRemapper;

/// Which face a piece of text uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum FontId {
    Regular = 0,
    Bold = 1,
    Italic = 2,
    BoldItalic = 3,
    Mono = 4,
}

impl FontId {
    /// The face for a combination of bold, italic and monospace.
    pub(crate) fn pick(bold: bool, italic: bool, mono: bool) -> FontId {
        match (mono, bold, italic) {
            (true, _, _) => FontId::Mono,
            (false, true, true) => FontId::BoldItalic,
            (false, true, false) => FontId::Bold,
            (false, false, true) => FontId::Italic,
            (false, false, false) => FontId::Regular,
        }
    }

    /// The resource name used in content streams.
    pub(crate) fn resource(self) -> &'static [u8] {
        match self {
            FontId::Regular => b"F1",
            FontId::Bold => b"F2",
            FontId::Italic => b"F3",
            FontId::BoldItalic => b"F4",
            FontId::Mono => b"F5",
        }
    }
}

/// One face and the glyphs a document has used from it so far.
pub(crate) struct Face {
    /// The whole font file.
    pub data: &'static [u8],
    /// The parsed font.
    pub face: ttf_parser::Face<'static>,
    /// Units per em.
    pub upem: f32,
    /// PostScript name.
    pub name: &'static str,
    /// Italic angle for the font descriptor.
    pub italic_angle: f32,
    /// Old glyph id → subset glyph id.
    pub remapper: GlyphRemapper,
    /// Subset glyph id → the character it shows.
    pub unicode: BTreeMap<u16, char>,
    /// Character → (old glyph id, advance in font units).
    cache: HashMap<char, (u16, u16)>,
}

impl Face {
    fn load(data: &'static [u8], name: &'static str, italic_angle: f32) -> Result<Face, ToolError> {
        let face = ttf_parser::Face::parse(data, 0).map_err(|e| {
            ToolError::Failed(format!("the built-in font {name} is unreadable: {e}"))
        })?;
        let upem = f32::from(face.units_per_em().max(1));
        Ok(Face {
            data,
            face,
            upem,
            name,
            italic_angle,
            remapper: GlyphRemapper::new(),
            unicode: BTreeMap::new(),
            cache: HashMap::new(),
        })
    }

    /// The glyph and advance (font units) for a character; `?` for characters the face lacks.
    fn lookup(&mut self, c: char) -> (u16, u16) {
        if let Some(v) = self.cache.get(&c) {
            return *v;
        }
        let gid = self
            .face
            .glyph_index(c)
            .or_else(|| self.face.glyph_index('?'))
            .map_or(0, |g| g.0);
        let adv = self
            .face
            .glyph_hor_advance(ttf_parser::GlyphId(gid))
            .unwrap_or(0);
        self.cache.insert(c, (gid, adv));
        (gid, adv)
    }

    /// Width in points of `text` at `size`.
    pub(crate) fn width(&mut self, text: &str, size: f32) -> f32 {
        let units: u32 = text.chars().map(|c| u32::from(self.lookup(c).1)).sum();
        units as f32 * size / self.upem
    }

    /// The subset glyph ids of `text` as big-endian bytes (for `Identity-H`), recording use.
    pub(crate) fn encode(&mut self, text: &str) -> Vec<u8> {
        let mut out = Vec::with_capacity(text.len() * 2);
        // A no-break space is drawn (and extracted) as a plain space.
        for c in text.chars().map(|c| if c == '\u{a0}' { ' ' } else { c }) {
            let (gid, _) = self.lookup(c);
            let new = self.remapper.remap(gid);
            let shown = if self.face.glyph_index(c).is_some() {
                c
            } else {
                '?'
            };
            self.unicode.entry(new).or_insert(shown);
            out.extend_from_slice(&new.to_be_bytes());
        }
        out
    }

    /// Whether any glyph of this face was used.
    pub(crate) fn used(&self) -> bool {
        self.remapper.num_gids() > 1
    }

    /// Advance widths (1/1000 em) of the subset glyphs, in subset order.
    pub(crate) fn subset_widths(&self) -> Vec<f32> {
        self.remapper
            .remapped_gids()
            .map(|g| {
                let adv = self
                    .face
                    .glyph_hor_advance(ttf_parser::GlyphId(g))
                    .unwrap_or(0);
                f32::from(adv) * 1000.0 / self.upem
            })
            .collect()
    }

    /// Scales a font-unit value to 1/1000 em.
    pub(crate) fn to_pdf(&self, v: i16) -> f32 {
        f32::from(v) * 1000.0 / self.upem
    }
}

/// The five faces of a document.
pub(crate) struct Fonts {
    /// Indexed by [`FontId`].
    pub faces: Vec<Face>,
}

impl Fonts {
    /// Loads the built-in faces.
    pub(crate) fn load() -> Result<Fonts, ToolError> {
        Ok(Fonts {
            faces: vec![
                Face::load(dejavu::sans::regular(), "DejaVuSans", 0.0)?,
                Face::load(dejavu::sans::bold(), "DejaVuSans-Bold", 0.0)?,
                Face::load(dejavu::sans::oblique(), "DejaVuSans-Oblique", -11.0)?,
                Face::load(
                    dejavu::sans::bold_oblique(),
                    "DejaVuSans-BoldOblique",
                    -11.0,
                )?,
                Face::load(dejavu::sans_mono::regular(), "DejaVuSansMono", 0.0)?,
            ],
        })
    }

    /// The face for an id.
    pub(crate) fn face(&mut self, id: FontId) -> &mut Face {
        &mut self.faces[id as usize]
    }
}
