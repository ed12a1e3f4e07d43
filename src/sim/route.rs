//! Request paths of the Kubernetes REST API, parsed into what they address: discovery
//! documents, or a resource collection / object / subresource in a group version.

/// What a request path addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Route {
    Version,
    Health,
    /// `/api`: the legacy core group's versions.
    CoreVersions,
    /// `/apis`: the named groups.
    Groups,
    /// `/api/v1`, `/apis/{group}/{version}`: an APIResourceList.
    ResourceList {
        group: String,
        version: String,
    },
    /// `/apis/{group}`: one APIGroup.
    Group(String),
    OpenApiV2,
    OpenApiV3,
    OpenApiV3Group {
        group: String,
        version: String,
    },
    Resource(ResourcePath),
}

/// A resource request path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ResourcePath {
    pub group: String,
    pub version: String,
    pub namespace: Option<String>,
    pub plural: String,
    pub name: Option<String>,
    pub subresource: Option<String>,
}

/// Subresources of a Namespace object, not resources inside the namespace.
const NAMESPACE_SUBRESOURCES: &[&str] = &["status", "finalize"];

pub(crate) fn parse(path: &str) -> Option<Route> {
    let segments: Vec<&str> = path
        .trim_end_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    match segments.as_slice() {
        ["version"] => Some(Route::Version),
        ["healthz" | "livez" | "readyz", ..] => Some(Route::Health),
        ["api"] => Some(Route::CoreVersions),
        ["apis"] => Some(Route::Groups),
        ["openapi", "v2"] => Some(Route::OpenApiV2),
        ["openapi", "v3"] => Some(Route::OpenApiV3),
        ["openapi", "v3", "api", version] => Some(Route::OpenApiV3Group {
            group: String::new(),
            version: (*version).to_string(),
        }),
        ["openapi", "v3", "apis", group, version] => Some(Route::OpenApiV3Group {
            group: (*group).to_string(),
            version: (*version).to_string(),
        }),
        ["apis", group] => Some(Route::Group((*group).to_string())),
        ["api", version, rest @ ..] => resource_route("", version, rest),
        ["apis", group, version, rest @ ..] => resource_route(group, version, rest),
        _ => None,
    }
}

fn resource_route(group: &str, version: &str, rest: &[&str]) -> Option<Route> {
    let owned = |s: &&str| (*s).to_string();
    let (namespace, plural, name, subresource) = match rest {
        [] => {
            return Some(Route::ResourceList {
                group: group.into(),
                version: version.into(),
            });
        }
        ["namespaces", ns, plural, tail @ ..] if !NAMESPACE_SUBRESOURCES.contains(plural) => {
            if tail.len() > 2 {
                return None;
            }
            (
                Some((*ns).to_string()),
                *plural,
                tail.first().map(owned),
                tail.get(1).map(owned),
            )
        }
        [plural, tail @ ..] => {
            if tail.len() > 2 {
                return None;
            }
            (
                None,
                *plural,
                tail.first().map(owned),
                tail.get(1).map(owned),
            )
        }
    };
    Some(Route::Resource(ResourcePath {
        group: group.into(),
        version: version.into(),
        namespace,
        plural: plural.into(),
        name,
        subresource,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resource(route: Option<Route>) -> ResourcePath {
        match route {
            Some(Route::Resource(path)) => path,
            other => panic!("not a resource route: {other:?}"),
        }
    }

    #[test]
    fn discovery_routes() {
        assert_eq!(parse("/version"), Some(Route::Version));
        assert_eq!(parse("/api"), Some(Route::CoreVersions));
        assert_eq!(parse("/apis/"), Some(Route::Groups));
        assert_eq!(
            parse("/apis/apps/v1"),
            Some(Route::ResourceList {
                group: "apps".into(),
                version: "v1".into()
            })
        );
        assert_eq!(parse("/nonsense"), None);
    }

    #[test]
    fn resource_routes() {
        let p = resource(parse("/api/v1/namespaces/default/configmaps/x"));
        assert_eq!(p.namespace.as_deref(), Some("default"));
        assert_eq!(
            (p.plural.as_str(), p.name.as_deref()),
            ("configmaps", Some("x"))
        );
        let p = resource(parse("/apis/apps/v1/namespaces/a/deployments/web/scale"));
        assert_eq!(p.subresource.as_deref(), Some("scale"));
        let p = resource(parse("/api/v1/namespaces/team"));
        assert_eq!(
            (p.plural.as_str(), p.name.as_deref()),
            ("namespaces", Some("team"))
        );
        let p = resource(parse("/api/v1/namespaces/team/status"));
        assert_eq!(p.subresource.as_deref(), Some("status"));
        assert_eq!(p.namespace, None);
        let p = resource(parse("/api/v1/pods"));
        assert_eq!((p.namespace, p.name), (None, None));
        assert_eq!(parse("/api/v1/namespaces/a/pods/b/c/d"), None);
    }
}
