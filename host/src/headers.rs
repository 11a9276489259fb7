//! Spin's request conventions for HTTP components, as in `crates/trigger-http/src/headers.rs`
//! and `crates/trigger-http/src/server.rs` at Spin v4.0.2.
//!
//! For a `wasi:http` component Spin keeps the client's headers and *appends* its own, by
//! their `SPIN_*` names turned into header names (`spin-full-url`, `spin-path-info`, ...).
//! The `X_*` aliases in Spin's constants are only for Wagi's CGI environment and never
//! become headers. A client-sent `spin-*` header is not removed: the component sees it
//! first, then Spin's value. The only header Spin strips is a `Host` naming a
//! service-chaining host (`<component>.spin.internal`).
//!
//! Spin also answers `/.well-known/spin/health` and `/.well-known/spin/info` itself, before
//! routing; every other path under `/.well-known/spin/` and every path no route matches
//! gets a 404 with an empty body, and a failed component call a 500 with an empty body.

use std::net::SocketAddr;

use crate::routing::RouteMatch;

/// Paths under this prefix are answered by Spin itself (`WELL_KNOWN_PREFIX`).
pub const WELL_KNOWN_PREFIX: &str = "/.well-known/spin/";

/// The domain of service-chaining hosts (`SERVICE_CHAINING_DOMAIN`).
pub const SERVICE_CHAINING_DOMAIN: &str = "spin.internal";

/// Spin's default request headers for a matched route, in Spin's order, with Spin's
/// header names (`prepare_header_key`: `SPIN_FULL_URL` becomes `spin-full-url`).
///
/// - `scheme`: the server's scheme (`http` for Lathe's plain-HTTP listener);
/// - `host`: the request's `Host` header, or `localhost` when it has none
///   (see [`request_host`]);
/// - `path_and_query`: the request URI's path and query, exactly as received;
/// - `client`: the peer address.
///
/// Named wildcards add `spin-path-match-<name>` (name upper-cased, then lower-cased by
/// the header-name rule, so effectively the name as written, lower-cased).
pub fn spin_headers<T>(
    matched: &RouteMatch<'_, T>,
    scheme: &str,
    host: &str,
    path_and_query: &str,
    client: SocketAddr,
) -> Vec<(String, String)> {
    let mut headers = vec![
        ("SPIN_PATH_INFO".to_string(), matched.path_info.clone()),
        (
            "SPIN_FULL_URL".to_string(),
            format!("{scheme}://{host}{path_and_query}"),
        ),
        ("SPIN_MATCHED_ROUTE".to_string(), matched.route.clone()),
        ("SPIN_BASE_PATH".to_string(), "/".to_string()),
        (
            "SPIN_RAW_COMPONENT_ROUTE".to_string(),
            matched.raw_route.clone(),
        ),
        (
            "SPIN_COMPONENT_ROUTE".to_string(),
            matched.component_route.clone(),
        ),
        ("SPIN_CLIENT_ADDR".to_string(), client.to_string()),
    ];
    for (name, value) in &matched.named_wildcards {
        headers.push((
            format!("SPIN_PATH_MATCH_{}", name.to_ascii_uppercase()),
            value.clone(),
        ));
    }
    headers
        .into_iter()
        .map(|(key, value)| (header_key(&key), value))
        .collect()
}

/// Spin's `prepare_header_key`: `_` to `-`, lower-case.
fn header_key(key: &str) -> String {
    key.replace('_', "-").to_ascii_lowercase()
}

/// Why Spin refuses to pass a request to a component: it answers such a request with
/// `500 Internal Server Error` and an empty body.
#[derive(Debug)]
pub struct InvalidRequestHeaders(String);

impl std::fmt::Display for InvalidRequestHeaders {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for InvalidRequestHeaders {}

/// The host for `spin-full-url`: the `Host` header, or `localhost` without one. A
/// non-UTF-8 `Host` is an error, as in Spin.
pub fn request_host(headers: &http::HeaderMap) -> Result<String, InvalidRequestHeaders> {
    match headers.get(http::header::HOST) {
        None => Ok("localhost".to_string()),
        Some(value) => value
            .to_str()
            .map(str::to_string)
            .map_err(|e| InvalidRequestHeaders(format!("Host header: {e}"))),
    }
}

/// Spin's `prepare_request` for `wasi:http` components: every existing header value must
/// be UTF-8 (else the request fails with a 500), then the [`spin_headers`] are appended
/// after the client's own (a header name or value that does not parse is skipped).
pub fn append_spin_headers(
    headers: &mut http::HeaderMap,
    spin: Vec<(String, String)>,
) -> Result<(), InvalidRequestHeaders> {
    for (name, value) in headers.iter() {
        if std::str::from_utf8(value.as_bytes()).is_err() {
            return Err(InvalidRequestHeaders(format!(
                "header {name} is not valid UTF-8"
            )));
        }
    }
    for (name, value) in spin {
        let (Ok(name), Ok(value)) = (
            name.parse::<http::HeaderName>(),
            http::HeaderValue::from_bytes(value.as_bytes()),
        ) else {
            continue;
        };
        headers.append(name, value);
    }
    Ok(())
}

/// Spin's `parse_service_chaining_host(..).is_some()`: `<one label>.spin.internal`, with
/// any port.
pub fn is_service_chaining_host(host: &str) -> bool {
    let host = host.rsplit_once(':').map_or(host, |(h, _)| h);
    host.split_once('.')
        .is_some_and(|(_, rest)| rest == SERVICE_CHAINING_DOMAIN)
}

/// Spin's `strip_forbidden_headers`, run on every request before routing: removes a
/// `Host` header that names a service-chaining host.
pub fn strip_forbidden_headers(headers: &mut http::HeaderMap) {
    let chaining = headers
        .get(http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .is_some_and(is_service_chaining_host);
    if chaining {
        headers.remove(http::header::HOST);
    }
}

/// A response Spin gives without calling a component.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpinResponse {
    /// Status code.
    pub status: http::StatusCode,
    /// `content-type`, when Spin sets one.
    pub content_type: Option<&'static str>,
    /// Body (empty for Spin's 404 and 500).
    pub body: Vec<u8>,
}

impl SpinResponse {
    /// Spin's answer to a path no route matches, and to unknown well-known paths:
    /// `404` with an empty body and no `content-type`.
    pub fn not_found() -> Self {
        Self {
            status: http::StatusCode::NOT_FOUND,
            content_type: None,
            body: Vec::new(),
        }
    }

    /// Spin's answer when a component call fails before a response (a trap, no
    /// response, an error code, or invalid request headers): `500`, empty body.
    pub fn internal_error() -> Self {
        Self {
            status: http::StatusCode::INTERNAL_SERVER_ERROR,
            content_type: None,
            body: Vec::new(),
        }
    }
}

/// Spin's handling of `/.well-known/spin/*`, checked before routing (so no route can
/// take these paths): `health` answers `OK`; `info` answers the app's name and version
/// (`AppInfo`, pretty-printed JSON; an empty version is left out); anything else is a
/// 404. `None` for paths outside the prefix.
pub fn well_known_response(path: &str, app_name: &str, app_version: &str) -> Option<SpinResponse> {
    let rest = path.strip_prefix(WELL_KNOWN_PREFIX)?;
    Some(match rest {
        "health" => SpinResponse {
            status: http::StatusCode::OK,
            content_type: None,
            body: b"OK".to_vec(),
        },
        "info" => {
            let mut info = serde_json::Map::new();
            info.insert("name".into(), app_name.into());
            if !app_version.is_empty() {
                info.insert("version".into(), app_version.into());
            }
            SpinResponse {
                status: http::StatusCode::OK,
                content_type: Some("application/json"),
                body: serde_json::to_vec_pretty(&serde_json::Value::Object(info))
                    .expect("JSON object serializes"),
            }
        }
        _ => SpinResponse::not_found(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routing::Router;

    fn client() -> SocketAddr {
        "127.0.0.1:8777".parse().unwrap()
    }

    fn get<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
        headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Spin `test_spin_header_keys`.
    #[test]
    fn header_keys() {
        assert_eq!(header_key("SPIN_FULL_URL"), "spin-full-url");
        assert_eq!(header_key("SPIN_PATH_INFO"), "spin-path-info");
        assert_eq!(
            header_key("SPIN_RAW_COMPONENT_ROUTE"),
            "spin-raw-component-route"
        );
    }

    /// Spin `test_default_headers`: route `/foo/...`, request
    /// `https://fermyon.dev/foo/bar?key1=value1&key2=value2`.
    #[test]
    fn default_headers() {
        let router = Router::new([("/foo/...".to_string(), "DUMMY")]);
        let m = router.route("/foo/bar").unwrap();
        let h = spin_headers(
            &m,
            "https",
            "fermyon.dev",
            "/foo/bar?key1=value1&key2=value2",
            client(),
        );
        assert_eq!(
            get(&h, "spin-full-url"),
            Some("https://fermyon.dev/foo/bar?key1=value1&key2=value2")
        );
        assert_eq!(get(&h, "spin-path-info"), Some("/bar"));
        assert_eq!(get(&h, "spin-matched-route"), Some("/foo/..."));
        assert_eq!(get(&h, "spin-base-path"), Some("/"));
        assert_eq!(get(&h, "spin-raw-component-route"), Some("/foo/..."));
        assert_eq!(get(&h, "spin-component-route"), Some("/foo"));
        assert_eq!(get(&h, "spin-client-addr"), Some("127.0.0.1:8777"));
        // Spin's order, and no X_ aliases as headers.
        let names: Vec<&str> = h.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "spin-path-info",
                "spin-full-url",
                "spin-matched-route",
                "spin-base-path",
                "spin-raw-component-route",
                "spin-component-route",
                "spin-client-addr"
            ]
        );
    }

    /// Spin `test_default_headers_with_named_wildcards`: route `/foo/:userid/...`.
    #[test]
    fn default_headers_with_named_wildcards() {
        let router = Router::new([("/foo/:userid/...".to_string(), "DUMMY")]);
        let m = router.route("/foo/42/bar").unwrap();
        let h = spin_headers(&m, "https", "fermyon.dev", "/foo/42/bar", client());
        assert_eq!(get(&h, "spin-path-info"), Some("/bar"));
        assert_eq!(get(&h, "spin-matched-route"), Some("/foo/:userid/..."));
        assert_eq!(get(&h, "spin-component-route"), Some("/foo/:userid"));
        assert_eq!(get(&h, "spin-path-match-userid"), Some("42"));
    }

    /// The root route: Spin's based route for `/` is empty, the raw route is `/`.
    #[test]
    fn root_route_headers() {
        let router = Router::new([("/".to_string(), "root")]);
        let m = router.route("/").unwrap();
        let h = spin_headers(&m, "http", "localhost", "/", client());
        assert_eq!(get(&h, "spin-matched-route"), Some(""));
        assert_eq!(get(&h, "spin-raw-component-route"), Some("/"));
        assert_eq!(get(&h, "spin-component-route"), Some("/"));
        assert_eq!(get(&h, "spin-path-info"), Some(""));
    }

    /// Spin appends: a client's own `spin-path-info` comes first, Spin's after it.
    #[test]
    fn spin_headers_are_appended_after_the_clients() {
        let mut headers = http::HeaderMap::new();
        headers.insert("spin-path-info", "/forged".parse().unwrap());
        headers.insert("accept", "text/plain".parse().unwrap());
        append_spin_headers(
            &mut headers,
            vec![("spin-path-info".into(), "/real".into())],
        )
        .unwrap();
        let values: Vec<_> = headers.get_all("spin-path-info").iter().collect();
        assert_eq!(values, ["/forged", "/real"]);
        assert_eq!(headers.get("accept").unwrap(), "text/plain");

        let mut bad = http::HeaderMap::new();
        bad.insert("x-bin", http::HeaderValue::from_bytes(b"\xff\xfe").unwrap());
        assert!(append_spin_headers(&mut bad, Vec::new()).is_err());
    }

    #[test]
    fn host_for_full_url() {
        let mut headers = http::HeaderMap::new();
        assert_eq!(request_host(&headers).unwrap(), "localhost");
        headers.insert("host", "example.com:3000".parse().unwrap());
        assert_eq!(request_host(&headers).unwrap(), "example.com:3000");
    }

    /// Spin `forbidden_headers_are_removed` / `non_forbidden_headers_are_not_removed`.
    #[test]
    fn forbidden_headers() {
        for host in ["test.spin.internal", "test.spin.internal:1234"] {
            let mut headers = http::HeaderMap::new();
            headers.insert("host", host.parse().unwrap());
            headers.insert("accept", "text/plain".parse().unwrap());
            strip_forbidden_headers(&mut headers);
            assert_eq!(headers.len(), 1);
            assert!(headers.get("host").is_none());
        }
        let mut headers = http::HeaderMap::new();
        headers.insert("host", "test.example.org".parse().unwrap());
        headers.insert("accept", "text/plain".parse().unwrap());
        strip_forbidden_headers(&mut headers);
        assert_eq!(headers.len(), 2);
        assert!(!is_service_chaining_host("a.b.spin.internal"));
        assert!(!is_service_chaining_host("spin.internal"));
    }

    /// Spin `HttpServer::handle`: well-known paths first; `not_found` is 404, empty body.
    #[test]
    fn well_known_paths() {
        let health = well_known_response("/.well-known/spin/health", "lathe", "0.1.0").unwrap();
        assert_eq!(health.status, http::StatusCode::OK);
        assert_eq!(health.body, b"OK");
        assert_eq!(health.content_type, None);
        let info = well_known_response("/.well-known/spin/info", "lathe", "0.1.0").unwrap();
        assert_eq!(info.content_type, Some("application/json"));
        assert_eq!(
            String::from_utf8(info.body).unwrap(),
            "{\n  \"name\": \"lathe\",\n  \"version\": \"0.1.0\"\n}"
        );
        let info = well_known_response("/.well-known/spin/info", "lathe", "").unwrap();
        assert_eq!(info.body, b"{\n  \"name\": \"lathe\"\n}");
        assert_eq!(
            well_known_response("/.well-known/spin/other", "lathe", "").unwrap(),
            SpinResponse::not_found()
        );
        assert!(well_known_response("/.well-known/spin", "lathe", "").is_none());
        assert!(well_known_response("/api/v1/health", "lathe", "").is_none());
        assert!(SpinResponse::not_found().body.is_empty());
        assert_eq!(SpinResponse::internal_error().status, 500);
    }
}
