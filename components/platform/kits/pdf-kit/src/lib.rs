//! PDF helpers shared by Lathe's PDF tools: bounded loading with [`load`], saving with
//! [`save`], the page tree ([`PageTree`]), inherited page attributes, qpdf page ranges
//! ([`parse_page_ranges`]) and [`PdfBuilder`], which copies pages with only the objects they
//! need into a new document.
//!
//! Stream data is never decoded or recompressed: content streams, images and fonts are
//! copied byte for byte.

pub mod impose;
mod per_sheet;
mod ranges;
mod tool;

use std::collections::{HashMap, HashSet};

pub use lathe_tool_sdk::ToolError;
pub use lopdf;
pub use ranges::{pages_or_all, parse_page_groups, parse_page_ranges, MAX_SELECTED_PAGES};
pub use tool::{
    load_range, one_pdf_tool_info, pdf_output, required_range_schema, set_page_entry, PDF_MIME,
};

use lathe_tool_sdk::{unsupported, Input};
use lopdf::xref::XrefType;
use lopdf::{Dictionary, Document, Object, ObjectId};

/// The most pages a document may have.
pub const MAX_PAGES: usize = 10_000;

/// Page attributes a page inherits from its ancestors in the page tree.
pub const INHERITABLE: [&[u8]; 4] = [b"Resources", b"MediaBox", b"CropBox", b"Rotate"];

/// How deeply objects may nest (arrays and dictionaries) before a document is refused.
const MAX_DEPTH: usize = 256;

/// How far up the page tree inherited attributes are looked for.
const MAX_TREE_DEPTH: usize = 64;

/// Loads a PDF from an input's bytes.
///
/// A file without a `%PDF-` header or that lopdf cannot parse is
/// [`ToolError::UnsupportedInput`], as is a password-protected file (an empty user
/// password is tried, as PDF readers do). More than [`MAX_PAGES`] pages is
/// [`ToolError::TooLarge`].
pub fn load(input: &Input) -> Result<Document, ToolError> {
    let head = &input.data[..input.data.len().min(1024)];
    if !head.windows(5).any(|w| w == b"%PDF-") {
        return Err(unsupported(format!("'{}' is not a PDF file", input.name)));
    }
    let doc = Document::load_mem(&input.data)
        .map_err(|e| unsupported(format!("'{}' could not be read as a PDF: {e}", input.name)))?;
    if doc.is_encrypted() {
        return Err(unsupported(format!(
            "'{}' is password-protected; remove the password first (these tools do not take passwords)",
            input.name
        )));
    }
    PageTree::of(&doc).map_err(|e| match e {
        ToolError::UnsupportedInput(m) => unsupported(format!("'{}': {m}", input.name)),
        other => other,
    })?;
    Ok(doc)
}

/// Serialises a document (classic cross-reference table, stream data as it is).
pub fn save(doc: &mut Document) -> Result<Vec<u8>, ToolError> {
    prepare_for_save(doc);
    doc.reference_table.cross_reference_type = XrefType::CrossReferenceTable;
    fix_lengths(doc);
    write_classic(doc)
}

/// Readies a document for writing: its trailer keeps only `Root`, `Info` and `ID`, and
/// the source's object streams, cross-reference streams and linearization dictionary
/// are dropped (lopdf already unpacked them), so the trailer's `/Size` matches what is
/// written.
pub fn prepare_for_save(doc: &mut Document) {
    let mut trailer = Dictionary::new();
    for key in [b"Root".as_slice(), b"Info", b"ID"] {
        if let Ok(v) = doc.trailer.get(key) {
            trailer.set(key, v.clone());
        }
    }
    doc.trailer = trailer;
    doc.objects.retain(|_, object| {
        !matches!(object.type_name(), Ok(name) if name == b"ObjStm" || name == b"XRef" || name == b"Linearized")
    });
}

/// Sets every stream's `/Length` to its content's length and the document's highest
/// object number.
pub fn fix_lengths(doc: &mut Document) {
    for object in doc.objects.values_mut() {
        if let Object::Stream(stream) = object {
            let len = stream.content.len() as i64;
            stream.dict.set("Length", len);
        }
    }
    doc.max_id = doc.objects.keys().next_back().map(|id| id.0).unwrap_or(0);
}

/// Writes a document as it is (see [`save`] for the clean-up before).
pub fn write_classic(doc: &mut Document) -> Result<Vec<u8>, ToolError> {
    let mut out = Vec::new();
    doc.save_to(&mut out)
        .map_err(|e| ToolError::Failed(format!("could not write the PDF: {e}")))?;
    Ok(out)
}

/// The value of a numeric object (integer or real).
pub fn number(o: &Object) -> Option<f64> {
    match o {
        Object::Integer(i) => Some(*i as f64),
        Object::Real(r) => Some(f64::from(*r)),
        _ => None,
    }
}

/// An integer entry `key` of a dictionary, a reference to it resolved.
pub fn int_entry(doc: &Document, dict: &Dictionary, key: &[u8]) -> Option<i64> {
    let v = dict.get(key).ok()?;
    doc.dereference(v).ok()?.1.as_i64().ok()
}

/// The page tree of a document: its pages in order and every node of the tree.
#[derive(Debug, Clone)]
pub struct PageTree {
    /// Page objects in document order.
    pub pages: Vec<ObjectId>,
    /// Every object of the tree: pages and intermediate `Pages` nodes.
    nodes: HashSet<ObjectId>,
}

impl PageTree {
    /// Walks the page tree from the catalog (cycles and missing objects are skipped).
    /// No pages is [`ToolError::UnsupportedInput`]; more than [`MAX_PAGES`] is
    /// [`ToolError::TooLarge`].
    pub fn of(doc: &Document) -> Result<PageTree, ToolError> {
        let root = doc
            .catalog()
            .ok()
            .and_then(|c| c.get(b"Pages").ok())
            .and_then(|p| p.as_reference().ok())
            .ok_or_else(|| unsupported("the PDF has no page tree"))?;
        let mut pages = Vec::new();
        let mut nodes = HashSet::new();
        let mut stack = vec![root];
        while let Some(id) = stack.pop() {
            if !nodes.insert(id) {
                continue;
            }
            let Ok(dict) = doc.get_dictionary(id) else {
                continue;
            };
            let kids = dict.get(b"Kids").and_then(Object::as_array).ok();
            let is_node = dict.has_type(b"Pages") || (!dict.has_type(b"Page") && kids.is_some());
            if is_node {
                if let Some(kids) = kids {
                    stack.extend(kids.iter().rev().filter_map(|k| k.as_reference().ok()));
                }
            } else {
                pages.push(id);
                if pages.len() > MAX_PAGES {
                    return Err(ToolError::TooLarge(format!(
                        "the PDF has more than {MAX_PAGES} pages"
                    )));
                }
            }
        }
        if pages.is_empty() {
            return Err(unsupported("the PDF has no pages"));
        }
        Ok(PageTree { pages, nodes })
    }

    /// Number of pages.
    pub fn len(&self) -> u32 {
        self.pages.len() as u32
    }

    /// Whether the tree has no pages (never true for a tree [`PageTree::of`] returned).
    pub fn is_empty(&self) -> bool {
        self.pages.is_empty()
    }

    /// The object of 1-based page `n`, if it exists.
    pub fn page(&self, n: u32) -> Option<ObjectId> {
        self.pages.get((n as usize).checked_sub(1)?).copied()
    }

    /// Whether `id` is a page or a node of this tree.
    pub fn contains(&self, id: ObjectId) -> bool {
        self.nodes.contains(&id)
    }

    /// The distinct pages an optional page range selects, with their numbers: every page
    /// when `spec` is empty (see [`pages_or_all`] and [`PageTree::distinct_pages`]).
    pub fn selected_pages(&self, spec: &str) -> Result<Vec<(u32, ObjectId)>, ToolError> {
        Ok(self.distinct_pages(&pages_or_all(spec, self.len())?))
    }

    /// The pages of 1-based page numbers `numbers` with their numbers, in that order,
    /// each page object once (numbers past the end and repeats are passed over).
    pub fn distinct_pages(&self, numbers: &[u32]) -> Vec<(u32, ObjectId)> {
        let mut seen = HashSet::new();
        numbers
            .iter()
            .filter_map(|&n| Some((n, self.page(n)?)))
            .filter(|&(_, page)| seen.insert(page))
            .collect()
    }
}

/// The value of page attribute `key` as the page sees it: its own, or else the nearest
/// ancestor's. References are returned as they are (not resolved).
pub fn inherited<'a>(doc: &'a Document, page: ObjectId, key: &[u8]) -> Option<&'a Object> {
    let mut dict = doc.get_dictionary(page).ok()?;
    let mut seen = HashSet::new();
    for _ in 0..MAX_TREE_DEPTH {
        if let Ok(v) = dict.get(key) {
            return Some(v);
        }
        let parent = dict.get(b"Parent").and_then(Object::as_reference).ok()?;
        if !seen.insert(parent) {
            return None;
        }
        dict = doc.get_dictionary(parent).ok()?;
    }
    None
}

/// A page's effective `/Rotate` (own or inherited) in degrees, normalised to `0..360`.
pub fn effective_rotate(doc: &Document, page: ObjectId) -> i64 {
    let Some(value) = inherited(doc, page, b"Rotate") else {
        return 0;
    };
    let value = doc
        .dereference(value)
        .map(|(_, v)| v)
        .unwrap_or(&Object::Null);
    let degrees = match value {
        Object::Integer(i) => *i,
        Object::Real(r) if r.is_finite() => r.round() as i64,
        _ => 0,
    };
    degrees.rem_euclid(360)
}

/// Builds a new document from pages of other documents, copying each page with only the
/// objects it reaches (resources, content streams, annotations). Inherited attributes are
/// copied onto each page; references to pages that are not copied become `null`. Outlines,
/// forms and other catalog-level structures are not carried over.
pub struct PdfBuilder {
    doc: Document,
    pages_id: ObjectId,
    kids: Vec<Object>,
}

impl Default for PdfBuilder {
    fn default() -> Self {
        Self::new()
    }
}

/// What will be copied from a source document.
struct Plan {
    /// The new page dictionaries (references still in the source's numbering).
    pages: Vec<(ObjectId, Dictionary)>,
    /// Source objects to copy, with their new ids.
    objects: Vec<(ObjectId, ObjectId)>,
    /// Source id → new id for everything copied.
    map: HashMap<ObjectId, ObjectId>,
}

impl PdfBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        let mut doc = Document::with_version("1.4");
        let pages_id = doc.new_object_id();
        PdfBuilder {
            doc,
            pages_id,
            kids: Vec::new(),
        }
    }

    /// Number of pages added so far.
    pub fn page_count(&self) -> usize {
        self.kids.len()
    }

    /// Copies the given pages of `src` (in that order, repeats allowed) to the end.
    pub fn add_pages(
        &mut self,
        src: &Document,
        tree: &PageTree,
        pages: &[ObjectId],
    ) -> Result<(), ToolError> {
        let plan = self.plan(src, tree, pages)?;
        self.commit(plan, |id| src.objects.get(&id).cloned())
    }

    /// Moves all pages of `src` to the end (no copies of stream data are made).
    pub fn append_document(&mut self, mut src: Document) -> Result<(), ToolError> {
        let tree = PageTree::of(&src)?;
        let plan = self.plan(&src, &tree, &tree.pages)?;
        self.commit(plan, |id| src.objects.remove(&id))
    }

    /// The finished document.
    pub fn finish(mut self) -> Document {
        let count = self.kids.len() as i64;
        let mut pages = Dictionary::new();
        pages.set("Type", Object::Name(b"Pages".to_vec()));
        pages.set("Kids", Object::Array(self.kids));
        pages.set("Count", count);
        self.doc
            .objects
            .insert(self.pages_id, Object::Dictionary(pages));
        let mut catalog = Dictionary::new();
        catalog.set("Type", Object::Name(b"Catalog".to_vec()));
        catalog.set("Pages", self.pages_id);
        let catalog_id = self.doc.add_object(catalog);
        self.doc.trailer.set("Root", catalog_id);
        self.doc
    }

    fn next_id(&mut self) -> Result<ObjectId, ToolError> {
        if self.doc.max_id >= 8_000_000 {
            return Err(ToolError::TooLarge(
                "the result would have too many objects".into(),
            ));
        }
        Ok(self.doc.new_object_id())
    }

    fn plan(
        &mut self,
        src: &Document,
        tree: &PageTree,
        pages: &[ObjectId],
    ) -> Result<Plan, ToolError> {
        if self.kids.len() + pages.len() > MAX_PAGES {
            return Err(ToolError::TooLarge(format!(
                "the result would have more than {MAX_PAGES} pages"
            )));
        }
        if src.version.as_str() > self.doc.version.as_str() && src.version.len() <= 8 {
            self.doc.version = src.version.clone();
        }
        let mut map = HashMap::new();
        let mut new_pages = Vec::with_capacity(pages.len());
        let mut queue = Vec::new();
        for &page in pages {
            let mut dict = src
                .get_dictionary(page)
                .map_err(|_| unsupported("a page of the PDF is not a dictionary"))?
                .clone();
            dict.remove(b"Parent");
            for key in INHERITABLE {
                if !dict.has(key) {
                    if let Some(v) = inherited(src, page, key) {
                        dict.set(key, v.clone());
                    }
                }
            }
            collect_refs(&Object::Dictionary(dict.clone()), &mut queue, 0)?;
            let new_id = self.next_id()?;
            map.entry(page).or_insert(new_id);
            new_pages.push((new_id, dict));
        }
        let mut objects = Vec::new();
        while let Some(id) = queue.pop() {
            if map.contains_key(&id) || tree.contains(id) {
                continue;
            }
            let Some(object) = src.objects.get(&id) else {
                continue;
            };
            let new_id = self.next_id()?;
            map.insert(id, new_id);
            objects.push((id, new_id));
            collect_refs(object, &mut queue, 0)?;
        }
        Ok(Plan {
            pages: new_pages,
            objects,
            map,
        })
    }

    fn commit(
        &mut self,
        plan: Plan,
        mut fetch: impl FnMut(ObjectId) -> Option<Object>,
    ) -> Result<(), ToolError> {
        for (old, new) in plan.objects {
            let Some(mut object) = fetch(old) else {
                continue;
            };
            remap(&mut object, &plan.map, 0)?;
            self.doc.objects.insert(new, object);
        }
        for (new_id, mut dict) in plan.pages {
            for (_, v) in dict.iter_mut() {
                remap(v, &plan.map, 0)?;
            }
            dict.set("Type", Object::Name(b"Page".to_vec()));
            dict.set("Parent", self.pages_id);
            self.doc.objects.insert(new_id, Object::Dictionary(dict));
            self.kids.push(Object::Reference(new_id));
        }
        Ok(())
    }
}

fn too_deep() -> ToolError {
    unsupported("the PDF nests objects too deeply")
}

/// Pushes every reference inside `object` (not following them) onto `out`.
fn collect_refs(object: &Object, out: &mut Vec<ObjectId>, depth: usize) -> Result<(), ToolError> {
    if depth > MAX_DEPTH {
        return Err(too_deep());
    }
    match object {
        Object::Reference(id) => out.push(*id),
        Object::Array(items) => {
            for item in items {
                collect_refs(item, out, depth + 1)?;
            }
        }
        Object::Dictionary(dict) => {
            for (_, v) in dict.iter() {
                collect_refs(v, out, depth + 1)?;
            }
        }
        Object::Stream(stream) => {
            for (_, v) in stream.dict.iter() {
                collect_refs(v, out, depth + 1)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// Rewrites references through `map`; references not in it become `null`.
fn remap(
    object: &mut Object,
    map: &HashMap<ObjectId, ObjectId>,
    depth: usize,
) -> Result<(), ToolError> {
    if depth > MAX_DEPTH {
        return Err(too_deep());
    }
    match object {
        Object::Reference(id) => match map.get(id) {
            Some(new) => *id = *new,
            None => *object = Object::Null,
        },
        Object::Array(items) => {
            for item in items {
                remap(item, map, depth + 1)?;
            }
        }
        Object::Dictionary(dict) => {
            for (_, v) in dict.iter_mut() {
                remap(v, map, depth + 1)?;
            }
        }
        Object::Stream(stream) => {
            for (_, v) in stream.dict.iter_mut() {
                remap(v, map, depth + 1)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// The first non-empty page-range setting of `values` (a setting and its aliases), or an
/// invalid-settings error naming `name` with an `example`.
pub fn required_range<'a>(
    values: &[Option<&'a str>],
    name: &str,
    example: &str,
) -> Result<&'a str, ToolError> {
    values
        .iter()
        .flatten()
        .map(|s| s.trim())
        .find(|s| !s.is_empty())
        .ok_or_else(|| {
            lathe_tool_sdk::invalid_settings(format!("{name} is required, e.g. \"{example}\""))
        })
}

/// The first given page-range setting of `values` (a setting and its aliases), trimmed;
/// empty when none is given.
pub fn optional_range<'a>(values: &[Option<&'a str>]) -> &'a str {
    values.iter().flatten().next().map_or("", |s| s.trim())
}

/// A new PDF named `file_name` of pages `numbers` (1-based; any order, repeats allowed) of
/// `doc`, each copied with only the objects it reaches; its extra fields are `pageCount` and
/// `sourcePageCount`.
pub fn pdf_of_pages(
    doc: &Document,
    tree: &PageTree,
    numbers: &[u32],
    file_name: String,
) -> Result<lathe_tool_sdk::Output, ToolError> {
    let pages: Vec<_> = numbers.iter().filter_map(|&n| tree.page(n)).collect();
    let mut builder = PdfBuilder::new();
    builder.add_pages(doc, tree, &pages)?;
    Ok(pdf_output(&mut builder.finish(), file_name)?
        .with_extra(serde_json::json!({"pageCount": pages.len(), "sourcePageCount": tree.len()})))
}

/// Most decompressed content bytes [`page_text`] reads for one page.
pub const MAX_PAGE_CONTENT: usize = 64 * 1024 * 1024;

/// The text of page `number` (lopdf's `extract_text`), trailing whitespace trimmed; a page
/// whose content cannot be decoded gives an empty text, one over [`MAX_PAGE_CONTENT`] is
/// too large.
pub fn page_text(doc: &lopdf::Document, number: u32) -> Result<String, ToolError> {
    match doc.extract_text_with_limit(&[number], MAX_PAGE_CONTENT) {
        Ok(text) => Ok(text.trim_end().to_string()),
        Err(lopdf::Error::Decompress(lopdf::DecompressError::MemoryLimitExceeded { .. })) => {
            Err(ToolError::TooLarge(format!(
                "page {number} has more than {} MiB of content",
                MAX_PAGE_CONTENT / (1024 * 1024)
            )))
        }
        Err(_) => Ok(String::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lopdf::{dictionary, Stream};

    /// A document whose Pages node carries Resources, MediaBox and Rotate for its pages.
    fn sample(pages: u32, rotate: i64) -> Vec<u8> {
        let mut doc = Document::with_version("1.7");
        let pages_id = doc.new_object_id();
        let font = doc.add_object(
            dictionary! { "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica" },
        );
        let resources = doc.add_object(dictionary! { "Font" => dictionary! { "F1" => font } });
        let mut kids = Vec::new();
        for i in 1..=pages {
            let content = doc.add_object(Stream::new(
                dictionary! {},
                format!("BT /F1 24 Tf 72 700 Td (p{i}) Tj ET").into_bytes(),
            ));
            let page = doc.add_object(
                dictionary! { "Type" => "Page", "Parent" => pages_id, "Contents" => content },
            );
            kids.push(page.into());
        }
        doc.objects.insert(
            pages_id,
            Object::Dictionary(dictionary! {
                "Type" => "Pages", "Kids" => kids, "Count" => pages as i64, "Resources" => resources,
                "MediaBox" => vec![0.into(), 0.into(), 612.into(), 792.into()], "Rotate" => rotate,
            }),
        );
        let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
        doc.trailer.set("Root", catalog);
        let mut out = Vec::new();
        doc.save_to(&mut out).unwrap();
        out
    }

    fn input(data: Vec<u8>) -> Input {
        Input {
            name: "a.pdf".into(),
            media_type: "application/pdf".into(),
            data,
        }
    }

    #[test]
    fn loads_and_rejects() {
        let doc = load(&input(sample(3, 0))).unwrap();
        assert_eq!(PageTree::of(&doc).unwrap().len(), 3);
        assert!(matches!(
            load(&input(b"hello".to_vec())),
            Err(ToolError::UnsupportedInput(_))
        ));
        let mut truncated = sample(3, 0);
        truncated.truncate(truncated.len() / 2);
        assert!(matches!(
            load(&input(truncated)),
            Err(ToolError::UnsupportedInput(_))
        ));
        assert!(matches!(
            load(&input(b"%PDF-1.7\n%%EOF".to_vec())),
            Err(ToolError::UnsupportedInput(_))
        ));
    }

    #[test]
    fn builder_copies_pages_with_inherited_attributes() {
        let doc = load(&input(sample(4, 90))).unwrap();
        let tree = PageTree::of(&doc).unwrap();
        let mut builder = PdfBuilder::new();
        builder
            .add_pages(&doc, &tree, &[tree.pages[3], tree.pages[0], tree.pages[0]])
            .unwrap();
        let mut out = builder.finish();
        let bytes = save(&mut out).unwrap();
        let back = Document::load_mem(&bytes).unwrap();
        let back_tree = PageTree::of(&back).unwrap();
        assert_eq!(back_tree.len(), 3);
        for &p in &back_tree.pages {
            let page = back.get_dictionary(p).unwrap();
            assert!(page.has(b"Resources") && page.has(b"MediaBox"));
            assert_eq!(effective_rotate(&back, p), 90);
        }
        let text = |n: usize| String::from_utf8(back.get_page_content(back_tree.pages[n])).unwrap();
        assert!(text(0).contains("(p4)"));
        assert!(text(1).contains("(p1)"));
        // Only the needed objects: 2 contents, font, resources, 3 pages, pages, catalog.
        assert_eq!(back.objects.len(), 9);
    }

    #[test]
    fn append_merges_documents() {
        let mut builder = PdfBuilder::new();
        for n in [2, 3] {
            builder
                .append_document(load(&input(sample(n, 0))).unwrap())
                .unwrap();
        }
        assert_eq!(builder.page_count(), 5);
        let bytes = save(&mut builder.finish()).unwrap();
        let back = Document::load_mem(&bytes).unwrap();
        assert_eq!(back.get_pages().len(), 5);
    }

    #[test]
    fn rotate_is_inherited_and_normalised() {
        let doc = load(&input(sample(1, -90))).unwrap();
        let tree = PageTree::of(&doc).unwrap();
        assert_eq!(effective_rotate(&doc, tree.pages[0]), 270);
    }

    #[test]
    fn cyclic_page_tree_does_not_hang() {
        let mut doc = Document::with_version("1.7");
        let pages_id = doc.new_object_id();
        let page = doc.add_object(dictionary! { "Type" => "Page", "Parent" => pages_id });
        doc.objects.insert(
            pages_id,
            Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => vec![page.into(), pages_id.into()], "Count" => 1, "Parent" => pages_id }),
        );
        let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
        doc.trailer.set("Root", catalog);
        let tree = PageTree::of(&doc).unwrap();
        assert_eq!(tree.len(), 1);
        assert_eq!(effective_rotate(&doc, page), 0);
    }
}
