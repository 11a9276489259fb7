//! Timestamps and ids as the API shows them.

/// An RFC 3339 timestamp (UTC) for `ms` since the epoch.
pub fn iso8601(ms: u64) -> String {
    let secs = ms / 1000;
    let days = secs / 86_400;
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days as i64);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60,
        ms % 1000
    )
}

/// A version-4 UUID string made of 16 random bytes (the caller brings the randomness, so
/// this crate needs no runtime).
pub fn uuid_v4(mut b: [u8; 16]) -> String {
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// Milliseconds since the epoch of an ISO 8601 date (`2026-12-07`) or UTC time
/// (`2026-12-07T10:00:00Z`, `+00:00`, fractions allowed); the inverse of [`iso8601`].
pub fn parse_iso8601(t: &str) -> Option<u64> {
    let num = |s: &str| -> Option<i64> {
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    let (date, time) = match t.split_once(['T', ' ']) {
        Some((d, tm)) => (d, Some(tm)),
        None => (t, None),
    };
    let mut parts = date.split('-');
    let (y, m, d) = (
        num(parts.next()?)?,
        num(parts.next()?)?,
        num(parts.next()?)?,
    );
    if parts.next().is_some() || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let mut ms_of_day = 0i64;
    if let Some(time) = time {
        let time = time
            .strip_suffix('Z')
            .or_else(|| time.strip_suffix("+00:00"))?;
        let (hms, frac) = time.split_once('.').unwrap_or((time, ""));
        let mut hms = hms.split(':');
        let (h, mi) = (num(hms.next()?)?, num(hms.next()?)?);
        let s = hms.next().map(num).unwrap_or(Some(0))?;
        if h > 23 || mi > 59 || s > 60 {
            return None;
        }
        let ms = if frac.is_empty() {
            0
        } else {
            num(&format!("{frac:0<3}")[..3])?
        };
        ms_of_day = ((h * 60 + mi) * 60 + s) * 1000 + ms;
    }
    u64::try_from(days_from_civil(y, m, d) * 86_400_000 + ms_of_day).ok()
}

// Howard Hinnant's civil-date algorithms: two small exact formulas, so no date crate for
// the few formats Lathe reads and writes.

/// Days since 1970-01-01 of the proleptic Gregorian date `y`-`m`-`d` (month 1..=12).
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The proleptic Gregorian date `(year, month, day)` of a day count since 1970-01-01; the
/// inverse of [`days_from_civil`].
pub fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_times_parse_back() {
        for ms in [0u64, 1_795_305_600_123, 951_782_400_000, 4_102_444_799_999] {
            assert_eq!(parse_iso8601(&iso8601(ms)), Some(ms), "{}", iso8601(ms));
        }
        assert_eq!(parse_iso8601("1970-01-02"), Some(86_400_000));
        assert_eq!(parse_iso8601("1970-01-01T00:01:00Z"), Some(60_000));
        assert_eq!(parse_iso8601("yesterday"), None);
        assert_eq!(parse_iso8601("2026-13-01"), None);
        assert_eq!(parse_iso8601("2026-01-01T10:00:00+02:00"), None);
    }
}
