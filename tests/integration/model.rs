//! model integration tests: realistic Argo CD fixtures (tests/fixtures/argocd)
//! parsed into typed resources, round-tripped, validated and catalogued.

use std::path::PathBuf;
use std::time::Duration;

use serde_json::{Value, json};

use fleetdeck::engine::manifest::{Manifest, Origin};
use fleetdeck::engine::model::application_set::ApplicationsSync;
use fleetdeck::engine::model::generators::GeneratorKind;
use fleetdeck::engine::model::{
    AppProject, Application, ApplicationSet, ArgoResource, Catalog, CatalogProblem, ClusterRef,
    IntOrString, ModelError, StrategyType, SyncWindowKind,
};
use fleetdeck::engine::yaml::{parse_documents, parse_single};

const GOOD_FIXTURES: [&str; 5] = [
    "guestbook.yaml",
    "multi-source.yaml",
    "appset-matrix.yaml",
    "appset-list-merge.yaml",
    "project.yaml",
];

fn fixture_text(name: &str) -> String {
    let path: PathBuf = [
        env!("CARGO_MANIFEST_DIR"),
        "tests",
        "fixtures",
        "argocd",
        name,
    ]
    .iter()
    .collect();
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// The documents of a fixture as the source layer would hand them over.
fn manifests_named(name: &str, file: &str) -> Vec<Manifest> {
    parse_documents(&fixture_text(name))
        .unwrap()
        .into_iter()
        .map(|document| Manifest {
            object: document.value,
            origin: Origin {
                file: file.into(),
                document: document.index,
                line: document.start_line,
            },
        })
        .collect()
}

fn manifests(name: &str) -> Vec<Manifest> {
    manifests_named(name, name)
}

fn documents(name: &str) -> Vec<Value> {
    manifests(name)
        .into_iter()
        .map(|manifest| manifest.object)
        .collect()
}

fn first_document(name: &str) -> Value {
    documents(name).remove(0)
}

fn good_catalog() -> Catalog {
    Catalog::from_manifests(GOOD_FIXTURES.iter().flat_map(|name| manifests(name)))
}

fn validation_paths<T: ArgoResource>(resource: &T) -> Vec<String> {
    resource
        .validate()
        .into_iter()
        .map(|error| error.path)
        .collect()
}

#[test]
fn every_fixture_loads_without_errors() {
    let catalog = good_catalog();
    assert!(catalog.errors.is_empty(), "{:#?}", catalog.errors);
    assert_eq!(catalog.ignored, 0);
    let names = |names: Vec<&str>| names.into_iter().map(String::from).collect::<Vec<_>>();
    assert_eq!(
        catalog
            .applications
            .iter()
            .map(|a| a.value.name().to_string())
            .collect::<Vec<_>>(),
        names(vec!["guestbook", "prometheus", "shop-prod"])
    );
    assert_eq!(
        catalog
            .application_sets
            .iter()
            .map(|a| a.value.name().to_string())
            .collect::<Vec<_>>(),
        names(vec!["cluster-addons", "cluster-git", "guestbook-envs"])
    );
    assert_eq!(catalog.projects.len(), 1);
    let shop = catalog.application("shop-prod").unwrap();
    assert_eq!(shop.origin.file.as_ref(), "multi-source.yaml");
    assert_eq!(shop.origin.document, 1);
}

#[test]
fn guestbook_application_fields() {
    let app = Application::from_value(first_document("guestbook.yaml")).unwrap();
    assert!(app.validate().is_empty(), "{:?}", app.validate());
    assert_eq!(app.project(), "default");
    assert_eq!(app.metadata.labels["team"], "web");
    assert_eq!(
        app.metadata.finalizers,
        vec!["resources-finalizer.argocd.argoproj.io"]
    );

    let [source] = app.sources() else {
        panic!("one source expected")
    };
    assert_eq!(source.path, "guestbook");
    assert_eq!(source.target_revision_or_head(), "HEAD");
    let directory = source.directory.as_ref().unwrap();
    assert!(directory.recurse);
    assert_eq!(directory.include, "{*.yaml,*.yml}");
    assert_eq!(
        directory.jsonnet.as_ref().unwrap()["tlas"][0]["code"],
        json!(true)
    );

    assert_eq!(
        app.spec.destination.cluster(),
        Some(ClusterRef::Server("https://kubernetes.default.svc"))
    );
    let automated = app.automated_sync().unwrap();
    assert!(automated.prune && automated.self_heal && automated.allow_empty);
    assert!(app.has_sync_option("CreateNamespace=true"));
    assert!(app.has_sync_option("PruneLast=true"));
    assert_eq!(
        app.sync_option("PrunePropagationPolicy"),
        Some("foreground")
    );

    let policy = app.spec.sync_policy.as_ref().unwrap();
    let retry = policy.retry.as_ref().unwrap();
    assert_eq!(retry.limit, Some(5));
    let backoff = retry.backoff.as_ref().unwrap();
    assert_eq!(backoff.duration().unwrap(), Some(Duration::from_secs(5)));
    assert_eq!(backoff.factor, Some(2));
    assert_eq!(
        backoff.max_duration().unwrap(),
        Some(Duration::from_secs(180))
    );
    let namespace_metadata = policy.managed_namespace_metadata.as_ref().unwrap();
    assert_eq!(namespace_metadata.labels["owner"], "web");

    assert_eq!(app.spec.ignore_differences.len(), 2);
    assert_eq!(
        app.spec.ignore_differences[0].json_pointers,
        vec!["/spec/replicas"]
    );
    assert_eq!(app.spec.ignore_differences[1].group, "");
    assert_eq!(
        app.spec.ignore_differences[1].managed_fields_managers,
        vec!["kube-controller-manager"]
    );
    assert_eq!(app.spec.info[0].name, "Runbook");
    assert_eq!(app.spec.revision_history_limit, Some(10));

    // Unknown to fleetdeck, kept as written.
    assert_eq!(
        app.spec.extra["sourceHydrator"]["syncSource"]["targetBranch"],
        json!("environments/prod")
    );
    assert_eq!(
        app.status.as_ref().unwrap()["health"]["status"],
        json!("Healthy")
    );
}

#[test]
fn multi_source_and_kustomize_application_fields() {
    let [prometheus, shop] = documents("multi-source.yaml").try_into().unwrap();
    let prometheus = Application::from_value(prometheus).unwrap();
    assert!(
        prometheus.validate().is_empty(),
        "{:?}",
        prometheus.validate()
    );
    assert!(prometheus.has_multiple_sources());
    assert_eq!(prometheus.project(), "monitoring");
    let sources = prometheus.sources();
    assert_eq!(sources.len(), 2);
    assert!(sources[0].is_helm_chart());
    assert_eq!(sources[1].ref_name, "values");
    let referenced: Vec<_> = sources[0].referenced_value_files().collect();
    assert_eq!(
        referenced,
        vec![
            ("values", "charts/prometheus/values.yaml"),
            ("values", "charts/prometheus/values-prod.yaml")
        ]
    );
    let helm = sources[0].helm.as_ref().unwrap();
    assert_eq!(helm.release_name, "prom");
    assert!(helm.ignore_missing_value_files && helm.skip_crds && helm.pass_credentials);
    assert_eq!(helm.values, "server:\n  retention: 15d\n");
    assert_eq!(
        helm.values_object.as_ref().unwrap()["alertmanager"]["replicaCount"],
        json!(2)
    );
    assert!(helm.parameters[1].force_string);
    assert_eq!(helm.parameters[1].value, "2.48.0");
    assert_eq!(
        helm.file_parameters[0].path,
        "$values/charts/prometheus/scrape.yaml"
    );
    assert_eq!(helm.kube_version, "1.30.0");
    assert_eq!(helm.api_versions, vec!["monitoring.coreos.com/v1"]);
    // `automated` with `enabled: false`: settings kept, automation off.
    assert!(!prometheus.is_automated());
    assert!(prometheus.has_sync_option("ServerSideApply=true"));
    assert_eq!(
        prometheus.spec.destination.cluster(),
        Some(ClusterRef::Name("prod-eu"))
    );

    let shop = Application::from_value(shop).unwrap();
    assert!(shop.validate().is_empty(), "{:?}", shop.validate());
    let kustomize = shop.sources()[0].kustomize.as_ref().unwrap();
    assert_eq!(kustomize.name_prefix, "prod-");
    assert_eq!(kustomize.images.len(), 2);
    assert!(kustomize.force_common_labels);
    assert_eq!(kustomize.replicas[0].count, IntOrString::Int(3));
    assert_eq!(kustomize.replicas[1].count, IntOrString::String("2".into()));
    assert_eq!(kustomize.replicas[1].count.as_int(), Some(2));
    let target = kustomize.patches[0].target.as_ref().unwrap();
    assert_eq!(
        (target.kind.as_str(), target.label_selector.as_str()),
        ("Deployment", "tier=backend")
    );
    assert!(kustomize.patches[1].options["allowNameChange"]);
    assert_eq!(kustomize.components, vec!["../../components/tracing"]);
    assert_eq!(kustomize.extra["labelWithoutSelector"], json!(true));
}

#[test]
fn matrix_application_set_fields() {
    let set = ApplicationSet::from_value(first_document("appset-matrix.yaml")).unwrap();
    assert!(set.validate().is_empty(), "{:?}", set.validate());
    assert!(set.spec.go_template);
    assert_eq!(set.spec.go_template_options, vec!["missingkey=error"]);

    let Some(GeneratorKind::Matrix(matrix)) = set.spec.generators[0].kind() else {
        panic!("matrix expected")
    };
    let Some(GeneratorKind::Git(git)) = matrix.generators[0].kind() else {
        panic!("git expected")
    };
    assert_eq!(git.directories.len(), 2);
    assert!(git.directories[1].exclude);
    assert_eq!(git.requeue_after_seconds, Some(180));
    let Some(GeneratorKind::Clusters(clusters)) = matrix.generators[1].kind() else {
        panic!("clusters expected")
    };
    let selector = clusters.selector.as_ref().unwrap();
    assert_eq!(selector.match_labels["env"], "production");
    assert_eq!(
        selector.match_expressions[0].values,
        vec!["eu-west-1", "us-east-1"]
    );
    assert_eq!(clusters.values["autoSync"], "true");

    // The template is kept raw; its placeholders are untouched.
    let template = &set.spec.template;
    assert_eq!(template.metadata.name, "{{ .path.basename }}-{{ .name }}");
    assert_eq!(
        template.spec["destination"]["server"],
        json!("{{ .server }}")
    );
    let view = template.spec_view().unwrap();
    assert_eq!(view.source.unwrap().path, "{{ .path.path }}");
    assert!(set.spec.template_patch.contains("selfHeal: true"));

    assert_eq!(set.applications_sync(), ApplicationsSync::CreateUpdate);
    assert!(
        set.spec
            .sync_policy
            .as_ref()
            .unwrap()
            .preserve_resources_on_deletion
    );
    let strategy = set.spec.strategy.as_ref().unwrap();
    assert_eq!(strategy.strategy_type(), StrategyType::RollingSync);
    let steps = &strategy.rolling_sync.as_ref().unwrap().steps;
    assert_eq!(steps.len(), 3);
    assert_eq!(steps[0].max_update, None);
    assert_eq!(steps[1].max_update.as_ref().unwrap().scaled(8), Some(2));
    assert_eq!(steps[2].max_update, Some(IntOrString::Int(1)));
}

#[test]
fn list_merge_and_unmodelled_generators_are_kept() {
    let [list_set, merge_set] = documents("appset-list-merge.yaml").try_into().unwrap();
    let list_set = ApplicationSet::from_value(list_set).unwrap();
    assert!(list_set.validate().is_empty(), "{:?}", list_set.validate());
    let entry = &list_set.spec.generators[0];
    let Some(GeneratorKind::List(list)) = entry.kind() else {
        panic!("list expected")
    };
    assert_eq!(list.elements[1]["replicas"], json!(3));
    assert_eq!(list.elements_yaml, "{{ .environments | toJson }}");
    assert_eq!(
        entry.selector.as_ref().unwrap().match_labels["cluster"],
        "engineering-prod"
    );

    let merge_set = ApplicationSet::from_value(merge_set).unwrap();
    assert!(
        merge_set.validate().is_empty(),
        "{:?}",
        merge_set.validate()
    );
    let kinds: Vec<_> = merge_set
        .spec
        .generators
        .iter()
        .map(|generator| generator.kind().unwrap().name().to_string())
        .collect();
    assert_eq!(kinds, vec!["merge", "pullRequest", "scmProvider"]);
    let Some(GeneratorKind::Merge(merge)) = merge_set.spec.generators[0].kind() else {
        panic!("merge expected")
    };
    assert_eq!(merge.merge_keys, vec!["server"]);
    assert_eq!(merge.generators.len(), 3);
    let Some(GeneratorKind::Other { config, .. }) = merge_set.spec.generators[1].kind() else {
        panic!("pullRequest kept as an unmodelled kind")
    };
    assert_eq!(
        config["github"]["tokenRef"]["secretName"],
        json!("github-token")
    );
    // Everything inside an unmodelled kind is kept, per-generator template
    // overrides included.
    assert_eq!(
        merge_set.spec.generators[2].other["scmProvider"]["template"]["metadata"]["name"],
        json!("scm-{{repository}}")
    );
}

#[test]
fn project_fields() {
    let project = AppProject::from_value(first_document("project.yaml")).unwrap();
    assert!(project.validate().is_empty(), "{:?}", project.validate());
    let spec = &project.spec;
    assert_eq!(spec.description, "Shop team applications");
    assert_eq!(spec.source_namespaces, vec!["shop-apps"]);
    assert_eq!(spec.destinations[1].name, "staging");
    assert_eq!(spec.cluster_resource_whitelist[0].group, "");
    assert_eq!(spec.cluster_resource_whitelist[0].kind, "Namespace");
    assert_eq!(spec.namespace_resource_blacklist.len(), 2);
    assert_eq!(spec.roles[0].jwt_tokens[0].iat, 1_700_000_000);
    assert_eq!(spec.roles[1].groups, vec!["example-org:shop-developers"]);
    let windows = &spec.sync_windows;
    assert_eq!(windows[0].kind, SyncWindowKind::Allow);
    assert!(windows[0].manual_sync);
    assert_eq!(windows[1].kind, SyncWindowKind::Deny);
    assert_eq!(windows[1].time_zone, "Europe/Berlin");
    assert_eq!(windows[1].extra["andOperator"], json!(true));
    let orphaned = spec.orphaned_resources.as_ref().unwrap();
    assert_eq!(orphaned.warn, Some(true));
    assert_eq!(orphaned.ignore[0].name, "kube-root-ca.crt");
    assert_eq!(spec.signature_keys[0].key_id, "4AEE18F83AFDEB23");
    assert!(spec.permit_only_project_scoped_clusters);
}

/// Serializing a parsed fixture gives back exactly the document the user
/// wrote (the fixtures write no default values), and a YAML round trip
/// parses to an equal value.
#[test]
fn round_trip_keeps_every_field() {
    fn check<T: ArgoResource + PartialEq + std::fmt::Debug>(
        original: Value,
        parse: fn(Value) -> Result<T, ModelError>,
    ) {
        let typed = parse(original.clone()).unwrap();
        assert_eq!(serde_json::to_value(&typed).unwrap(), original);
        let yaml = serde_saphyr::to_string(&typed).unwrap();
        let reparsed = parse(parse_single(&yaml).unwrap()).unwrap();
        assert_eq!(reparsed, typed, "YAML round trip changed:\n{yaml}");
    }
    let mut checked = 0;
    for name in GOOD_FIXTURES {
        for document in documents(name) {
            match document["kind"].as_str() {
                Some("Application") => check(document, Application::from_value),
                Some("ApplicationSet") => check(document, ApplicationSet::from_value),
                Some("AppProject") => check(document, AppProject::from_value),
                other => panic!("unexpected kind {other:?} in {name}"),
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 7);
}

#[test]
fn serialization_omits_what_was_not_written() {
    let original = json!({
        "apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
        "metadata": {"name": "tiny"},
        "spec": {"project": "default", "destination": {"name": "in-cluster"},
            "source": {"repoURL": "https://g", "path": "."}}
    });
    let app = Application::from_value(original.clone()).unwrap();
    assert_eq!(serde_json::to_value(&app).unwrap(), original);
}

#[test]
fn parse_errors_name_the_field() {
    let mut guestbook = first_document("guestbook.yaml");
    guestbook["spec"]["syncPolicy"]["automated"]["prune"] = json!("yes");
    let error = Application::from_value(guestbook).unwrap_err();
    assert_eq!(
        error.to_string(),
        "spec.syncPolicy.automated.prune: invalid type: string \"yes\", expected a boolean"
    );

    let mut guestbook = first_document("guestbook.yaml");
    guestbook["spec"]["syncPolicy"]["retry"]["limit"] = json!("five");
    let error = Application::from_value(guestbook).unwrap_err();
    assert_eq!(error.path(), "spec.syncPolicy.retry.limit");

    let mut prometheus = first_document("multi-source.yaml");
    prometheus["spec"]["sources"][0]["helm"]["valueFiles"] = json!("values.yaml");
    let error = Application::from_value(prometheus).unwrap_err();
    assert_eq!(error.path(), "spec.sources[0].helm.valueFiles");

    let mut shop = documents("multi-source.yaml").remove(1);
    shop["spec"]["source"]["kustomize"]["replicas"][1]["count"] = json!(true);
    let error = Application::from_value(shop).unwrap_err();
    assert_eq!(error.path(), "spec.source.kustomize.replicas[1].count");
    assert!(
        error
            .to_string()
            .ends_with("expected an integer or a string"),
        "{error}"
    );

    let mut matrix = first_document("appset-matrix.yaml");
    matrix["spec"]["strategy"]["rollingSync"]["steps"][1]["maxUpdate"] = json!(["25%"]);
    let error = ApplicationSet::from_value(matrix).unwrap_err();
    assert_eq!(error.path(), "spec.strategy.rollingSync.steps[1].maxUpdate");

    let mut project = first_document("project.yaml");
    project["spec"]["syncWindows"][1]["kind"] = json!("sometimes");
    let error = AppProject::from_value(project).unwrap_err();
    assert_eq!(error.path(), "spec.syncWindows[1].kind");

    let mut missing_spec = first_document("guestbook.yaml");
    missing_spec.as_object_mut().unwrap().remove("spec");
    let error = Application::from_value(missing_spec).unwrap_err();
    assert_eq!(error.to_string(), "missing field `spec`");
}

#[test]
fn validation_names_the_field_argo_would_reject() {
    let mut guestbook = first_document("guestbook.yaml");
    guestbook["metadata"]
        .as_object_mut()
        .unwrap()
        .remove("name");
    guestbook["spec"]["destination"]["name"] = json!("in-cluster");
    guestbook["spec"]["syncPolicy"]["retry"]["backoff"]["duration"] = json!("5 seconds");
    let app = Application::from_value(guestbook).unwrap();
    assert_eq!(
        validation_paths(&app),
        vec![
            "metadata.name",
            "spec.destination",
            "spec.syncPolicy.retry.backoff.duration"
        ]
    );

    // With both `source` and `sources`, Argo CD uses `sources`: only they
    // are checked, so a broken `source` next to good `sources` is fine.
    let mut prometheus = first_document("multi-source.yaml");
    prometheus["spec"]["source"] = json!({"repoURL": ""});
    let app = Application::from_value(prometheus.clone()).unwrap();
    assert!(app.validate().is_empty(), "{:?}", app.validate());
    prometheus["spec"]["sources"][1]["ref"] = json!("vals");
    prometheus["spec"]["sources"][0]
        .as_object_mut()
        .unwrap()
        .remove("targetRevision");
    let app = Application::from_value(prometheus).unwrap();
    assert_eq!(
        validation_paths(&app),
        vec![
            "spec.sources[0].targetRevision",
            "spec.sources[0].helm.valueFiles[0]",
            "spec.sources[0].helm.valueFiles[1]",
        ]
    );

    let mut matrix = first_document("appset-matrix.yaml");
    let children = matrix["spec"]["generators"][0]["matrix"]["generators"]
        .as_array_mut()
        .unwrap();
    children.pop();
    children[0]["git"]
        .as_object_mut()
        .unwrap()
        .remove("directories");
    let set = ApplicationSet::from_value(matrix).unwrap();
    assert_eq!(
        validation_paths(&set),
        vec![
            "spec.generators[0].matrix.generators",
            "spec.generators[0].matrix.generators[0].git",
        ]
    );

    let mut project = first_document("project.yaml");
    project["spec"]["syncWindows"][0]["schedule"] = json!("every night");
    project["spec"]["roles"][0]["policies"][0] =
        json!("p, proj:other:ci, applications, sync, shop/*, allow");
    let project = AppProject::from_value(project).unwrap();
    assert_eq!(
        validation_paths(&project),
        vec!["spec.roles[0].policies[0]", "spec.syncWindows[0].schedule"]
    );
}

#[test]
fn catalog_loads_good_documents_around_broken_ones() {
    let catalog = Catalog::from_manifests(manifests("mixed-repo.yaml"));
    let app_names: Vec<_> = catalog
        .applications
        .iter()
        .map(|a| a.value.name())
        .collect();
    assert_eq!(app_names, vec!["team-a-api"]);
    assert_eq!(catalog.projects[0].value.name(), "team-a");
    assert!(catalog.application_sets.is_empty());
    // Namespace, Rollout (argoproj.io but not an Argo CD resource), ConfigMap.
    assert_eq!(catalog.ignored, 3);

    assert_eq!(catalog.errors.len(), 2, "{:#?}", catalog.errors);
    let broken = &catalog.errors[0];
    assert_eq!(broken.origin.document, 2);
    assert_eq!(broken.origin.line, 22);
    assert_eq!(broken.name.as_deref(), Some("team-a-broken"));
    assert!(matches!(broken.problem, CatalogProblem::Parse(_)));
    assert_eq!(
        broken.to_string(),
        "mixed-repo.yaml (document 3, line 22): Application team-a-broken: \
         spec.syncPolicy.automated.prune: invalid type: string \"yes\", expected a boolean"
    );
    let both_clusters = &catalog.errors[1];
    assert_eq!(both_clusters.origin.line, 57);
    assert_eq!(both_clusters.path(), "spec.destination");
    assert!(matches!(both_clusters.problem, CatalogProblem::Invalid(_)));

    // The catalog is data for the UI and CLI: it serializes.
    let json = serde_json::to_value(&catalog).unwrap();
    assert_eq!(json["errors"][0]["origin"]["line"], json!(22));
}

#[test]
fn catalog_reports_duplicates_with_both_origins() {
    let catalog = Catalog::from_manifests(
        manifests_named("guestbook.yaml", "apps/b.yaml")
            .into_iter()
            .chain(manifests_named("guestbook.yaml", "apps/a.yaml")),
    );
    assert_eq!(catalog.applications.len(), 1);
    assert_eq!(catalog.applications[0].origin.file.as_ref(), "apps/a.yaml");
    assert_eq!(catalog.errors.len(), 1);
    let duplicate = &catalog.errors[0];
    assert_eq!(duplicate.origin.file.as_ref(), "apps/b.yaml");
    let CatalogProblem::Duplicate { first } = &duplicate.problem else {
        panic!("duplicate expected, got {duplicate}")
    };
    assert_eq!(first.file.as_ref(), "apps/a.yaml");
    let message = duplicate.to_string();
    assert!(
        message.starts_with("apps/b.yaml (document 1, line 3): Application guestbook:"),
        "{message}"
    );
    assert!(
        message.contains("apps/a.yaml (document 1, line 3)"),
        "{message}"
    );
}
