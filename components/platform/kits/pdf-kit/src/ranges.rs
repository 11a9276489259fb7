//! qpdf page-range syntax: `1-3,5,z,r2-r1,5-1`.

use lathe_tool_sdk::{invalid_settings, ToolError};

/// The most page numbers one range specification may expand to (repeats included).
pub const MAX_SELECTED_PAGES: usize = 100_000;

/// Parses a qpdf page-range specification against a document of `page_count` pages and
/// returns the selected 1-based page numbers in the given order (repeats kept).
///
/// Items are separated by commas; each is a page (`7`), the last page (`z`), the N-th page
/// from the end (`rN`, `r1` = last) or a range of two of those (`a-b`, descending when
/// `a > b`). Whitespace around items and around `-` is ignored. Anything else, an empty
/// specification, or a page outside `1..=page_count` is [`ToolError::InvalidSettings`].
pub fn parse_page_ranges(spec: &str, page_count: u32) -> Result<Vec<u32>, ToolError> {
    Ok(parse_page_groups(spec, page_count)?
        .into_iter()
        .flatten()
        .collect())
}

/// The pages an optional page range selects: every page (`1..=page_count`) when `spec`
/// is empty, else [`parse_page_ranges`].
pub fn pages_or_all(spec: &str, page_count: u32) -> Result<Vec<u32>, ToolError> {
    if spec.is_empty() {
        Ok((1..=page_count).collect())
    } else {
        parse_page_ranges(spec, page_count)
    }
}

/// Like [`parse_page_ranges`], but keeps each comma-separated item as its own group.
pub fn parse_page_groups(spec: &str, page_count: u32) -> Result<Vec<Vec<u32>>, ToolError> {
    if spec.trim().is_empty() {
        return Err(invalid_settings("the page range is empty"));
    }
    let mut groups = Vec::new();
    let mut total = 0usize;
    for raw in spec.split(',') {
        let item = raw.trim();
        let group = parse_item(item, page_count)?;
        total += group.len();
        if total > MAX_SELECTED_PAGES {
            return Err(invalid_settings(format!(
                "the page range selects more than {MAX_SELECTED_PAGES} pages"
            )));
        }
        groups.push(group);
    }
    Ok(groups)
}

fn parse_item(item: &str, page_count: u32) -> Result<Vec<u32>, ToolError> {
    let bad = |why: &str| invalid_settings(format!("invalid page range item '{item}': {why}"));
    if item.is_empty() {
        return Err(bad("empty item"));
    }
    let mut parts = item.splitn(2, '-');
    let first = parts.next().unwrap_or("").trim();
    let second = parts.next().map(str::trim);
    let a = parse_page(first, page_count).map_err(|why| bad(&why))?;
    match second {
        None => Ok(vec![a]),
        Some(second) => {
            let b = parse_page(second, page_count).map_err(|why| bad(&why))?;
            Ok(if a <= b {
                (a..=b).collect()
            } else {
                (b..=a).rev().collect()
            })
        }
    }
}

/// Parses one page token (`7`, `z`, `rN`) into a 1-based page number.
fn parse_page(token: &str, page_count: u32) -> Result<u32, String> {
    if token.is_empty() {
        return Err("a page number is missing".into());
    }
    let number = |digits: &str| -> Result<u32, String> {
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("'{token}' is not a page number, z or rN"));
        }
        let trimmed = digits.trim_start_matches('0');
        if trimmed.len() > 9 {
            return Err(format!(
                "page {digits} does not exist (the document has {page_count} pages)"
            ));
        }
        Ok(trimmed.parse::<u32>().unwrap_or(0))
    };
    let page = if token.eq_ignore_ascii_case("z") {
        page_count
    } else if let Some(rest) = token.strip_prefix(['r', 'R']) {
        let n = number(rest)?;
        if n == 0 || n > page_count {
            return Err(format!(
                "{token} does not exist (the document has {page_count} pages)"
            ));
        }
        page_count + 1 - n
    } else {
        let n = number(token)?;
        if n == 0 {
            return Err("pages are numbered from 1".into());
        }
        n
    };
    if page == 0 || page > page_count {
        return Err(format!(
            "page {page} does not exist (the document has {page_count} pages)"
        ));
    }
    Ok(page)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(spec: &str, n: u32) -> Vec<u32> {
        parse_page_ranges(spec, n).unwrap_or_else(|e| panic!("{spec}: {e}"))
    }

    fn err(spec: &str, n: u32) -> String {
        match parse_page_ranges(spec, n) {
            Err(ToolError::InvalidSettings(m)) => m,
            other => panic!("{spec}: expected InvalidSettings, got {other:?}"),
        }
    }

    #[test]
    fn single_pages_and_lists() {
        assert_eq!(ok("1", 5), vec![1]);
        assert_eq!(ok("5", 5), vec![5]);
        assert_eq!(ok("3,1,2", 5), vec![3, 1, 2]);
        assert_eq!(ok("1,1", 5), vec![1, 1]);
        assert_eq!(ok("007", 9), vec![7]);
    }

    #[test]
    fn ranges() {
        assert_eq!(ok("1-3", 5), vec![1, 2, 3]);
        assert_eq!(ok("2-2", 5), vec![2]);
        assert_eq!(ok("5-1", 5), vec![5, 4, 3, 2, 1]);
        assert_eq!(ok("1-3,5", 5), vec![1, 2, 3, 5]);
        assert_eq!(ok("1-2,2-1", 3), vec![1, 2, 2, 1]);
    }

    #[test]
    fn last_and_from_end() {
        assert_eq!(ok("z", 5), vec![5]);
        assert_eq!(ok("Z", 5), vec![5]);
        assert_eq!(ok("r1", 5), vec![5]);
        assert_eq!(ok("r5", 5), vec![1]);
        assert_eq!(ok("z-1", 4), vec![4, 3, 2, 1]);
        assert_eq!(ok("1-z", 3), vec![1, 2, 3]);
        assert_eq!(ok("r3-r1", 5), vec![3, 4, 5]);
        assert_eq!(ok("z-r2", 5), vec![5, 4]);
        assert_eq!(ok("r2-z", 5), vec![4, 5]);
        assert_eq!(ok("z", 1), vec![1]);
    }

    #[test]
    fn whitespace_is_ignored() {
        assert_eq!(ok(" 1 - 3 , 5 ", 5), vec![1, 2, 3, 5]);
        assert_eq!(ok("\t2,\nz", 5), vec![2, 5]);
    }

    #[test]
    fn groups_keep_items_apart() {
        assert_eq!(
            parse_page_groups("1-3,5", 5).unwrap(),
            vec![vec![1, 2, 3], vec![5]]
        );
        assert_eq!(
            parse_page_groups("z-r2,1", 5).unwrap(),
            vec![vec![5, 4], vec![1]]
        );
    }

    #[test]
    fn rejects_bad_items_naming_them() {
        assert!(err("", 3).contains("empty"));
        assert!(err("   ", 3).contains("empty"));
        assert!(err("0", 3).contains("'0'"));
        assert!(err("abc", 3).contains("'abc'"));
        assert!(err("9", 3).contains("'9'"));
        assert!(err("1,9", 3).contains("'9'"));
        assert!(err("3-", 3).contains("'3-'"));
        assert!(err("-3", 3).contains("'-3'"));
        assert!(err("1-2-3", 3).contains("'1-2-3'"));
        assert!(err("1,,2", 3).contains("''"));
        assert!(err("1,", 3).contains("''"));
        assert!(err("r0", 3).contains("'r0'"));
        assert!(err("r4", 3).contains("'r4'"));
        assert!(err("r", 3).contains("'r'"));
        assert!(err("rz", 3).contains("'rz'"));
        assert!(err("1 2", 3).contains("'1 2'"));
        assert!(err("+1", 3).contains("'+1'"));
        assert!(err("1.5", 3).contains("'1.5'"));
        assert!(err("99999999999999999999", 3).contains("99999999999999999999"));
        assert!(err("1-4", 3).contains("'1-4'"));
        assert!(err("1-3:odd", 3).contains("'1-3:odd'"));
        assert!(err("１", 3).contains("'１'"));
    }

    #[test]
    fn empty_document_has_no_pages() {
        assert!(parse_page_ranges("1", 0).is_err());
        assert!(parse_page_ranges("z", 0).is_err());
    }

    #[test]
    fn bounds_the_expansion() {
        let spec = ["1-10000"; 11].join(",");
        assert!(err(&spec, 10_000).contains("more than"));
        assert_eq!(ok(&["1-10000"; 10].join(","), 10_000).len(), 100_000);
    }
}
