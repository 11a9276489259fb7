//! EXIF date strings (`YYYY:MM:DD HH:MM:SS`): normalising and shifting.
//!
//! Errors name the setting they came from (`dateShift` for shifts), as Lathe's metadata
//! tools call them. Hand-written: a few lines of civil-calendar arithmetic, not worth a date crate.

use lathe_store_layout::{civil_from_days, days_from_civil};
use lathe_tool_sdk::{invalid_settings, ToolError};

/// Parses `YYYY:MM:DD HH:MM:SS`, `YYYY-MM-DD HH:MM:SS`, `YYYY-MM-DDTHH:MM:SS` (a trailing
/// zone or fraction is ignored) or a bare date, into the EXIF form.
pub fn normalize(field: &str, value: &str) -> Result<String, ToolError> {
    let bad = || {
        invalid_settings(format!(
            "{field} must be a date like 2024:05:17 14:30:00, got '{value}'"
        ))
    };
    let digits: Vec<u32> = value
        .split(|c: char| !c.is_ascii_digit())
        .filter(|p| !p.is_empty())
        .take(6)
        .map(|p| p.parse::<u32>().map_err(|_| bad()))
        .collect::<Result<_, _>>()?;
    let get = |i: usize| digits.get(i).copied().unwrap_or(0);
    if digits.len() != 3 && digits.len() < 5 {
        return Err(bad());
    }
    let (y, mo, d, h, mi, s) = (get(0), get(1), get(2), get(3), get(4), get(5));
    if !(1..=9999).contains(&y)
        || !(1..=12).contains(&mo)
        || d < 1
        || d > days_in_month(y as i64, mo)
        || h > 23
        || mi > 59
        || s > 59
    {
        return Err(bad());
    }
    Ok(format!("{y:04}:{mo:02}:{d:02} {h:02}:{mi:02}:{s:02}"))
}

/// Parses a shift like `+2:30`, `-1:00`, `+0:00:30` or `5` (hours) into seconds.
pub fn parse_shift(value: &str) -> Result<i64, ToolError> {
    let bad = || {
        invalid_settings(format!(
            "dateShift must look like +H:MM or -H:MM, got '{value}'"
        ))
    };
    let v = value.trim();
    let (sign, rest) = match v.strip_prefix('-') {
        Some(r) => (-1, r),
        None => (1, v.strip_prefix('+').unwrap_or(v)),
    };
    let parts: Vec<&str> = rest.split(':').collect();
    if parts.is_empty() || parts.len() > 3 || parts.iter().any(|p| p.is_empty()) {
        return Err(bad());
    }
    let mut nums = [0i64; 3];
    for (i, p) in parts.iter().enumerate() {
        if !p.chars().all(|c| c.is_ascii_digit()) || p.len() > 6 {
            return Err(bad());
        }
        nums[i] = p.parse().map_err(|_| bad())?;
    }
    if nums[1] > 59 || nums[2] > 59 {
        return Err(bad());
    }
    Ok(sign * (nums[0] * 3600 + nums[1] * 60 + nums[2]))
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        2 => 28,
        _ => 31,
    }
}

/// Shifts a normalised EXIF date by `seconds`.
pub fn shift(date: &str, seconds: i64) -> Result<String, ToolError> {
    let n: Vec<i64> = date
        .split([':', ' '])
        .map(|p| p.parse::<i64>().unwrap_or(0))
        .collect();
    if n.len() != 6 {
        return Err(invalid_settings(format!("cannot shift the date '{date}'")));
    }
    let t = days_from_civil(n[0], n[1], n[2]) * 86400 + n[3] * 3600 + n[4] * 60 + n[5] + seconds;
    let (days, secs) = (t.div_euclid(86400), t.rem_euclid(86400));
    let (y, m, d) = civil_from_days(days);
    if !(1..=9999).contains(&y) {
        return Err(invalid_settings("dateShift moves the date out of range"));
    }
    Ok(format!(
        "{y:04}:{m:02}:{d:02} {:02}:{:02}:{:02}",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_and_shifts() {
        assert_eq!(
            normalize("d", "2024-02-28T23:30:00Z").unwrap(),
            "2024:02:28 23:30:00"
        );
        assert!(normalize("d", "2023:02:29 00:00:00").is_err());
        assert_eq!(parse_shift("-1:30").unwrap(), -5400);
        assert_eq!(
            shift("2024:02:28 23:30:00", 3600).unwrap(),
            "2024:02:29 00:30:00"
        );
        assert_eq!(
            shift("2024:01:01 00:10:00", -3600).unwrap(),
            "2023:12:31 23:10:00"
        );
    }
}
