//! From a Git repository to desired objects through the public engine API:
//! catalog loading, source-type detection, Application rendering, caching.

use std::sync::Arc;

use fleetdeck::engine::render::{
    AppRenderError, KustomizeError, RenderCache, RenderError, load_catalog, render_application,
};
use fleetdeck::engine::source::{LocalFirstResolver, RepoCache, RepoPath};

use super::gitops_repo::{REPO_URL, deployment, gitops_repo};

fn names(catalog: &fleetdeck::engine::render::RepoCatalog) -> Vec<String> {
    catalog
        .catalog
        .applications
        .iter()
        .map(|app| app.value.name().to_string())
        .collect()
}

#[test]
fn catalog_lists_the_argo_resources_of_the_guide_layout() {
    let repo = gitops_repo();
    let cache_dir = tempfile::tempdir().unwrap();
    let repos = RepoCache::new(cache_dir.path().to_path_buf());
    let opened = repos.open(repo.path().to_str().unwrap()).unwrap();

    let catalog = load_catalog(&opened, "main", &RepoPath::new("argocd").unwrap()).unwrap();
    assert_eq!(names(&catalog), ["guestbook-dev", "redis"]);
    let sets: Vec<_> = catalog
        .catalog
        .application_sets
        .iter()
        .map(|set| set.value.name().to_string())
        .collect();
    assert_eq!(sets, ["cluster-addons", "guestbook"]);
    let projects: Vec<_> = catalog
        .catalog
        .projects
        .iter()
        .map(|project| project.value.name().to_string())
        .collect();
    assert_eq!(projects, ["default", "team-web"]);
    assert!(catalog.problems().is_empty(), "{:?}", catalog.problems());
    let redis = &catalog.catalog.applications[1];
    assert_eq!(&*redis.origin.file, "argocd/applications/redis.yaml");
}

#[test]
fn a_broken_file_is_named_and_the_rest_still_loads() {
    let repo = gitops_repo();
    repo.write(
        "argocd/applications/broken.yaml",
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: [oops\n",
    )
    .write(
        "argocd/applications/wrong-type.yaml",
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: typed\nspec:\n  destination: {server: x}\n  syncPolicy:\n    automated:\n      prune: sometimes\n",
    );
    repo.commit("Break two files");
    let cache_dir = tempfile::tempdir().unwrap();
    let repos = RepoCache::new(cache_dir.path().to_path_buf());
    let opened = repos.open(repo.path().to_str().unwrap()).unwrap();

    let catalog = load_catalog(&opened, "HEAD", &RepoPath::new("argocd").unwrap()).unwrap();
    assert_eq!(names(&catalog), ["guestbook-dev", "redis"]);
    let problems = catalog.problems();
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(
        problems[0].starts_with("argocd/applications/broken.yaml:4"),
        "{problems:?}"
    );
    assert!(
        problems[1].contains("argocd/applications/wrong-type.yaml")
            && problems[1].contains("spec.syncPolicy.automated.prune"),
        "{problems:?}"
    );
}

#[test]
fn directory_app_renders_from_its_repo_url_through_the_local_checkout() {
    let repo = gitops_repo();
    let cache_dir = tempfile::tempdir().unwrap();
    let repos = RepoCache::new(cache_dir.path().to_path_buf());
    let opened = repos.open(repo.path().to_str().unwrap()).unwrap();
    let catalog = load_catalog(&opened, "HEAD", &RepoPath::new("argocd").unwrap()).unwrap();
    let redis = catalog.catalog.applications[1].value.clone();

    let mut resolver = LocalFirstResolver::new(&repos);
    resolver.alias_with_remotes(opened.clone());
    let cache = RenderCache::new(8);
    let sources = render_application(&redis, &resolver, &cache).unwrap();
    assert_eq!(sources.len(), 1);
    assert_eq!(sources[0].repo_url, REPO_URL);
    let kinds: Vec<_> = sources[0]
        .manifests
        .iter()
        .map(|m| format!("{}/{}", m.kind(), m.name()))
        .collect();
    // recurse: true picks up config/; README.md is not a manifest.
    assert_eq!(
        kinds,
        [
            "ConfigMap/redis-config",
            "Deployment/redis",
            "Service/redis"
        ]
    );
    // Nothing was cloned: the URL was served by the local checkout.
    assert!(std::fs::read_dir(cache_dir.path()).map_or(true, |mut d| d.next().is_none()));

    // Same commit, same path, same options: served from the cache.
    let again = render_application(&redis, &resolver, &cache).unwrap();
    assert!(Arc::ptr_eq(&sources[0].manifests, &again[0].manifests));

    // A new commit is a new render.
    repo.write(
        "apps/redis/extra.yaml",
        deployment("redis-exporter", "exporter:1"),
    );
    repo.commit("Add exporter");
    let newer = render_application(&redis, &resolver, &cache).unwrap();
    assert_eq!(newer[0].manifests.len(), 4);
    assert_ne!(newer[0].commit, sources[0].commit);
}

#[test]
fn kustomize_overlays_render_and_broken_sources_fail_clearly() {
    let repo = gitops_repo();
    repo.write(
        "apps/redis/bad.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: [x\n",
    );
    repo.commit("Break redis");
    let cache_dir = tempfile::tempdir().unwrap();
    let repos = RepoCache::new(cache_dir.path().to_path_buf());
    let opened = repos.open(repo.path().to_str().unwrap()).unwrap();
    let catalog = load_catalog(&opened, "HEAD", &RepoPath::new("argocd").unwrap()).unwrap();
    let mut resolver = LocalFirstResolver::new(&repos);
    resolver.alias_with_remotes(opened);
    let cache = RenderCache::new(8);

    // The dev overlay renders natively, in kustomize's order (Service
    // before Deployment), moved to the overlay's namespace.
    let guestbook = &catalog.catalog.applications[0].value;
    let sources = render_application(guestbook, &resolver, &cache).unwrap();
    let objects: Vec<String> = sources[0]
        .manifests
        .iter()
        .map(|manifest| manifest.key().to_string())
        .collect();
    assert_eq!(
        objects,
        [
            "Service/guestbook-dev/guestbook",
            "Deployment.apps/guestbook-dev/guestbook"
        ]
    );
    let deployment = &sources[0].manifests[1];
    assert_eq!(deployment.object["spec"]["replicas"], 1);
    assert_eq!(
        &*deployment.origin.file,
        "apps/guestbook/base/deployment.yaml"
    );

    // A kustomization the renderer cannot honour fails with a typed error
    // naming the file and the field.
    repo.write(
        "apps/guestbook/overlays/dev/kustomization.yaml",
        "resources:\n  - ../../base\nhelmCharts:\n  - name: x\n",
    );
    repo.commit("Use a Helm chart in the overlay");
    let error = render_application(guestbook, &resolver, &cache).unwrap_err();
    let AppRenderError::Source { source, .. } = &error else {
        panic!("expected a source error, got {error}");
    };
    assert!(matches!(
        **source,
        RenderError::Kustomize(KustomizeError::UnsupportedField { .. })
    ));
    assert!(
        error.to_string().contains(
            "apps/guestbook/overlays/dev/kustomization.yaml: unsupported field 'helmCharts'"
        ),
        "{error}"
    );
    assert!(
        error.to_string().contains("application guestbook-dev"),
        "{error}"
    );

    let redis = &catalog.catalog.applications[1].value;
    let error = render_application(redis, &resolver, &cache)
        .unwrap_err()
        .to_string();
    assert!(error.contains("application redis"), "{error}");
    assert!(error.contains("apps/redis/bad.yaml:3"), "{error}");
}

#[test]
fn unknown_revision_and_missing_path_name_what_is_missing() {
    let repo = gitops_repo();
    let cache_dir = tempfile::tempdir().unwrap();
    let repos = RepoCache::new(cache_dir.path().to_path_buf());
    let opened = repos.open(repo.path().to_str().unwrap()).unwrap();

    let error = load_catalog(&opened, "release-9", &RepoPath::new("argocd").unwrap())
        .unwrap_err()
        .to_string();
    assert!(error.contains("unknown revision 'release-9'"), "{error}");

    let error = load_catalog(&opened, "HEAD", &RepoPath::new("deploy").unwrap())
        .unwrap_err()
        .to_string();
    assert!(error.contains("'deploy' not found"), "{error}");
}
