//! Webhooks: what a user registers (`webhooks/<userId>`, one record per user so that
//! finishing a job costs one read), the delivery marker a finished top-level job leaves
//! (`webhook-due/<jobId>`) with its attempt state, the payload, and the rules for target
//! URLs (scheme, length, and the server-side request forgery guard on addresses), shared by
//! the router (at creation, on the literal host) and the host's deliverer (at delivery, on
//! every address the name resolves to).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::{iso8601, Job, JobResult, ResultStatus};

/// Event of a top-level job that completed.
pub const RUN_COMPLETED: &str = "run.completed";
/// Event of a top-level job that failed.
pub const RUN_FAILED: &str = "run.failed";
/// Every event a webhook may subscribe to (the default subscription).
pub const EVENTS: [&str; 2] = [RUN_COMPLETED, RUN_FAILED];
/// Most webhooks one user may have.
pub const MAX_PER_USER: usize = 20;
/// Longest accepted target URL.
pub const MAX_URL_LEN: usize = 2048;
/// Prefix of a signing secret (followed by 64 hex digits).
pub const SECRET_PREFIX: &str = "whsec_";

/// One registered webhook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Webhook {
    /// Webhook id (UUID).
    pub id: String,
    /// Target URL (`http` or `https`).
    pub url: String,
    /// Subscribed events, a subset of [`EVENTS`].
    pub events: Vec<String>,
    /// Creation time (ms).
    pub created_at: u64,
    /// The signing secret (`whsec_` + 64 hex). It has to be kept in clear: the deliverer
    /// computes each payload's HMAC with it, so it cannot be stored as a one-way hash like
    /// API keys are. It is shown to the user once, in the creation answer, never in lists.
    pub secret: String,
}

impl Webhook {
    /// The public view (never the secret).
    pub fn public(&self) -> Value {
        json!({
            "id": self.id, "url": self.url, "events": self.events,
            "createdAt": iso8601(self.created_at),
        })
    }

    /// Whether it subscribes to `event`.
    pub fn subscribes(&self, event: &str) -> bool {
        self.events.iter().any(|e| e == event)
    }
}

/// A user's webhooks: the record under [`crate::keys::webhooks`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Webhooks {
    /// Oldest first.
    #[serde(default)]
    pub webhooks: Vec<Webhook>,
}

/// The event a job's outcome raises: `run.completed`, `run.failed`, or none (canceled).
pub fn event_of(result: &JobResult) -> Option<&'static str> {
    match result.status {
        ResultStatus::Completed => Some(RUN_COMPLETED),
        ResultStatus::Failed => Some(RUN_FAILED),
        ResultStatus::Canceled => None,
    }
}

/// One webhook's delivery of a [`WebhookDue`] and its attempts so far.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Delivery {
    /// The webhook (looked up again at each attempt: a deleted one is dropped).
    pub webhook_id: String,
    /// Sent as `deliveryId` and `X-Lathe-Delivery`; the same on every attempt.
    pub delivery_id: String,
    /// Attempts made.
    #[serde(default)]
    pub attempts: u32,
    /// Earliest time of the next attempt (ms).
    #[serde(default)]
    pub next_attempt_at: u64,
    /// Why the last attempt failed (a status or an error).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
}

/// A claim on a [`WebhookDue`] by one deliverer until `until` (ms).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lease {
    /// The deliverer (random per process).
    pub owner: String,
    /// When the claim lapses if its owner died.
    pub until: u64,
}

/// The delivery marker of a finished job (`webhook-due/<jobId>`): written by whoever
/// writes the job's result, then rewritten only by the deliverer that holds it, and
/// deleted when every delivery succeeded or gave up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookDue {
    /// [`RUN_COMPLETED`] or [`RUN_FAILED`].
    pub event: String,
    /// The job.
    pub job_id: String,
    /// Its owner (whose webhooks are delivered to).
    pub user_id: String,
    /// When the event happened (ms); the payload's `createdAt`.
    pub created_at: u64,
    /// One per subscribed webhook still to deliver.
    pub deliveries: Vec<Delivery>,
    /// The deliverer working on it, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease: Option<Lease>,
}

impl WebhookDue {
    /// The marker for `job` ending with `result`, when it is a top-level job (no
    /// `parent`) the owner started (not `derived`), the outcome raises an event and one of
    /// `hooks` subscribes to it; `new_id` makes the delivery ids.
    pub fn new(
        job: &Job,
        result: &JobResult,
        hooks: &Webhooks,
        now_ms: u64,
        mut new_id: impl FnMut() -> String,
    ) -> Option<Self> {
        if job.parent.is_some() || job.derived {
            return None;
        }
        let event = event_of(result)?;
        let deliveries: Vec<Delivery> = hooks
            .webhooks
            .iter()
            .filter(|h| h.subscribes(event))
            .map(|h| Delivery {
                webhook_id: h.id.clone(),
                delivery_id: new_id(),
                attempts: 0,
                next_attempt_at: 0,
                last_error: None,
            })
            .collect();
        (!deliveries.is_empty()).then(|| Self {
            event: event.to_string(),
            job_id: job.id.clone(),
            user_id: job.user_id.clone(),
            created_at: now_ms,
            deliveries,
            lease: None,
        })
    }

    /// The body POSTed for `delivery`: `{event, deliveryId, createdAt, job}`, where `job` is
    /// the job's public record ([`crate::view::job_json`]).
    pub fn payload(&self, delivery: &Delivery, job: Value) -> Value {
        json!({
            "event": self.event, "deliveryId": delivery.delivery_id,
            "createdAt": iso8601(self.created_at), "job": job,
        })
    }
}

/// The delay before attempt `attempts + 1` after `attempts` failed ones: `base_ms`,
/// doubling each time, at most an hour.
pub fn retry_delay_ms(base_ms: u64, attempts: u32) -> u64 {
    let factor = 1u64 << attempts.saturating_sub(1).min(40);
    base_ms.saturating_mul(factor).min(3_600_000)
}

/// Why a target URL is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetError {
    /// Not an acceptable URL (400 `VALIDATION_ERROR`).
    Invalid(String),
    /// Its host is a local, private or metadata address (400 `WEBHOOK_TARGET_FORBIDDEN`).
    Forbidden(String),
}

impl std::fmt::Display for TargetError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TargetError::Invalid(m) | TargetError::Forbidden(m) => f.write_str(m),
        }
    }
}

/// A parsed target URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// `https` (else `http`).
    pub https: bool,
    /// Host name in lower case without a trailing dot, or the IP literal's text (no
    /// brackets).
    pub host: String,
    /// Port (80 or 443 when the URL names none).
    pub port: u16,
    /// Path and query (`/` at least); the fragment is not sent.
    pub path: String,
    /// The host as an address, when it is an IP literal (any form a resolver accepts,
    /// such as `127.1` or `2130706433`).
    pub ip: Option<IpAddr>,
}

impl Target {
    /// The `Host` header value.
    pub fn host_header(&self) -> String {
        let host = match self.ip {
            Some(IpAddr::V6(_)) => format!("[{}]", self.host),
            _ => self.host.clone(),
        };
        if self.port == if self.https { 443 } else { 80 } {
            host
        } else {
            format!("{host}:{}", self.port)
        }
    }

    /// Refuses the literal host when it is `localhost` or an address that
    /// [`address_refused`] refuses.
    pub fn check(&self, allow_private: bool) -> Result<(), TargetError> {
        if let Some(ip) = self.ip {
            return match address_refused(ip, allow_private) {
                Some(why) => Err(TargetError::Forbidden(format!(
                    "Webhook targets may not be {why} ({ip})"
                ))),
                None => Ok(()),
            };
        }
        if !allow_private && (self.host == "localhost" || self.host.ends_with(".localhost")) {
            return Err(TargetError::Forbidden(
                "Webhook targets may not be localhost".into(),
            ));
        }
        Ok(())
    }
}

/// Parses a webhook URL: `http` or `https`, at most [`MAX_URL_LEN`] characters of
/// printable ASCII, no user name or password, a host and an optional port.
pub fn parse_target(url: &str) -> Result<Target, TargetError> {
    let invalid = |m: &str| Err(TargetError::Invalid(m.to_string()));
    if url.is_empty() {
        return invalid("url must not be empty");
    }
    if url.len() > MAX_URL_LEN {
        return Err(TargetError::Invalid(format!(
            "url must be at most {MAX_URL_LEN} characters"
        )));
    }
    if !url.bytes().all(|b| b.is_ascii_graphic()) {
        return invalid("url must be printable ASCII without spaces (percent-encode the rest)");
    }
    let Some((scheme, rest)) = url.split_once("://") else {
        return invalid("url must be an absolute http:// or https:// URL");
    };
    let https = match scheme.to_ascii_lowercase().as_str() {
        "https" => true,
        "http" => false,
        _ => return invalid("url must use http or https"),
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let tail = tail.split('#').next().unwrap_or("");
    let path = match tail.chars().next() {
        Some('/') => tail.to_string(),
        _ => format!("/{tail}"),
    };
    if authority.contains('@') {
        return invalid("url must not contain a user name or password");
    }
    let (host, port) = if let Some(inner) = authority.strip_prefix('[') {
        let Some((literal, after)) = inner.split_once(']') else {
            return invalid("url has an unclosed [ in its host");
        };
        let port = match after {
            "" => None,
            p => match p.strip_prefix(':') {
                Some(p) => Some(p),
                None => return invalid("url has text after its [host]"),
            },
        };
        (literal, port)
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    let port = match port {
        None => {
            if https {
                443
            } else {
                80
            }
        }
        Some(p) => match p.parse::<u16>() {
            Ok(n) if n > 0 && p.bytes().all(|b| b.is_ascii_digit()) => n,
            _ => return invalid("url has an invalid port"),
        },
    };
    let bracketed = authority.starts_with('[');
    let host = host.to_ascii_lowercase();
    let host = host.strip_suffix('.').unwrap_or(&host).to_string();
    if host.is_empty() {
        return invalid("url has no host");
    }
    let ip = if bracketed {
        match host.parse::<Ipv6Addr>() {
            Ok(v6) => Some(IpAddr::V6(v6)),
            Err(_) => return invalid("url has an invalid IPv6 address"),
        }
    } else {
        if !host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_')
        {
            return invalid("url has an invalid host name");
        }
        lenient_ipv4(&host).map(IpAddr::V4)
    };
    Ok(Target {
        https,
        host,
        port,
        path,
        ip,
    })
}

/// An IPv4 address written as `inet_aton` (and so most resolvers) read it: one to four
/// dot-separated numbers, each decimal, octal (`0` prefix) or hex (`0x`), the last one
/// filling the remaining bytes (`127.1`, `0x7f000001`, `2130706433`).
fn lenient_ipv4(host: &str) -> Option<Ipv4Addr> {
    let parts: Vec<&str> = host.split('.').collect();
    if parts.is_empty() || parts.len() > 4 {
        return None;
    }
    let mut values = Vec::with_capacity(parts.len());
    for part in &parts {
        let value = if let Some(hex) = part.strip_prefix("0x").or_else(|| part.strip_prefix("0X")) {
            if hex.is_empty() {
                0
            } else {
                u64::from_str_radix(hex, 16).ok()?
            }
        } else if part.len() > 1 && part.starts_with('0') {
            u64::from_str_radix(&part[1..], 8).ok()?
        } else if !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()) {
            part.parse().ok()?
        } else {
            return None;
        };
        values.push(value);
    }
    let (last, head) = values.split_last()?;
    if head.iter().any(|v| *v > 255) || *last >= 1u64 << (8 * (4 - head.len())) {
        return None;
    }
    let mut n: u64 = 0;
    for (i, v) in head.iter().enumerate() {
        n |= v << (8 * (3 - i));
    }
    Some(Ipv4Addr::from((n | last) as u32))
}

/// Why a webhook may not be delivered to `ip`, if it may not: cloud metadata addresses
/// always; with `allow_private` false also loopback, private (10/8, 172.16/12,
/// 192.168/16, fc00::/7), link-local (169.254/16, fe80::/10), CGNAT (100.64/10),
/// unspecified, "this network" (0/8), multicast, reserved and broadcast addresses, and
/// IPv6 forms that embed such an IPv4 address (mapped, compatible, NAT64).
pub fn address_refused(ip: IpAddr, allow_private: bool) -> Option<&'static str> {
    let ip = match ip {
        IpAddr::V6(v6) => embedded_ipv4(v6).map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    };
    let metadata = match ip {
        IpAddr::V4(v4) => v4 == Ipv4Addr::new(169, 254, 169, 254),
        IpAddr::V6(v6) => v6 == Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254),
    };
    if metadata {
        return Some("a cloud metadata address");
    }
    if allow_private {
        return None;
    }
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            if v4.is_loopback() {
                Some("a loopback address")
            } else if a == 0 {
                Some("an unspecified address")
            } else if v4.is_private() {
                Some("a private address")
            } else if v4.is_link_local() {
                Some("a link-local address")
            } else if a == 100 && (b & 0xc0) == 64 {
                Some("a shared (CGNAT) address")
            } else if v4.is_multicast() {
                Some("a multicast address")
            } else if a >= 240 {
                Some("a reserved or broadcast address")
            } else {
                None
            }
        }
        IpAddr::V6(v6) => {
            let first = v6.segments()[0];
            if v6.is_loopback() {
                Some("a loopback address")
            } else if v6.is_unspecified() {
                Some("an unspecified address")
            } else if (first & 0xfe00) == 0xfc00 {
                Some("a private address")
            } else if (first & 0xffc0) == 0xfe80 || (first & 0xffc0) == 0xfec0 {
                Some("a link-local address")
            } else if v6.is_multicast() {
                Some("a multicast address")
            } else {
                None
            }
        }
    }
}

/// The IPv4 address inside an IPv4-mapped (`::ffff:a.b.c.d`), IPv4-compatible
/// (`::a.b.c.d`) or NAT64 (`64:ff9b::a.b.c.d`) IPv6 address.
fn embedded_ipv4(v6: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = v6.segments();
    let tail = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
    let mapped = s[..5] == [0; 5] && s[5] == 0xffff;
    let compatible = s[..6] == [0; 6] && !v6.is_loopback() && !v6.is_unspecified();
    let nat64 = s[..6] == [0x64, 0xff9b, 0, 0, 0, 0];
    (mapped || compatible || nat64).then_some(tail)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ErrorKind, Failure, FileRef};

    fn forbidden(url: &str) -> bool {
        matches!(
            parse_target(url).and_then(|t| t.check(false)),
            Err(TargetError::Forbidden(_))
        )
    }

    #[test]
    fn urls_parse() {
        let t = parse_target("HTTPS://Example.COM./hooks?a=1#frag").unwrap();
        assert!(t.https);
        assert_eq!(
            (t.host.as_str(), t.port, t.path.as_str()),
            ("example.com", 443, "/hooks?a=1")
        );
        assert_eq!(t.host_header(), "example.com");
        let t = parse_target("http://[::1]:8080").unwrap();
        assert_eq!(
            (t.host.as_str(), t.port, t.path.as_str()),
            ("::1", 8080, "/")
        );
        assert_eq!(t.host_header(), "[::1]:8080");
        for bad in [
            "",
            "ftp://example.com/",
            "example.com/hook",
            "http://",
            "http://user:pw@example.com/",
            "http://example.com:0/",
            "http://example.com:99999/",
            "http://exa mple.com/",
            "http://[::1/",
            "http://ex%61mple.com/",
        ] {
            assert!(
                matches!(parse_target(bad), Err(TargetError::Invalid(_))),
                "{bad}"
            );
        }
        let long = format!("https://example.com/{}", "a".repeat(MAX_URL_LEN));
        assert!(parse_target(&long).is_err());
    }

    #[test]
    fn local_private_and_metadata_targets_are_refused() {
        for url in [
            "http://127.0.0.1/",
            "http://127.1/",
            "http://2130706433/",
            "http://0x7f.0.0.1/",
            "http://0177.0.0.1/",
            "http://localhost:8080/",
            "http://LOCALHOST./",
            "http://api.localhost/",
            "http://10.0.0.1/",
            "http://172.16.5.4/",
            "http://172.31.255.255/",
            "http://192.168.1.1/",
            "http://169.254.169.254/latest/meta-data/",
            "http://100.64.0.1/",
            "http://0.0.0.0/",
            "http://224.0.0.1/",
            "http://255.255.255.255/",
            "http://[::1]/",
            "http://[::]/",
            "http://[fc00::1]/",
            "http://[fd00:ec2::254]/",
            "http://[fe80::1]/",
            "http://[ff02::1]/",
            "http://[::ffff:127.0.0.1]/",
            "http://[::ffff:10.0.0.1]/",
            "http://[64:ff9b::a9fe:a9fe]/",
        ] {
            assert!(forbidden(url), "{url}");
        }
        for url in [
            "https://example.com/",
            "http://8.8.8.8/",
            "http://172.32.0.1/",
            "http://100.128.0.1/",
            "http://[2606:4700::1111]/",
            "http://cafe.be/",
            "http://1.2.3.4.example/",
        ] {
            assert!(!forbidden(url), "{url}");
        }
        // Allowed private targets: everything but the metadata addresses.
        let allowed = |url: &str| parse_target(url).unwrap().check(true).is_ok();
        assert!(allowed("http://127.0.0.1:9/"));
        assert!(allowed("http://localhost/"));
        assert!(!allowed("http://169.254.169.254/"));
        assert!(!allowed("http://[::ffff:169.254.169.254]/"));
    }

    #[test]
    fn due_only_for_subscribed_top_level_outcomes() {
        let hook = |id: &str, events: &[&str]| Webhook {
            id: id.into(),
            url: "https://example.com/".into(),
            events: events.iter().map(|e| e.to_string()).collect(),
            created_at: 1,
            secret: format!("{SECRET_PREFIX}{}", "0".repeat(64)),
        };
        let hooks = Webhooks {
            webhooks: vec![hook("a", &EVENTS), hook("b", &[RUN_FAILED])],
        };
        let mut job = Job {
            id: "j".into(),
            user_id: "u".into(),
            tool: "image/resize".into(),
            created_at: 1,
            inputs: Vec::<FileRef>::new(),
            settings: "{}".into(),
            original_size: 0,
            ..Job::default()
        };
        let mut n = 0;
        let mut ids = || {
            n += 1;
            format!("d{n}")
        };
        let done = JobResult::completed(Vec::new(), json!({}), 5);
        let due = WebhookDue::new(&job, &done, &hooks, 7, &mut ids).unwrap();
        assert_eq!(due.event, RUN_COMPLETED);
        assert_eq!(due.deliveries.len(), 1);
        assert_eq!(due.deliveries[0].webhook_id, "a");
        let failed = JobResult::failed(Failure::tool(ErrorKind::TooLarge, "x"), 5);
        let due = WebhookDue::new(&job, &failed, &hooks, 7, &mut ids).unwrap();
        assert_eq!(due.deliveries.len(), 2);
        let body = due.payload(&due.deliveries[0], json!({"id": "j"}));
        assert_eq!(body["event"], RUN_FAILED);
        assert_eq!(body["job"]["id"], "j");
        assert!(WebhookDue::new(&job, &JobResult::canceled(5), &hooks, 7, &mut ids).is_none());
        assert!(WebhookDue::new(&job, &done, &Webhooks::default(), 7, &mut ids).is_none());
        let thumbnail = Job {
            derived: true,
            ..job.clone()
        };
        assert!(WebhookDue::new(&thumbnail, &done, &hooks, 7, &mut ids).is_none());
        assert!(WebhookDue::new(&thumbnail, &failed, &hooks, 7, &mut ids).is_none());
        job.parent = Some("batch".into());
        assert!(WebhookDue::new(&job, &done, &hooks, 7, &mut ids).is_none());
        assert!(hooks.webhooks[0].public().get("secret").is_none());
    }

    #[test]
    fn retries_back_off_exponentially() {
        assert_eq!(retry_delay_ms(2000, 1), 2000);
        assert_eq!(retry_delay_ms(2000, 2), 4000);
        assert_eq!(retry_delay_ms(2000, 5), 32_000);
        assert_eq!(retry_delay_ms(2000, 60), 3_600_000);
    }
}
