//! Spin's HTTP routing, as in `crates/routes/src/lib.rs` at Spin v4.0.2.
//!
//! Spin builds its router on the `routefinder` crate (0.5.4, the version this crate uses
//! too), so precedence is routefinder's: segment by segment, an exact segment beats a
//! `:name` parameter, which beats the trailing wildcard; hence exact routes beat
//! wildcards and, among wildcards, the longest prefix wins. Before routefinder sees a
//! route, Spin:
//!
//! - makes it absolute (`foo` becomes `/foo`) and strips one trailing `/`;
//! - turns a trailing `/...` (or `/*`) into routefinder's `/*`;
//! - drops duplicates by the route *as written*: the last entry with the same text wins,
//!   keeping the position of the first, and each dropped one is reported.
//!
//! routefinder ignores leading and trailing slashes of the request path, so `/foo/`
//! reaches the exact route `/foo`, and the wildcard route `/foo/...` also matches `/foo`.
//! The trailing-wildcard capture (`spin-path-info`) keeps a trailing slash, as Spin does.

use std::collections::HashMap;

/// What a route maps to, plus the route strings Spin reports in its headers.
struct RouteHandler<T> {
    target: T,
    /// The route with the (always `/`) base applied: absolute, one trailing `/` removed.
    based_route: String,
    /// The route as written in the manifest.
    raw_route: String,
}

/// A route that can never be reached because a later trigger has the same route text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateRoute {
    /// The duplicated route, as Spin prints it (`/` for the root).
    pub route: String,
    /// Input position (0-based, in manifest order) of the entry that is never used.
    pub replaced: usize,
    /// Input position of the entry that handles the route instead.
    pub effective: usize,
}

/// A compiled route table.
pub struct Router<T> {
    inner: routefinder::Router<RouteHandler<T>>,
    duplicates: Vec<DuplicateRoute>,
}

/// The result of routing a path.
pub struct RouteMatch<'a, T> {
    /// The matched target.
    pub target: &'a T,
    /// The matched route with the base applied (Spin's `spin-matched-route`): absolute,
    /// one trailing slash stripped, so the root route `/` reports an empty string.
    pub route: String,
    /// The route exactly as written in the manifest (`spin-raw-component-route`).
    pub raw_route: String,
    /// The raw route without a trailing `/...` (`spin-component-route`).
    pub component_route: String,
    /// The part of the path matched by the trailing wildcard (`spin-path-info`), with a
    /// trailing slash kept; empty for exact routes.
    pub path_info: String,
    /// Values of `:name` segments, by name (`spin-path-match-<name>`).
    pub named_wildcards: Vec<(String, String)>,
}

/// Spin's `sanitize_with_base("/", route)`: absolutize, then strip one trailing slash.
fn based_route(raw: &str) -> String {
    let absolute = if raw.starts_with('/') {
        raw.to_string()
    } else {
        format!("/{raw}")
    };
    match absolute.strip_suffix('/') {
        Some(stripped) => stripped.to_string(),
        None => absolute,
    }
}

/// Spin's `Router::parse_route`: the routefinder spec for a based route.
fn route_spec(based: &str) -> Result<routefinder::RouteSpec, String> {
    match based.strip_suffix("/...") {
        Some(prefix) => format!("{prefix}/*").parse(),
        None => based.parse(),
    }
}

impl<T> Router<T> {
    /// Builds a router from `(route, target)` pairs in manifest order, as Spin's
    /// `Router::build("/", ...)` does. Fails on a route routefinder cannot parse (for
    /// example `/*name` or a bare `/:`), as `spin up` does.
    pub fn try_new(routes: impl IntoIterator<Item = (String, T)>) -> anyhow::Result<Self> {
        // Spin keys an IndexMap by the raw route: a repeated route replaces the earlier
        // entry's value but keeps its position.
        let mut entries: Vec<(usize, RouteHandler<T>)> = Vec::new();
        let mut position: HashMap<String, usize> = HashMap::new();
        let mut duplicates = Vec::new();
        for (index, (raw, target)) in routes.into_iter().enumerate() {
            let handler = RouteHandler {
                target,
                based_route: based_route(&raw),
                raw_route: raw.clone(),
            };
            match position.get(&raw) {
                Some(&slot) => {
                    let (replaced, old) = std::mem::replace(&mut entries[slot], (index, handler));
                    duplicates.push(DuplicateRoute {
                        route: if old.based_route.is_empty() {
                            "/".to_string()
                        } else {
                            old.based_route
                        },
                        replaced,
                        effective: index,
                    });
                }
                None => {
                    position.insert(raw, entries.len());
                    entries.push((index, handler));
                }
            }
        }
        let mut inner = routefinder::Router::new();
        for (index, handler) in entries {
            let spec = route_spec(&handler.based_route).map_err(|e| {
                anyhow::anyhow!(
                    "Error parsing route {} associated with trigger #{}: {e}",
                    handler.based_route,
                    index + 1
                )
            })?;
            inner
                .add(spec, handler)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
        }
        Ok(Self { inner, duplicates })
    }

    /// Builds a router from `(route, target)` pairs; see [`Router::try_new`].
    ///
    /// # Panics
    ///
    /// On a route that Spin would also refuse to load.
    #[cfg(test)]
    pub fn new(routes: impl IntoIterator<Item = (String, T)>) -> Self {
        match Self::try_new(routes) {
            Ok(router) => router,
            Err(e) => panic!("{e:#}"),
        }
    }

    /// Routes that are never used because a later trigger has the same route text.
    #[cfg(test)]
    pub fn duplicates(&self) -> &[DuplicateRoute] {
        &self.duplicates
    }

    /// Spin's start-up warning for duplicate routes (`tracing::error!` lines in
    /// `crates/trigger-http/src/server.rs`), with `id_of(index)` naming the component of
    /// the trigger at that input position. `None` when there are no duplicates.
    pub fn duplicates_warning(&self, id_of: impl Fn(usize) -> String) -> Option<String> {
        if self.duplicates.is_empty() {
            return None;
        }
        let mut out =
            String::from("The following component routes are duplicates and will never be used:");
        for d in &self.duplicates {
            out.push_str(&format!(
                "\n  {}: {} (duplicate of {})",
                id_of(d.replaced),
                d.route,
                id_of(d.effective)
            ));
        }
        Some(out)
    }

    /// Finds the target for `path` (the request URI's path, not percent-decoded, as in
    /// Spin); `None` means Spin's generic 404.
    pub fn route(&self, path: &str) -> Option<RouteMatch<'_, T>> {
        let best = self.inner.best_match(path)?;
        let handler = best.handler();
        let captures = best.captures();
        // Spin's `trailing_wildcard()`: routefinder drops trailing slashes, Spin keeps one.
        let path_info = captures
            .wildcard()
            .map(|s| match (s.is_empty(), path.ends_with('/')) {
                (true, false) => String::new(),
                (true, true) => "/".to_string(),
                (false, false) => format!("/{s}"),
                (false, true) => format!("/{s}/"),
            })
            .unwrap_or_default();
        let named_wildcards = captures
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect();
        let raw = &handler.raw_route;
        Some(RouteMatch {
            target: &handler.target,
            route: handler.based_route.clone(),
            raw_route: raw.clone(),
            component_route: raw.strip_suffix("/...").unwrap_or(raw).to_string(),
            path_info,
            named_wildcards,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn router(routes: &[(&str, &'static str)]) -> Router<&'static str> {
        Router::new(routes.iter().map(|(r, t)| (r.to_string(), *t)))
    }

    fn target(r: &Router<&'static str>, path: &str) -> Option<&'static str> {
        r.route(path).map(|m| *m.target)
    }

    #[test]
    fn exact_beats_wildcard_and_longest_prefix_wins() {
        let router = router(&[
            ("/...", "api"),
            ("/api/v1/tools/image/resize/...", "resize"),
            ("/api/v1/tools/image/...", "image"),
            ("/api/v1/health", "health"),
        ]);
        assert_eq!(target(&router, "/api/v1/health"), Some("health"));
        assert_eq!(
            target(&router, "/api/v1/tools/image/resize"),
            Some("resize")
        );
        let m = router.route("/api/v1/tools/image/resize/batch").unwrap();
        assert_eq!((*m.target, m.path_info.as_str()), ("resize", "/batch"));
        assert_eq!(
            target(&router, "/api/v1/tools/image/resizer"),
            Some("image")
        );
        assert_eq!(target(&router, "/anything"), Some("api"));
    }

    /// Spin `test_router_respects_longest_match`: "...regardless of order".
    #[test]
    fn longest_wildcard_wins_regardless_of_order() {
        for routes in [
            [
                ("/one/...", "1"),
                ("/one/two/...", "2"),
                ("/one/two/three/...", "3"),
            ],
            [
                ("/one/two/three/...", "3"),
                ("/one/two/...", "2"),
                ("/one/...", "1"),
            ],
        ] {
            assert_eq!(target(&router(&routes), "/one/two/three/four"), Some("3"));
        }
    }

    /// Spin `test_router_wildcard`: `/...` matches every path, including `/`.
    #[test]
    fn root_wildcard_matches_everything() {
        let r = router(&[("/...", "all")]);
        for path in ["/foo/bar", "/abc/", "/", "/this/should/be/captured"] {
            assert_eq!(target(&r, path), Some("all"), "{path}");
        }
        assert_eq!(r.route("/1/2/3").unwrap().path_info, "/1/2/3");
        assert_eq!(r.route("/").unwrap().path_info, "/");
    }

    /// Spin `trailing_wildcard_respects_trailing_slash`.
    #[test]
    fn path_info_keeps_one_trailing_slash() {
        let r = router(&[("/test/...", "comp")]);
        for (path, info) in [
            ("/test", ""),
            ("/test/", "/"),
            ("/test/hello", "/hello"),
            ("/test/hello/", "/hello/"),
        ] {
            assert_eq!(r.route(path).unwrap().path_info, info, "{path}");
        }
    }

    /// routefinder trims the path's slashes: an exact route also takes a trailing slash,
    /// and `/test/...` does not take `/testing`.
    #[test]
    fn trailing_slashes_and_prefix_boundaries() {
        let r = router(&[("/foo", "foo"), ("/test/...", "test"), ("/bar/", "bar")]);
        assert_eq!(target(&r, "/foo/"), Some("foo"));
        assert_eq!(target(&r, "/foo//"), Some("foo"));
        assert_eq!(target(&r, "/foo/x"), None);
        assert_eq!(target(&r, "/testing"), None);
        // A route written with a trailing slash is stored without it.
        let m = r.route("/bar").unwrap();
        assert_eq!((m.route.as_str(), m.raw_route.as_str()), ("/bar", "/bar/"));
    }

    /// Spin `duplicate_routes_last_one_wins` / `duplicate_routes_reporting_is_faithful`.
    #[test]
    fn duplicate_routes_last_one_wins_and_are_reported() {
        let r = router(&[
            ("/", "first /"),
            ("/", "second /"),
            ("/foo", "first /foo"),
            ("/foo", "second /foo"),
            ("/whee/...", "first whee"),
            ("/whee/...", "second whee"),
        ]);
        assert_eq!(target(&r, "/"), Some("second /"));
        assert_eq!(target(&r, "/foo"), Some("second /foo"));
        assert_eq!(target(&r, "/whee/x"), Some("second whee"));
        let d = r.duplicates();
        assert_eq!(d.len(), 3);
        assert_eq!(
            (d[0].route.as_str(), d[0].replaced, d[0].effective),
            ("/", 0, 1)
        );
        assert_eq!(
            (d[1].route.as_str(), d[1].replaced, d[1].effective),
            ("/foo", 2, 3)
        );
        assert_eq!(d[2].route, "/whee/...");
        let names = ["a", "b", "c", "d", "e", "f"];
        let warning = r.duplicates_warning(|i| names[i].to_string()).unwrap();
        assert!(warning.contains("\n  a: / (duplicate of b)"), "{warning}");
        assert!(router(&[("/a", "a")])
            .duplicates_warning(|_| String::new())
            .is_none());
    }

    /// Spin's headers tests: `/foo/...` reports matched and raw route `/foo/...`,
    /// component route `/foo`; named wildcards are captured.
    #[test]
    fn route_strings_and_named_wildcards() {
        let r = router(&[("/foo/:userid/...", "comp"), ("/1/:two/3", "exact")]);
        let m = r.route("/foo/42/bar").unwrap();
        assert_eq!(m.route, "/foo/:userid/...");
        assert_eq!(m.raw_route, "/foo/:userid/...");
        assert_eq!(m.component_route, "/foo/:userid");
        assert_eq!(m.path_info, "/bar");
        assert_eq!(m.named_wildcards, vec![("userid".into(), "42".into())]);
        let m = r.route("/1/2/3").unwrap();
        assert_eq!((*m.target, m.path_info.as_str()), ("exact", ""));
        assert_eq!(m.named_wildcards, vec![("two".into(), "2".into())]);
    }

    /// An exact segment beats a parameter, which beats the wildcard.
    #[test]
    fn exact_beats_param_beats_wildcard() {
        let r = router(&[("/...", "wild"), ("/:name", "param"), ("/hello", "exact")]);
        assert_eq!(target(&r, "/hello"), Some("exact"));
        assert_eq!(target(&r, "/hey"), Some("param"));
        assert_eq!(target(&r, "/hey/there"), Some("wild"));
    }

    /// The root route `/` is stored as an empty based route and matches only `/`;
    /// relative routes are made absolute.
    #[test]
    fn root_and_relative_routes() {
        let r = router(&[("/", "root"), ("foo", "foo")]);
        let m = r.route("/").unwrap();
        assert_eq!(
            (*m.target, m.route.as_str(), m.raw_route.as_str()),
            ("root", "", "/")
        );
        assert_eq!(target(&r, "/x"), None);
        let m = r.route("/foo").unwrap();
        assert_eq!((m.route.as_str(), m.raw_route.as_str()), ("/foo", "foo"));
    }

    /// Without a catch-all route an unknown path matches nothing (Spin's generic 404).
    #[test]
    fn unmatched_paths_and_invalid_routes() {
        assert_eq!(target(&router(&[("/api/...", "api")]), "/other"), None);
        assert!(Router::try_new([("/*name".to_string(), ())]).is_err());
        assert!(Router::try_new([("/:".to_string(), ())]).is_err());
    }

    /// The routes of Lathe's own spin.toml route as Spin routes them.
    #[test]
    fn lathe_manifest_routes() {
        let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../spin.toml"))
            .expect("spin.toml");
        let manifest: toml::Table = text.parse().expect("valid TOML");
        let triggers = manifest["trigger"]["http"]
            .as_array()
            .expect("http triggers");
        let routes: Vec<(String, String)> = triggers
            .iter()
            .map(|t| {
                (
                    t["route"].as_str().unwrap().to_string(),
                    t["component"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        let r = Router::try_new(routes.clone()).expect("Spin accepts every route");
        assert!(r.duplicates().is_empty());
        let at = |p: &str| r.route(p).map(|m| m.target.clone());
        assert_eq!(at("/api/v1/health").as_deref(), Some("api"));
        assert_eq!(at("/").as_deref(), Some("api"));
        assert_eq!(
            at("/api/v1/tools/image/resize").as_deref(),
            Some("image-resize")
        );
        assert_eq!(
            at("/api/v1/tools/image/resize/").as_deref(),
            Some("image-resize")
        );
        assert_eq!(
            at("/api/v1/meme-templates/x.png").as_deref(),
            Some("image-meme-generator")
        );
        assert_eq!(at("/api/v1/tools/image/resizex").as_deref(), Some("api"));
    }
}
