//! Template bombs committed to Git cost their own ApplicationSet, never the
//! fleet or the process: `repeat` and `printf` asked for gigabytes (or for
//! `i64::MAX` copies) are that set's generation error, and every other set
//! keeps generating its apps.

use fleetdeck::engine::appset::{
    AppSetError, ExpandContext, GeneratorClusters, TemplateError, expand_all,
};
use fleetdeck::engine::model::ApplicationSet;
use fleetdeck::engine::yaml::parse_single;

use super::cli::{Home, stderr, stdout};
use super::gitops_repo::gitops_repo;

/// One set, three elements, each reaching a different bomb (Go templates).
pub(super) const GO_BOMBS: &str = r#"apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: bombs
  namespace: argocd
spec:
  goTemplate: true
  generators:
    - list:
        elements:
          - {name: a, bomb: repeat}
          - {name: b, bomb: printf}
          - {name: c, bomb: max}
  template:
    metadata:
      name: 'bomb-{{ .name }}'
      annotations:
        payload: '{{ if eq .bomb "repeat" }}{{ repeat 20000000000 "x" }}{{ else if eq .bomb "printf" }}{{ printf "%99999999999s" .name }}{{ else }}{{ repeat 9223372036854775807 "x" }}{{ end }}'
    spec:
      project: default
      source:
        repoURL: https://git.example.com/platform/gitops.git
        targetRevision: HEAD
        path: apps/redis
      destination:
        server: https://kubernetes.default.svc
        namespace: bombs
"#;

/// A legacy-templating set whose thousand tags each expand a 1 MiB
/// parameter.
fn fast_bomb() -> String {
    let big = "x".repeat(1 << 20);
    let tags = "{{big}}".repeat(1000);
    format!(
        "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata:\n  name: fast-bomb\nspec:\n  generators:\n    - list:\n        elements:\n          - {{name: a, big: {big}}}\n  template:\n    metadata:\n      name: 'fast-{{{{name}}}}'\n      annotations:\n        payload: '{tags}'\n    spec:\n      project: default\n      source:\n        repoURL: https://git.example.com/platform/gitops.git\n        path: apps/redis\n      destination:\n        server: https://kubernetes.default.svc\n        namespace: bombs\n"
    )
}

const HEALTHY: &str = "apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: healthy
spec:
  generators:
    - list:
        elements:
          - env: dev
          - env: prod
  template:
    metadata:
      name: 'healthy-{{env}}'
    spec:
      project: default
      source:
        repoURL: https://git.example.com/platform/gitops.git
        path: apps/redis
      destination:
        server: https://kubernetes.default.svc
        namespace: 'healthy-{{env}}'
";

fn appset(text: &str) -> ApplicationSet {
    ApplicationSet::from_value(parse_single(text).expect("yaml")).expect("appset")
}

#[test]
fn bomb_sets_fail_alone_and_the_healthy_set_still_generates() {
    let sets = [appset(HEALTHY), appset(GO_BOMBS), appset(&fast_bomb())];
    let clusters = GeneratorClusters::default();
    let results = expand_all(&sets, &ExpandContext::new(&clusters));

    let healthy = results[0].result.as_ref().expect("the healthy set expands");
    let names: Vec<&str> = healthy.iter().map(|app| app.application.name()).collect();
    assert_eq!(names, ["healthy-dev", "healthy-prod"]);

    for (index, set) in [(1, "bombs"), (2, "fast-bomb")] {
        let error = results[index]
            .result
            .as_ref()
            .err()
            .unwrap_or_else(|| panic!("{set} must fail"));
        assert_eq!(error.appset(), set);
        let message = error.to_string();
        assert!(message.contains("over the template budget"), "{message}");
        assert!(
            matches!(
                error,
                AppSetError::Render { source, .. }
                    if matches!(**source, TemplateError::Go(_) | TemplateError::OverBudget(_))
            ),
            "{message}"
        );
    }
}

/// Each bomb alone, so one cannot hide the others behind its error.
#[test]
fn each_of_the_three_bombs_is_the_sets_error() {
    for (bomb, wanted) in [
        ("repeat", "repeat would produce 20000000000 bytes"),
        ("printf", "printf would produce 99999999998 bytes"),
        ("max", "repeat would produce 9223372036854775807 bytes"),
    ] {
        let only = GO_BOMBS.replace("- {name: a, bomb: repeat}\n          - {name: b, bomb: printf}\n          - {name: c, bomb: max}", &format!("- {{name: a, bomb: {bomb}}}"));
        let clusters = GeneratorClusters::default();
        let results = expand_all(&[appset(&only)], &ExpandContext::new(&clusters));
        let message = results[0]
            .result
            .as_ref()
            .map(|apps| apps.len())
            .expect_err("bomb fails")
            .to_string();
        assert!(message.contains(wanted), "{bomb}: {message}");
    }
}

/// Through the binary: a generated app of a healthy set is still found
/// and rendered while the bomb set sits in the same repository.
#[test]
fn the_binary_renders_a_generated_app_beside_the_bombs() {
    let repo = gitops_repo();
    repo.write("argocd/applicationsets/bombs.yaml", GO_BOMBS)
        .write("argocd/applicationsets/fast-bomb.yaml", fast_bomb());
    repo.commit("Commit three template bombs and a parameter bomb");
    // Capped (8 GiB of address space) so that a binary without the budget
    // fails this test instead of taking the machine's memory.
    let home = Home::new();
    let capped = home.command(&[]);
    let binary = capped.get_program().to_owned();
    let mut command = std::process::Command::new("sh");
    command
        .env_clear()
        .envs(
            capped
                .get_envs()
                .filter_map(|(key, value)| Some((key, value?))),
        )
        .args(["-c", "ulimit -v 8388608 && exec \"$0\" \"$@\""])
        .arg(binary)
        .args(["render", "guestbook-prod", "--repo"])
        .arg(repo.path());
    let output = command.output().expect("run fleetdeck");
    assert!(
        output.status.success(),
        "{:?}\n{}",
        output.status,
        stderr(&output)
    );
    assert!(
        stdout(&output).contains("kind: Deployment"),
        "{}",
        stdout(&output)
    );
}
