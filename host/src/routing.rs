//! Spin's HTTP routing: exact routes beat wildcards (`/prefix/...`), and among wildcards the
//! longest prefix wins.

/// A compiled route table.
pub struct Router<T> {
    exact: Vec<(String, T)>,
    wildcard: Vec<(String, T)>,
}

/// The result of routing a path.
pub struct RouteMatch<'a, T> {
    /// The matched target.
    pub target: &'a T,
    /// The route as written in the manifest.
    pub route: String,
    /// The part of the path after the matched prefix (Spin's `spin-path-info`).
    pub path_info: String,
}

impl<T> Router<T> {
    /// Builds a router from `(route, target)` pairs.
    pub fn new(routes: impl IntoIterator<Item = (String, T)>) -> Self {
        let mut exact = Vec::new();
        let mut wildcard = Vec::new();
        for (route, target) in routes {
            match route.strip_suffix("/...") {
                Some(prefix) => wildcard.push((prefix.to_string(), target)),
                None if route == "..." => wildcard.push((String::new(), target)),
                None => exact.push((route.trim_end_matches('/').to_string(), target)),
            }
        }
        // Longest prefix first.
        wildcard.sort_by_key(|w| std::cmp::Reverse(w.0.len()));
        Self { exact, wildcard }
    }

    /// Finds the target for `path`.
    pub fn route(&self, path: &str) -> Option<RouteMatch<'_, T>> {
        let trimmed = path.trim_end_matches('/');
        if let Some((route, target)) = self.exact.iter().find(|(r, _)| r == trimmed) {
            return Some(RouteMatch {
                target,
                route: route.clone(),
                path_info: String::new(),
            });
        }
        for (prefix, target) in &self.wildcard {
            let rest = if prefix.is_empty() {
                Some(path)
            } else {
                path.strip_prefix(prefix.as_str())
            };
            if let Some(rest) = rest {
                if rest.is_empty() || rest.starts_with('/') {
                    return Some(RouteMatch {
                        target,
                        route: format!("{prefix}/..."),
                        path_info: rest.to_string(),
                    });
                }
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_beats_wildcard_and_longest_prefix_wins() {
        let router = Router::new([
            ("/...".to_string(), "api"),
            ("/api/v1/tools/image/resize/...".to_string(), "resize"),
            ("/api/v1/tools/image/...".to_string(), "image"),
            ("/api/v1/health".to_string(), "health"),
        ]);
        assert_eq!(*router.route("/api/v1/health").unwrap().target, "health");
        assert_eq!(
            *router.route("/api/v1/tools/image/resize").unwrap().target,
            "resize"
        );
        let m = router.route("/api/v1/tools/image/resize/batch").unwrap();
        assert_eq!((*m.target, m.path_info.as_str()), ("resize", "/batch"));
        assert_eq!(
            *router.route("/api/v1/tools/image/resizer").unwrap().target,
            "image"
        );
        assert_eq!(*router.route("/anything").unwrap().target, "api");
    }
}
