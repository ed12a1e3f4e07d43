use serde_json::{Value, json};

use super::*;
use crate::engine::diff::BuiltinScopes;
use crate::engine::manifest::Origin;

fn project(spec: Value) -> ProjectRules {
    ProjectRules::Defined(Box::new(
        AppProject::from_value(json!({
            "apiVersion": "argoproj.io/v1alpha1", "kind": "AppProject",
            "metadata": {"name": "payments"}, "spec": spec,
        }))
        .unwrap(),
    ))
}

fn app(project: &str, repo: &str, namespace: &str) -> Application {
    Application::from_value(json!({
        "apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
        "metadata": {"name": "web"},
        "spec": {
            "project": project,
            "source": {"repoURL": repo, "path": "web", "targetRevision": "HEAD"},
            "destination": {"name": "prod", "namespace": namespace},
        }
    }))
    .unwrap()
}

fn prod(namespace: &str) -> ResolvedDestination {
    ResolvedDestination {
        cluster: "prod".into(),
        server: "https://10.0.0.1:6443".into(),
        hub: false,
        namespace: namespace.into(),
    }
}

fn manifest(object: Value) -> Manifest {
    Manifest {
        object,
        origin: Origin {
            file: "app.yaml".into(),
            document: 0,
            line: 1,
        },
    }
}

fn config_map(namespace: &str) -> Manifest {
    manifest(json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "settings", "namespace": namespace}}))
}

fn cluster_role(name: &str) -> Manifest {
    manifest(
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
        "metadata": {"name": name}}),
    )
}

/// Sources and destinations only (no objects).
fn app_rules(
    rules: &ProjectRules,
    repo: &str,
    destination: &ResolvedDestination,
) -> Vec<ProjectRule> {
    check(rules, &[repo], destination, &[], &BuiltinScopes)
        .into_iter()
        .map(|violation| violation.rule)
        .collect()
}

fn object_rules(rules: &ProjectRules, objects: &[Manifest]) -> Vec<ProjectRule> {
    check(
        rules,
        &["https://git/apps"],
        &prod("web"),
        objects,
        &BuiltinScopes,
    )
    .into_iter()
    .map(|violation| violation.rule)
    .collect()
}

fn open(extra: Value) -> Value {
    let mut spec = json!({
        "sourceRepos": ["*"],
        "destinations": [{"server": "*", "namespace": "*"}],
    });
    if let (Some(spec), Some(extra)) = (spec.as_object_mut(), extra.as_object()) {
        spec.extend(extra.clone());
    }
    spec
}

#[test]
fn default_project_not_in_git_permits_everything_and_others_nothing() {
    let web = app("", "https://anywhere/x", "kube-system");
    let rules = ProjectRules::for_app(&web, |_| None);
    assert_eq!(rules, ProjectRules::ImplicitDefault);
    assert!(
        check_application(
            &rules,
            &web,
            &prod("kube-system"),
            &[cluster_role("x")],
            &BuiltinScopes
        )
        .is_empty()
    );

    let other = app("payments", "https://git/apps", "web");
    let missing = ProjectRules::for_app(&other, |_| None);
    let violations = check_application(&missing, &other, &prod("web"), &[], &BuiltinScopes);
    assert_eq!(violations.len(), 1);
    assert_eq!(violations[0].rule, ProjectRule::Project);
    assert!(
        violations[0].to_string().contains("project payments"),
        "{}",
        violations[0]
    );
}

#[test]
fn a_default_project_defined_in_git_is_enforced() {
    let defined = project(json!({"sourceRepos": ["https://git/*"]}));
    let web = app("default", "https://git/apps", "web");
    let rules = ProjectRules::for_app(&web, |name| match (&defined, name) {
        (ProjectRules::Defined(project), "default") => Some(project.as_ref()),
        _ => None,
    });
    assert!(matches!(rules, ProjectRules::Defined(_)));
    // No destinations: nothing is a permitted destination.
    assert_eq!(
        app_rules(&rules, "https://git/apps", &prod("web")),
        vec![ProjectRule::Destinations]
    );
}

#[test]
fn source_repos_are_globs_over_normalised_urls() {
    let rules = project(open(json!({"sourceRepos": ["https://github.com/org/*"]})));
    assert!(app_rules(&rules, "https://github.com/org/app", &prod("web")).is_empty());
    assert!(app_rules(&rules, "https://GitHub.com/Org/App.git", &prod("web")).is_empty());
    assert_eq!(
        app_rules(&rules, "https://github.com/org/team/app", &prod("web")),
        vec![ProjectRule::SourceRepos],
        "* does not cross /"
    );
    assert_eq!(
        app_rules(&rules, "https://github.com/other/app", &prod("web")),
        vec![ProjectRule::SourceRepos]
    );
    let deep = project(open(json!({"sourceRepos": ["https://github.com/org/**"]})));
    assert!(app_rules(&deep, "https://github.com/org/team/app", &prod("web")).is_empty());
}

#[test]
fn source_repo_negation_denies_and_alone_permits_the_rest() {
    let rules = project(open(
        json!({"sourceRepos": ["https://github.com/org/*", "!https://github.com/org/secret"]}),
    ));
    assert!(app_rules(&rules, "https://github.com/org/app", &prod("web")).is_empty());
    let denied = check(
        &rules,
        &["https://github.com/org/secret.git"],
        &prod("web"),
        &[],
        &BuiltinScopes,
    );
    assert_eq!(denied.len(), 1);
    assert_eq!(denied[0].rule, ProjectRule::SourceRepos);
    assert!(denied[0].detail.contains("denied by"), "{}", denied[0]);
    // Order does not matter: a deny listed first still denies.
    let deny_first = project(open(
        json!({"sourceRepos": ["!https://github.com/org/secret", "*"]}),
    ));
    assert_eq!(
        app_rules(&deny_first, "https://github.com/org/secret", &prod("web")),
        vec![ProjectRule::SourceRepos]
    );
    // As in Argo CD, a lone deny pattern permits every other repository.
    let only_deny = project(open(
        json!({"sourceRepos": ["!https://github.com/org/secret"]}),
    ));
    assert!(app_rules(&only_deny, "https://github.com/org/app", &prod("web")).is_empty());
    let none = project(open(json!({"sourceRepos": []})));
    assert_eq!(
        app_rules(&none, "https://github.com/org/app", &prod("web")),
        vec![ProjectRule::SourceRepos]
    );
}

#[test]
fn destinations_match_by_server_or_name_and_namespace() {
    let by_name = project(open(
        json!({"destinations": [{"name": "prod", "namespace": "team-*"}]}),
    ));
    assert!(app_rules(&by_name, "https://git/a", &prod("team-web")).is_empty());
    assert_eq!(
        app_rules(&by_name, "https://git/a", &prod("web")),
        vec![ProjectRule::Destinations]
    );
    let by_server = project(open(
        json!({"destinations": [{"server": "https://10.0.0.1:6443/", "namespace": "*"}]}),
    ));
    assert!(app_rules(&by_server, "https://git/a", &prod("web")).is_empty());
    let elsewhere = project(open(
        json!({"destinations": [{"server": "https://10.9.9.9", "namespace": "*"}]}),
    ));
    assert_eq!(
        app_rules(&elsewhere, "https://git/a", &prod("web")),
        vec![ProjectRule::Destinations]
    );
}

#[test]
fn the_hub_is_also_the_in_cluster_server() {
    let rules = project(open(json!({"destinations": [
        {"server": "https://kubernetes.default.svc", "namespace": "*"}
    ]})));
    let mut hub = prod("web");
    assert_eq!(
        app_rules(&rules, "https://git/a", &hub),
        vec![ProjectRule::Destinations]
    );
    hub.hub = true;
    assert!(app_rules(&rules, "https://git/a", &hub).is_empty());
    let deny_hub = project(open(json!({"destinations": [
        {"server": "*", "namespace": "*"},
        {"server": "!https://kubernetes.default.svc", "namespace": "*"}
    ]})));
    assert_eq!(
        app_rules(&deny_hub, "https://git/a", &hub),
        vec![ProjectRule::Destinations]
    );
    assert!(app_rules(&deny_hub, "https://git/a", &prod("web")).is_empty());
}

#[test]
fn destination_negation_denies_whatever_else_matches() {
    let rules = project(open(json!({"destinations": [
        {"server": "*", "namespace": "*"},
        {"server": "*", "namespace": "!kube-*"},
        {"name": "!prod", "namespace": "*"}
    ]})));
    // prod is denied by name even though the first entry matched it. (As in
    // Argo CD, an entry whose `server` matches is a match, so a name deny
    // is written without a server.)
    let violations = check(
        &rules,
        &["https://git/a"],
        &prod("web"),
        &[],
        &BuiltinScopes,
    );
    assert_eq!(violations.len(), 1);
    assert!(
        violations[0].detail.contains("destinations[2]"),
        "{}",
        violations[0]
    );
    let mut staging = prod("web");
    staging.cluster = "staging".into();
    assert!(app_rules(&rules, "https://git/a", &staging).is_empty());
    staging.namespace = "kube-system".into();
    let violations = check(&rules, &["https://git/a"], &staging, &[], &BuiltinScopes);
    assert_eq!(violations.len(), 1);
    assert!(
        violations[0].detail.contains("destinations[1]"),
        "{}",
        violations[0]
    );
}

#[test]
fn objects_in_other_namespaces_must_be_permitted_destinations() {
    let rules = project(open(
        json!({"destinations": [{"server": "*", "namespace": "web"}]}),
    ));
    assert!(object_rules(&rules, &[config_map("web")]).is_empty());
    let violations = check(
        &rules,
        &["https://git/a"],
        &prod("web"),
        &[config_map("kube-system")],
        &BuiltinScopes,
    );
    assert_eq!(violations.len(), 1);
    assert_eq!(violations[0].rule, ProjectRule::Destinations);
    assert!(
        violations[0].detail.contains("kube-system"),
        "{}",
        violations[0]
    );
    assert!(
        violations[0]
            .detail
            .contains("ConfigMap/kube-system/settings"),
        "{}",
        violations[0]
    );
}

#[test]
fn empty_cluster_whitelist_denies_cluster_scoped_kinds() {
    let rules = project(open(json!({})));
    assert_eq!(
        object_rules(&rules, &[cluster_role("admin"), cluster_role("edit")]),
        vec![ProjectRule::ClusterResourceWhitelist],
        "one violation per kind, naming both objects"
    );
    assert!(
        object_rules(&rules, &[config_map("web")]).is_empty(),
        "namespaced kinds pass"
    );
    let namespace =
        manifest(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "web"}}));
    assert_eq!(
        object_rules(&rules, &[namespace]),
        vec![ProjectRule::ClusterResourceWhitelist]
    );
}

#[test]
fn whitelists_take_group_and_kind_globs_and_blacklists_win() {
    let rules = project(open(json!({
        "clusterResourceWhitelist": [{"group": "rbac.authorization.k8s.io", "kind": "*"}],
        "clusterResourceBlacklist": [{"group": "*", "kind": "ClusterRoleBinding"}],
        "namespaceResourceWhitelist": [{"group": "", "kind": "ConfigMap"}, {"group": "apps", "kind": "*"}],
        "namespaceResourceBlacklist": [{"group": "apps", "kind": "DaemonSet"}],
    })));
    assert!(object_rules(&rules, &[cluster_role("admin"), config_map("web")]).is_empty());
    let binding = manifest(json!({"apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRoleBinding", "metadata": {"name": "admin"}}));
    assert_eq!(
        object_rules(&rules, &[binding]),
        vec![ProjectRule::ClusterResourceBlacklist]
    );
    let deployment = manifest(json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "web"}}));
    let daemon_set = manifest(json!({"apiVersion": "apps/v1", "kind": "DaemonSet",
        "metadata": {"name": "agent", "namespace": "web"}}));
    let secret = manifest(json!({"apiVersion": "v1", "kind": "Secret",
        "metadata": {"name": "token", "namespace": "web"}}));
    assert!(object_rules(&rules, std::slice::from_ref(&deployment)).is_empty());
    assert_eq!(
        object_rules(&rules, &[daemon_set]),
        vec![ProjectRule::NamespaceResourceBlacklist]
    );
    let violations = check(
        &rules,
        &["https://git/a"],
        &prod("web"),
        &[secret],
        &BuiltinScopes,
    );
    assert_eq!(violations.len(), 1);
    assert_eq!(violations[0].rule, ProjectRule::NamespaceResourceWhitelist);
    assert!(
        violations[0].to_string().contains("Secret token"),
        "{}",
        violations[0]
    );
}

#[test]
fn empty_namespace_whitelist_permits_but_blacklist_still_denies() {
    let rules = project(open(json!({
        "namespaceResourceBlacklist": [{"group": "", "kind": "Secret"}],
    })));
    assert!(object_rules(&rules, &[config_map("web")]).is_empty());
    let secret = manifest(json!({"apiVersion": "v1", "kind": "Secret",
        "metadata": {"name": "token", "namespace": "web"}}));
    assert_eq!(
        object_rules(&rules, &[secret]),
        vec![ProjectRule::NamespaceResourceBlacklist]
    );
}

#[test]
fn scope_comes_from_discovery_then_the_apps_own_crds() {
    let rules = project(open(json!({})));
    let widget = manifest(json!({"apiVersion": "example.com/v1", "kind": "Widget",
        "metadata": {"name": "w"}}));
    // Unknown kinds are namespaced, as Argo CD treats them.
    assert!(object_rules(&rules, std::slice::from_ref(&widget)).is_empty());
    let cluster_scoped =
        |group: &str, kind: &str| (group == "example.com" && kind == "Widget").then_some(false);
    let violations = check(
        &rules,
        &["https://git/a"],
        &prod("web"),
        std::slice::from_ref(&widget),
        &cluster_scoped,
    );
    assert_eq!(violations.len(), 1);
    assert_eq!(violations[0].rule, ProjectRule::ClusterResourceWhitelist);
    let crd = manifest(
        json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {"group": "example.com", "scope": "Cluster", "names": {"kind": "Widget"}}}),
    );
    let with_crd = project(open(json!({
        "clusterResourceWhitelist": [{"group": "apiextensions.k8s.io", "kind": "CustomResourceDefinition"}],
    })));
    assert_eq!(
        object_rules(&with_crd, &[crd, widget]),
        vec![ProjectRule::ClusterResourceWhitelist],
        "the Widget is cluster-scoped by its own CRD"
    );
}

#[test]
fn invalid_patterns_forbid_and_say_so() {
    let rules = project(open(json!({"sourceRepos": ["!https://git/[oops", "*"]})));
    let violations = check(
        &rules,
        &["https://git/apps"],
        &prod("web"),
        &[],
        &BuiltinScopes,
    );
    assert!(!violations.is_empty());
    assert!(
        violations
            .iter()
            .all(|violation| violation.rule == ProjectRule::SourceRepos)
    );
    assert!(
        violations[0].detail.contains("not a valid glob"),
        "{}",
        violations[0]
    );
}
