//! Spin's identifier rules, as `spin_serde::id::Id<DELIM, LOWER>` (crates/serde/src/id.rs at
//! Spin v4.0.2) checks them, with Spin's reasons. Component ids and dependency interface
//! names are kebab-case ids, variable names lower-case snake-case ids, key-value labels
//! either. Hand-written because Spin publishes the rule only inside its CLI crates.

/// Checks `id` as Spin's `Id<delim, lower>`: `delim`-separated non-empty words, each starting
/// with an ASCII letter, of ASCII letters and digits, each word all lower-case or all
/// upper-case (all lower-case when `lower`). Returns Spin's reason when it is not.
pub fn check_id(id: &str, delim: char, lower: bool) -> Result<(), String> {
    if id.is_empty() {
        return Err("empty".into());
    }
    let wrong = match delim {
        '_' => Some('-'),
        '-' => Some('_'),
        _ => None,
    };
    if let Some(wrong) = wrong.filter(|w| id.contains(*w)) {
        return Err(format!(
            "words must be separated with {delim:?}, not {wrong:?}"
        ));
    }
    for word in id.split(delim) {
        let mut chars = word.chars();
        let Some(first) = chars.next() else {
            return Err(format!("{delim:?}-separated words must not be empty"));
        };
        if !first.is_ascii_alphabetic() {
            return Err(format!(
                "{delim:?}-separated words must start with an ASCII letter; got {first:?}"
            ));
        }
        let upper = first.is_ascii_uppercase();
        for ch in chars {
            if ch.is_ascii_digit() {
                continue;
            }
            if !ch.is_ascii_alphanumeric() {
                return Err(format!(
                    "{delim:?}-separated words may only contain alphanumeric ASCII; got {ch:?}"
                ));
            }
            if ch.is_ascii_uppercase() != upper {
                return Err(format!(
                    "{delim:?}-separated words must be all lowercase or all UPPERCASE; got {word:?}"
                ));
            }
        }
        if lower && upper {
            return Err(format!(
                "Lower-case identifiers must be all lowercase; got {id:?}"
            ));
        }
    }
    Ok(())
}

/// A kebab-case id (`KebabId`): component ids, dependency interface names.
pub fn check_kebab_id(id: &str) -> Result<(), String> {
    check_id(id, '-', false)
}

/// A lower-case snake-case id (`LowerSnakeId`): variable names.
pub fn check_lower_snake_id(id: &str) -> Result<(), String> {
    check_id(id, '_', true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spins_rules() {
        assert!(check_kebab_id("image-resize").is_ok());
        assert!(check_kebab_id("IMAGE-resize").is_ok());
        assert_eq!(
            check_kebab_id("image_resize").unwrap_err(),
            "words must be separated with '-', not '_'"
        );
        assert!(check_kebab_id("9lives").is_err());
        assert!(check_kebab_id("a--b").is_err());
        assert!(check_kebab_id("aB").is_err());
        assert!(check_lower_snake_id("admin_password").is_ok());
        assert!(check_lower_snake_id("ADMIN").is_err());
        assert!(check_id("default", '_', false).is_ok());
    }
}
