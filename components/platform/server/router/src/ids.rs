//! Random identifiers and secrets.

/// `n` random bytes from the host's secure random source.
pub fn random_bytes(n: usize) -> Vec<u8> {
    let mut buf = vec![0u8; n];
    getrandom::getrandom(&mut buf).expect("the host provides secure randomness");
    buf
}

/// A random UUID (version 4) string.
pub fn uuid() -> String {
    let mut b = [0u8; 16];
    b.copy_from_slice(&random_bytes(16));
    lathe_store_layout::uuid_v4(b)
}

/// Whether `s` looks like a UUID made by [`uuid`] (guards store keys built from paths).
pub fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.chars().enumerate().all(|(i, c)| {
            if [8, 13, 18, 23].contains(&i) {
                c == '-'
            } else {
                c.is_ascii_hexdigit()
            }
        })
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// An RFC 3339 timestamp (UTC) for `ms` since the epoch (the store format's, so the
/// worker writes the same).
pub use lathe_store_layout::iso8601;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_and_uuids() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso8601(1_795_305_600_123), "2026-11-22T00:00:00.123Z");
        assert!(is_uuid("123e4567-e89b-42d3-a456-426614174000"));
        assert!(!is_uuid("../../etc/passwd"));
    }
}
