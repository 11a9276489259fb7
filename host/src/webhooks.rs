//! Webhook delivery: the host's side of `run.completed` / `run.failed`.
//!
//! Whoever writes a top-level job's result also writes `webhook-due/<jobId>`
//! ([`WebhookDue`]) when the owner's record `webhooks/<userId>` subscribes to the outcome
//! (the router's `jobs::complete_stored`/`fail`, this host's worker and batch packer through
//! [`queue_deliveries`]). One thread per host polls those markers:
//!
//! 1. A marker with a delivery due (`nextAttemptAt` passed) and no live lease is claimed by
//!    writing a lease into it with the store's compare-and-swap, so of several threads or
//!    hosts polling one store exactly one works on it at a time (a lease lapses after
//!    [`LEASE_MS`], so a host that died mid-delivery is taken over).
//! 2. Each due delivery is POSTed (in parallel, [`ATTEMPT_TIMEOUT`] each) to its webhook's
//!    URL with the body `{event, deliveryId, createdAt, job}` (`job` is exactly
//!    `GET /api/v1/jobs/<id>`'s record) and the headers `X-Lathe-Event`,
//!    `X-Lathe-Delivery`, `X-Lathe-Timestamp` and `X-Lathe-Signature: v1=<hex
//!    HMAC-SHA-256(secret, "<timestamp>.<body>")>`. The target's name is resolved and every
//!    address checked against the same rules as at creation; redirects are not followed.
//! 3. A 2xx answer delivers it; otherwise the attempt is counted and the next one is due
//!    `webhook_retry_base_ms` later, doubling each time, until `webhook_max_attempts`
//!    attempts failed: then it is given up. The state is written back into the marker
//!    (lease released), so a restarted host resumes where it stopped; the marker is deleted
//!    when no delivery is left. Delivery is at least once: receivers deduplicate by
//!    `deliveryId`.

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use anyhow::Context;
use bytes::Bytes;
use hmac::{Hmac, Mac};
use http_body_util::Full;
use lathe_factor_key_value::Backend;
use lathe_store_layout::webhook::{
    address_refused, parse_target, retry_delay_ms, Delivery, Lease, Target, Webhook, WebhookDue,
    Webhooks,
};
use lathe_store_layout::{decode, encode, keys, Job, JobResult, Progress};
use sha2::Sha256;

use crate::worker::now_ms;

/// How long one attempt may take, connecting included.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a claim on a marker lasts: longer than one round of attempts, which run in
/// parallel and are bounded by [`ATTEMPT_TIMEOUT`].
pub const LEASE_MS: u64 = 60_000;
/// How often the markers are polled.
const POLL_EVERY: Duration = Duration::from_millis(250);

/// The delivery settings, from app variables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// `webhook_allow_private_targets`: deliver to loopback and private addresses too.
    pub allow_private: bool,
    /// `webhook_retry_base_ms`: the delay after the first failed attempt (default 2000).
    pub retry_base_ms: u64,
    /// `webhook_max_attempts`: attempts in all before giving up (default 6, 1 to 30).
    pub max_attempts: u32,
}

impl Settings {
    /// The settings of the resolved app variables (`SPIN_VARIABLE_*` or the manifest's
    /// defaults); unparsable values get the defaults.
    pub fn from_variables(vars: &HashMap<String, String>) -> Self {
        let get = |name: &str| vars.get(name).map(|v| v.trim().to_ascii_lowercase());
        Self {
            allow_private: matches!(
                get("webhook_allow_private_targets").as_deref(),
                Some("true" | "1" | "yes" | "on")
            ),
            retry_base_ms: get("webhook_retry_base_ms")
                .and_then(|v| v.parse().ok())
                .unwrap_or(2000),
            max_attempts: get("webhook_max_attempts")
                .and_then(|v| v.parse::<u32>().ok())
                .unwrap_or(6)
                .clamp(1, 30),
        }
    }
}

/// `v1=<hex HMAC-SHA-256(secret, "<timestamp>.<body>")>`: the `X-Lathe-Signature` value.
/// The key is the whole secret string as shown at creation (`whsec_…`), as UTF-8 bytes.
pub fn signature(secret: &str, timestamp: u64, body: &[u8]) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any size");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("v1={}", hex::encode(mac.finalize().into_bytes()))
}

/// After `job`'s result was written by this host (worker, batch packer): writes its
/// delivery marker when it is a top-level job whose owner has a webhook subscribed to the
/// outcome. One read when nobody listens; errors are logged, never the job's.
pub fn queue_deliveries(
    kv: &dyn Backend,
    rt: &tokio::runtime::Handle,
    job: &Job,
    result: &JobResult,
) {
    if job.parent.is_some() {
        return;
    }
    let queued = (|| -> anyhow::Result<()> {
        let Some(bytes) = rt.block_on(kv.get(&keys::webhooks(&job.user_id)))? else {
            return Ok(());
        };
        let hooks: Webhooks = decode(&bytes)?;
        if let Some(due) = WebhookDue::new(job, result, &hooks, now_ms(), new_uuid) {
            rt.block_on(kv.set(&keys::webhook_due(&job.id), &encode(&due)))?;
        }
        Ok(())
    })();
    if let Err(e) = queued {
        eprintln!(
            "lathe-worker: job {}: queueing webhook deliveries: {e:#}",
            job.id
        );
    }
}

fn new_uuid() -> String {
    let mut random = [0u8; 16];
    getrandom::getrandom(&mut random).expect("the OS provides randomness");
    lathe_store_layout::uuid_v4(random)
}

/// The TLS settings for `https` targets: the Mozilla roots (webpki-roots), ring.
fn tls() -> &'static tokio_rustls::TlsConnector {
    static TLS: OnceLock<tokio_rustls::TlsConnector> = OnceLock::new();
    TLS.get_or_init(|| {
        let mut roots = tokio_rustls::rustls::RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        // rustls 0.23.48 deprecates ring's provider for lacking post-quantum key exchange;
        // its replacement (aws-lc-rs) needs a CMake C build. Classical X25519/ECDHE is what
        // webhook receivers speak, so ring stays.
        #[allow(deprecated)]
        let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
        let config = tokio_rustls::rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("ring supports the default TLS versions")
            .with_root_certificates(roots)
            .with_no_client_auth();
        tokio_rustls::TlsConnector::from(Arc::new(config))
    })
}

/// The addresses to connect to for `target`: the literal, or every address its name
/// resolves to, each of them checked (one refused address refuses the target, so a name
/// cannot smuggle an inside address beside an outside one).
async fn addresses(target: &Target, allow_private: bool) -> anyhow::Result<Vec<SocketAddr>> {
    target.check(allow_private).map_err(anyhow::Error::msg)?;
    let addrs: Vec<SocketAddr> = match target.ip {
        Some(ip) => vec![SocketAddr::new(ip, target.port)],
        None => tokio::net::lookup_host((target.host.as_str(), target.port))
            .await
            .with_context(|| format!("resolving {}", target.host))?
            .collect(),
    };
    anyhow::ensure!(!addrs.is_empty(), "{} has no address", target.host);
    for addr in &addrs {
        if let Some(why) = address_refused(addr.ip(), allow_private) {
            anyhow::bail!("refused: {} resolves to {why} ({})", target.host, addr.ip());
        }
    }
    Ok(addrs)
}

/// One POST of `body` to `url` with `headers`; the response status.
async fn post(
    url: &str,
    headers: &[(&str, String)],
    body: Vec<u8>,
    allow_private: bool,
) -> anyhow::Result<u16> {
    let target = parse_target(url).map_err(anyhow::Error::msg)?;
    let mut last = None;
    let mut stream = None;
    for addr in addresses(&target, allow_private).await? {
        match tokio::net::TcpStream::connect(addr).await {
            Ok(s) => {
                stream = Some(s);
                break;
            }
            Err(e) => last = Some(e),
        }
    }
    let stream = match (stream, last) {
        (Some(s), _) => s,
        (None, Some(e)) => return Err(e).context("connecting"),
        (None, None) => anyhow::bail!("no address to connect to"),
    };
    let request = {
        let mut builder = http::Request::post(&target.path)
            .header(http::header::HOST, target.host_header())
            .header(http::header::CONTENT_TYPE, "application/json")
            .header(
                http::header::USER_AGENT,
                concat!("Lathe-Webhooks/", env!("CARGO_PKG_VERSION")),
            );
        for (name, value) in headers {
            builder = builder.header(*name, value);
        }
        builder.body(Full::new(Bytes::from(body)))?
    };
    let status = if target.https {
        let name = tokio_rustls::rustls::pki_types::ServerName::try_from(target.host.clone())
            .context("TLS server name")?;
        let tls = tls().connect(name, stream).await.context("TLS handshake")?;
        send(hyper_util::rt::TokioIo::new(tls), request).await?
    } else {
        send(hyper_util::rt::TokioIo::new(stream), request).await?
    };
    Ok(status)
}

async fn send<I>(io: I, request: http::Request<Full<Bytes>>) -> anyhow::Result<u16>
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let (mut sender, connection) = hyper::client::conn::http1::handshake(io).await?;
    let driver = tokio::spawn(connection);
    let response = sender.send_request(request).await;
    driver.abort();
    Ok(response?.status().as_u16())
}

/// Makes one attempt of `delivery`: `Ok(())` on a 2xx answer, else why not.
async fn attempt(
    hook: &Webhook,
    due: &WebhookDue,
    delivery: &Delivery,
    job: serde_json::Value,
    allow_private: bool,
) -> Result<(), String> {
    let body = serde_json::to_vec(&due.payload(delivery, job)).map_err(|e| e.to_string())?;
    let timestamp = now_ms() / 1000;
    let headers = [
        ("x-lathe-event", due.event.clone()),
        ("x-lathe-delivery", delivery.delivery_id.clone()),
        ("x-lathe-timestamp", timestamp.to_string()),
        (
            "x-lathe-signature",
            signature(&hook.secret, timestamp, &body),
        ),
    ];
    match tokio::time::timeout(
        ATTEMPT_TIMEOUT,
        post(&hook.url, &headers, body, allow_private),
    )
    .await
    {
        Ok(Ok(status)) if (200..300).contains(&status) => Ok(()),
        Ok(Ok(status)) => Err(format!("HTTP {status}")),
        Ok(Err(e)) => Err(format!("{e:#}")),
        Err(_) => Err(format!("no answer in {} s", ATTEMPT_TIMEOUT.as_secs())),
    }
}

/// The deliverer of one host: its lease owner id, the markers it is working on, and when
/// the others it has seen are due (so a marker waiting to retry is not read every poll).
pub struct Deliverer {
    kv: Arc<dyn Backend>,
    rt: tokio::runtime::Handle,
    settings: Settings,
    owner: String,
    busy: Mutex<HashSet<String>>,
    waiting: Mutex<HashMap<String, u64>>,
}

/// What [`Deliverer::claim`] found.
enum Claim {
    /// This deliverer holds the lease: the bytes it wrote, and the state.
    Won(Vec<u8>, WebhookDue),
    /// Nothing to do before this time (ms): the next attempt, or another's lease lapsing.
    Wait(u64),
    /// Gone, or another deliverer claimed it first.
    Lost,
}

impl Deliverer {
    /// A deliverer on `kv`; `rt` runs its HTTP calls and the async store.
    pub fn new(kv: Arc<dyn Backend>, rt: tokio::runtime::Handle, settings: Settings) -> Self {
        let mut id = [0u8; 8];
        getrandom::getrandom(&mut id).ok();
        Self {
            kv,
            rt,
            settings,
            owner: hex::encode(id),
            busy: Mutex::new(HashSet::new()),
            waiting: Mutex::new(HashMap::new()),
        }
    }

    /// Starts the polling thread.
    pub fn spawn(self) {
        let this = Arc::new(self);
        std::thread::spawn(move || loop {
            if let Err(e) = this.poll() {
                eprintln!("lathe-worker: webhook deliveries: {e:#}");
            }
            std::thread::sleep(POLL_EVERY);
        });
    }

    /// Claims every marker with a delivery due and starts working on it.
    fn poll(self: &Arc<Self>) -> anyhow::Result<()> {
        let markers = self
            .rt
            .block_on(self.kv.keys_with_prefix(keys::WEBHOOK_DUE_PREFIX))?;
        let now = now_ms();
        {
            let listed: HashSet<&String> = markers.iter().collect();
            self.waiting
                .lock()
                .unwrap()
                .retain(|k, _| listed.contains(k));
        }
        for key in markers {
            let waits = self
                .waiting
                .lock()
                .unwrap()
                .get(&key)
                .is_some_and(|at| *at > now);
            if waits
                || keys::webhook_due_job_id(&key).is_none()
                || self.busy.lock().unwrap().contains(&key)
            {
                continue;
            }
            let (claimed, due) = match self.claim(&key)? {
                Claim::Won(claimed, due) => (claimed, due),
                Claim::Wait(until) => {
                    self.waiting.lock().unwrap().insert(key, until);
                    continue;
                }
                Claim::Lost => continue,
            };
            self.waiting.lock().unwrap().remove(&key);
            self.busy.lock().unwrap().insert(key.clone());
            let this = self.clone();
            self.rt.spawn(async move {
                if let Err(e) = this.work(&key, claimed, due).await {
                    eprintln!("lathe-worker: webhook {key}: {e:#}");
                }
                this.busy.lock().unwrap().remove(&key);
            });
        }
        Ok(())
    }

    /// Takes the lease of marker `key` (compare-and-swap) when a delivery is due and nobody
    /// holds it; a marker without deliveries left, or unreadable, is deleted.
    fn claim(&self, key: &str) -> anyhow::Result<Claim> {
        let Some(bytes) = self.rt.block_on(self.kv.get(key))? else {
            return Ok(Claim::Lost);
        };
        let Ok(mut due) = decode::<WebhookDue>(&bytes) else {
            eprintln!("lathe-worker: {key} is not a webhook delivery record; deleted");
            self.rt.block_on(self.kv.delete(key))?;
            return Ok(Claim::Lost);
        };
        let now = now_ms();
        if let Some(lease) = due.lease.as_ref().filter(|l| l.until > now) {
            // Its holder carries on (or its lease lapses).
            return Ok(Claim::Wait(lease.until));
        }
        let next = due.deliveries.iter().map(|d| d.next_attempt_at).min();
        match next {
            Some(at) if at > now => return Ok(Claim::Wait(at)),
            Some(_) => {}
            None => {
                self.rt.block_on(self.kv.delete(key))?;
                return Ok(Claim::Lost);
            }
        }
        due.lease = Some(Lease {
            owner: self.owner.clone(),
            until: now + LEASE_MS,
        });
        let claimed = encode(&due);
        let won = self
            .rt
            .block_on(self.kv.compare_and_swap(key, Some(&bytes), &claimed))?;
        Ok(if won {
            Claim::Won(claimed, due)
        } else {
            Claim::Lost
        })
    }

    /// Makes every due attempt of a claimed marker, then writes the state back (or deletes
    /// the marker when nothing is left to deliver).
    async fn work(&self, key: &str, claimed: Vec<u8>, mut due: WebhookDue) -> anyhow::Result<()> {
        let kv = self.kv.as_ref();
        let get = |key: String| async move { kv.get(&key).await };
        let job = match get(keys::job(&due.job_id)).await? {
            Some(b) => decode::<Job>(&b)?,
            None => {
                // The job is gone: nothing to tell about.
                kv.delete(key).await?;
                return Ok(());
            }
        };
        let progress = match get(keys::progress(&job.id)).await? {
            Some(b) => decode::<Progress>(&b).ok(),
            None => None,
        };
        let result = match get(keys::result(&job.id)).await? {
            Some(b) => decode::<JobResult>(&b).ok(),
            None => None,
        };
        let job_json = lathe_store_layout::view::job_json(&job, progress.as_ref(), result.as_ref());
        let hooks: Webhooks = match get(keys::webhooks(&due.user_id)).await? {
            Some(b) => decode(&b)?,
            None => Webhooks::default(),
        };
        let now = now_ms();
        let mut attempts = Vec::new();
        for (i, delivery) in due.deliveries.iter().enumerate() {
            if delivery.next_attempt_at > now {
                continue;
            }
            let Some(hook) = hooks.webhooks.iter().find(|h| h.id == delivery.webhook_id) else {
                // Deleted since: dropped.
                attempts.push((i, None));
                continue;
            };
            let (hook, due_copy, delivery, job_json) = (
                hook.clone(),
                due.clone(),
                delivery.clone(),
                job_json.clone(),
            );
            let allow = self.settings.allow_private;
            let task =
                tokio::spawn(
                    async move { attempt(&hook, &due_copy, &delivery, job_json, allow).await },
                );
            attempts.push((i, Some(task)));
        }
        let mut finished = HashSet::new();
        for (i, task) in attempts {
            let outcome = match task {
                None => {
                    finished.insert(i);
                    continue;
                }
                Some(task) => task.await.unwrap_or_else(|e| Err(e.to_string())),
            };
            let delivery = &mut due.deliveries[i];
            delivery.attempts += 1;
            match outcome {
                Ok(()) => {
                    finished.insert(i);
                }
                Err(why) if delivery.attempts >= self.settings.max_attempts => {
                    eprintln!(
                        "lathe-worker: webhook {} of job {}: gave up after {} attempts ({why})",
                        delivery.webhook_id, due.job_id, delivery.attempts
                    );
                    finished.insert(i);
                }
                Err(why) => {
                    delivery.next_attempt_at =
                        now_ms() + retry_delay_ms(self.settings.retry_base_ms, delivery.attempts);
                    delivery.last_error = Some(why);
                }
            }
        }
        let mut i = 0;
        due.deliveries.retain(|_| {
            i += 1;
            !finished.contains(&(i - 1))
        });
        due.lease = None;
        if due.deliveries.is_empty() {
            // Still ours (not taken over after a lapsed lease)? Then it is done.
            if kv.get(key).await?.as_deref() == Some(claimed.as_slice()) {
                kv.delete(key).await?;
            }
        } else if !kv
            .compare_and_swap(key, Some(&claimed), &encode(&due))
            .await?
        {
            eprintln!("lathe-worker: {key}: taken over by another deliverer; its state kept");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_is_hmac_sha256_of_timestamp_dot_body() {
        // Computed independently with Python:
        // hmac.new(b"whsec_test", b"1700000000.{}", hashlib.sha256).hexdigest()
        let sig = signature("whsec_test", 1_700_000_000, b"{}");
        assert_eq!(
            sig,
            "v1=35495024f4ef3f94e5a93e22221544c4b75e9a42300cd965ab81cb85cd994e91"
        );
    }

    /// Of two deliverers on one store, one claims a due marker; the other waits for its
    /// lease, and takes over once the lease lapsed.
    #[test]
    fn one_deliverer_holds_a_marker_at_a_time() {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let kv: Arc<dyn Backend> = Arc::new(lathe_factor_key_value::MemoryBackend::default());
        let due = WebhookDue {
            event: "run.completed".into(),
            job_id: "j".into(),
            user_id: "u".into(),
            created_at: 1,
            deliveries: vec![Delivery {
                webhook_id: "w".into(),
                delivery_id: "d".into(),
                attempts: 0,
                next_attempt_at: 0,
                last_error: None,
            }],
            lease: None,
        };
        let key = keys::webhook_due("j");
        runtime.block_on(kv.set(&key, &encode(&due))).unwrap();
        let settings = Settings::from_variables(&HashMap::new());
        let a = Deliverer::new(kv.clone(), runtime.handle().clone(), settings);
        let b = Deliverer::new(kv.clone(), runtime.handle().clone(), settings);
        let Claim::Won(claimed, held) = a.claim(&key).unwrap() else {
            panic!("a claims the due marker");
        };
        assert_eq!(held.lease.as_ref().unwrap().owner, a.owner);
        assert!(matches!(b.claim(&key).unwrap(), Claim::Wait(until) if until > now_ms()));
        // A's lease lapses (its host died): B takes over, and A can no longer write back.
        let mut lapsed = held.clone();
        lapsed.lease.as_mut().unwrap().until = 1;
        runtime.block_on(kv.set(&key, &encode(&lapsed))).unwrap();
        assert!(matches!(b.claim(&key).unwrap(), Claim::Won(..)));
        assert!(!runtime
            .block_on(kv.compare_and_swap(&key, Some(&claimed), b"x"))
            .unwrap());
        // A delivery not yet due: wait for it.
        let mut later = due.clone();
        later.deliveries[0].next_attempt_at = now_ms() + 60_000;
        runtime.block_on(kv.set(&key, &encode(&later))).unwrap();
        assert!(matches!(a.claim(&key).unwrap(), Claim::Wait(_)));
        // Nothing left to deliver: the marker goes.
        later.deliveries.clear();
        runtime.block_on(kv.set(&key, &encode(&later))).unwrap();
        assert!(matches!(a.claim(&key).unwrap(), Claim::Lost));
        assert!(!runtime.block_on(kv.exists(&key)).unwrap());
    }

    #[test]
    fn settings_from_variables() {
        let vars: HashMap<String, String> = [
            ("webhook_allow_private_targets", "TRUE"),
            ("webhook_retry_base_ms", "200"),
            ("webhook_max_attempts", "0"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let s = Settings::from_variables(&vars);
        assert!(s.allow_private);
        assert_eq!((s.retry_base_ms, s.max_attempts), (200, 1));
        let d = Settings::from_variables(&HashMap::new());
        assert!(!d.allow_private);
        assert_eq!((d.retry_base_ms, d.max_attempts), (2000, 6));
    }
}
