//! Configuration through Spin variables (`SPIN_VARIABLE_<NAME>` under `spin up` and the
//! Lathe host alike). A component that does not declare a variable gets the default.

/// A variable's value, or `default` when the component does not declare it or it is empty.
pub fn get(name: &str, default: &str) -> String {
    match spin_sdk::variables::get(name) {
        Ok(v) if !v.trim().is_empty() => v,
        _ => default.to_string(),
    }
}

/// A numeric variable, or `default` when absent or unparsable.
pub fn get_u64(name: &str, default: u64) -> u64 {
    get(name, "").trim().parse().unwrap_or(default)
}

/// Whether authentication is on (`auth_enabled`, default true).
pub fn auth_enabled() -> bool {
    !matches!(
        get("auth_enabled", "true")
            .trim()
            .to_ascii_lowercase()
            .as_str(),
        "false" | "0" | "no" | "off"
    )
}

/// Session lifetime in hours (`session_duration_hours`, default 168 = 7 days).
pub fn session_hours() -> u64 {
    get_u64("session_duration_hours", 168).max(1)
}

/// Largest accepted upload in bytes (`max_upload_size_mb`, default 100; 0 = no limit).
pub fn max_upload_bytes() -> Option<u64> {
    match get_u64("max_upload_size_mb", 100) {
        0 => None,
        mb => Some(mb * 1024 * 1024),
    }
}
