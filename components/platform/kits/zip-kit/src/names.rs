//! Entry names.

/// Whether `name` is an unsafe entry name: a `..` component, an absolute path, a drive
/// letter or a NUL byte (`\` counts as `/`).
pub fn unsafe_name(name: &str) -> bool {
    let n = name.replace('\\', "/");
    if n.starts_with('/') || n.contains('\0') {
        return true;
    }
    let b = n.as_bytes();
    if b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':' {
        return true;
    }
    n.split('/').any(|c| c == "..")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for bad in [
            "../a",
            "a/../../b",
            "/etc/passwd",
            "C:/x",
            "c:x",
            "\\abs",
            "a\\..\\b",
        ] {
            assert!(unsafe_name(bad), "{bad}");
        }
        for ok in ["a.txt", "a/b.txt", "./a", "a..b"] {
            assert!(!unsafe_name(ok), "{ok}");
        }
    }
}
