//! The UI end to end without a terminal: `update` driven by keys, `view`
//! rendered on a `TestBackend` and compared with insta snapshots, and the
//! runtime loop run with a scripted stream and a collecting command sink.

use std::sync::Arc;
use std::time::Duration;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::engine::api::{
    Command, EngineEvent, FleetSnapshot, ObjectKey, PauseScope, ResumeTarget, SyncStatus, Timestamp,
};

use super::fixtures::{demo_detail, demo_dry_run, demo_events, demo_now, demo_snapshot, model_on};
use super::key::KeyChord;
use super::keymap::Keymap;
use super::model::{LineKind, Model, Overlay, Screen};
use super::msg::{Effect, Msg};
use super::runtime::{LoopStats, run_loop};
use super::theme::Theme;
use super::update::update;
use super::view::view;

fn model_of(snapshot: FleetSnapshot) -> Model {
    Model::new(
        "alice",
        Arc::new(snapshot),
        Theme::by_name("default").unwrap(),
        Keymap::by_name("default").unwrap(),
        demo_now(),
    )
}

fn model() -> Model {
    model_of(demo_snapshot())
}

fn chord(text: &str) -> KeyEvent {
    let chord: KeyChord = text.parse().unwrap();
    KeyEvent::new(chord.code, chord.modifiers)
}

/// Presses chords (`"j"`, `"enter"`, `"ctrl-a"`), collecting the effects.
fn press(model: &mut Model, chords: &[&str]) -> Vec<Effect> {
    chords
        .iter()
        .flat_map(|text| update(model, Msg::Key(chord(text))))
        .collect()
}

/// Types text into whatever has the keys.
fn type_text(model: &mut Model, text: &str) -> Vec<Effect> {
    text.chars()
        .flat_map(|c| {
            update(
                model,
                Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)),
            )
        })
        .collect()
}

fn sent(effects: &[Effect]) -> Vec<Command> {
    effects
        .iter()
        .filter_map(|effect| match effect {
            Effect::Send(command) => Some(command.clone()),
            _ => None,
        })
        .collect()
}

fn current(model: &Model) -> String {
    model
        .apps
        .current(&model.snapshot)
        .map(|app| app.name.clone())
        .unwrap_or_default()
}

fn shown(model: &Model) -> Vec<String> {
    model
        .apps
        .rows
        .iter()
        .map(|index| model.snapshot.apps[*index].name.clone())
        .collect()
}

/// Moves the cursor to `app` through the filter, then clears the filter
/// (the cursor stays on the app).
fn select(model: &mut Model, app: &str) {
    press(model, &["/"]);
    type_text(model, app);
    press(model, &["enter"]);
    assert_eq!(current(model), app);
    press(model, &["esc"]);
    assert!(model.apps.filter.is_empty());
    assert_eq!(current(model), app);
}

fn render(model: &mut Model, width: u16, height: u16) -> String {
    model.width = width;
    model.height = height;
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|frame| view(model, frame)).unwrap();
    let buffer = terminal.backend().buffer();
    let mut text = String::new();
    for y in 0..height {
        let mut line = String::new();
        for x in 0..width {
            line.push_str(buffer[(x, y)].symbol());
        }
        text.push_str(line.trim_end());
        text.push('\n');
    }
    text
}

// ---- snapshots -------------------------------------------------------------

#[test]
fn applications_view_80x24_and_160x48() {
    let mut model = model();
    press(&mut model, &["j", "space"]);
    insta::assert_snapshot!("applications_80x24", render(&mut model, 80, 24));
    insta::assert_snapshot!("applications_160x48", render(&mut model, 160, 48));
}

#[test]
fn detail_view_80x24_and_160x48() {
    let mut model = model();
    select(&mut model, "web-frontend");
    let effects = press(&mut model, &["enter"]);
    assert_eq!(
        sent(&effects),
        [Command::Describe {
            app: "web-frontend".into()
        }]
    );
    update(
        &mut model,
        Msg::Engine(EngineEvent::AppDetail(Box::new(demo_detail(
            "web-frontend",
        )))),
    );
    insta::assert_snapshot!("detail_80x24", render(&mut model, 80, 24));
    insta::assert_snapshot!("detail_160x48", render(&mut model, 160, 48));
}

#[test]
fn help_view_lists_the_active_keymap() {
    let mut model = model();
    press(&mut model, &["?"]);
    let text = render(&mut model, 80, 24);
    assert!(
        text.contains("Sync marked apps (or the cursor's)"),
        "{text}"
    );
    insta::assert_snapshot!("help_80x24", text);
    insta::assert_snapshot!("help_160x48", render(&mut model, 160, 48));
    press(&mut model, &["esc"]);
    assert!(model.overlay.is_none());
}

#[test]
fn help_says_what_is_below_and_scrolls_no_further_than_its_end() {
    let mut model = model();
    render(&mut model, 80, 24);
    press(&mut model, &["?"]);
    let top = render(&mut model, 80, 24);
    assert!(top.contains("more (j)"), "{top}");
    for _ in 0..100 {
        press(&mut model, &["j"]);
    }
    let bottom = render(&mut model, 80, 24);
    assert!(bottom.contains("Go to the bottom"), "{bottom}");
    assert!(!bottom.contains("more (j)"), "{bottom}");
    let Some(Overlay::Help { scroll, .. }) = model.overlay else {
        panic!("help closed");
    };
    press(&mut model, &["k"]);
    assert!(
        matches!(model.overlay, Some(Overlay::Help { scroll: after, .. }) if after + 1 == scroll),
        "one k moves up at once after scrolling past the end"
    );
    assert!(render(&mut model, 80, 24).contains("more (j)"));
}

#[test]
fn pause_dialog_view() {
    let mut model = model();
    select(&mut model, "reports");
    press(&mut model, &["p", "tab"]);
    type_text(&mut model, "db migration");
    insta::assert_snapshot!("pause_dialog_80x24", render(&mut model, 80, 24));
    insta::assert_snapshot!("pause_dialog_160x48", render(&mut model, 160, 48));
}

#[test]
fn sync_preview_view_lists_what_is_deleted() {
    let mut model = model();
    select(&mut model, "guestbook-dev");
    press(&mut model, &["S"]);
    let waiting = render(&mut model, 80, 24);
    assert!(waiting.contains("asking the engine"), "{waiting}");
    update(&mut model, Msg::Engine(demo_dry_run("guestbook-dev", true)));
    let text = render(&mut model, 80, 24);
    assert!(
        text.contains("DELETE")
            && text.contains("ConfigMap/guestbook/guestbook-dev-legacy")
            && text.contains("1 to apply, 1 to delete"),
        "{text}"
    );
    insta::assert_snapshot!("sync_preview_prune_80x24", text);
    press(&mut model, &["y"]);
    insta::assert_snapshot!("sync_preview_typing_160x48", render(&mut model, 160, 48));
}

#[test]
fn read_only_view_shows_the_badge() {
    let mut snapshot = demo_snapshot();
    snapshot.readonly = true;
    let mut model = model_of(snapshot);
    press(&mut model, &["s"]);
    let text = render(&mut model, 80, 24);
    assert!(text.contains("READ-ONLY"), "{text}");
    insta::assert_snapshot!("applications_readonly_80x24", text);
    press(&mut model, &["?"]);
    let help = render(&mut model, 80, 24);
    assert!(
        help.contains("S  (read-only) Sync and prune"),
        "the mark leads, so a cut line keeps it: {help}"
    );
    assert!(
        help.contains("d  Diff: Git against the live state"),
        "{help}"
    );
    assert!(
        help.contains("…│"),
        "a description too long for 80 columns ends in an ellipsis: {help}"
    );
}

// ---- update ----------------------------------------------------------------

#[test]
fn hard_refresh_asks_the_engine_to_trust_no_cache_and_says_so() {
    let mut model = model();
    let current = model
        .apps
        .current(&model.snapshot)
        .map(|app| app.name.clone());
    let soft = sent(&press(&mut model, &["r"]));
    assert_eq!(
        soft,
        [Command::Refresh {
            app: current.clone(),
            hard: false
        }]
    );
    let hard = sent(&press(&mut model, &["R"]));
    assert_eq!(
        hard,
        [Command::Refresh {
            app: current.clone(),
            hard: true
        }]
    );
    let status = model.status.as_ref().map(|status| status.text.clone());
    assert!(
        status
            .as_deref()
            .is_some_and(|text| text.starts_with("hard refresh of") && text.contains("re-listed")),
        "{status:?}"
    );
    for line in [":refresh!", ":hard-refresh"] {
        press(&mut model, &[":"]);
        type_text(&mut model, &line[1..]);
        let commands = sent(&press(&mut model, &["enter"]));
        assert_eq!(
            commands,
            [Command::Refresh {
                app: current.clone(),
                hard: true
            }],
            "{line}"
        );
    }
}

#[test]
fn the_selected_apps_commit_subject_is_shown_under_the_list() {
    let mut snapshot = demo_snapshot();
    if let Some(commit) = snapshot.app_mut(0).and_then(|app| app.commit.as_mut()) {
        commit.subject = "Give billing its own queue".into();
    }
    let mut model = model_of(snapshot);
    let text = render(&mut model, 80, 24);
    assert!(text.contains("Give billing its own queue"), "{text}");
    press(&mut model, &["j"]);
    let text = render(&mut model, 80, 24);
    assert!(!text.contains("Give billing its own queue"), "{text}");
    assert!(text.contains("Raise web-frontend to 3 replicas"), "{text}");
}

#[test]
fn navigation_moves_opens_and_goes_back() {
    let mut model = model();
    assert_eq!(current(&model), "billing-worker");
    press(&mut model, &["j", "j"]);
    assert_eq!(current(&model), "edge-cache");
    press(&mut model, &["k"]);
    assert_eq!(current(&model), "cert-manager");
    press(&mut model, &["G"]);
    assert_eq!(current(&model), "web-frontend");
    press(&mut model, &["j"]);
    assert_eq!(
        current(&model),
        "web-frontend",
        "the cursor stops at the end"
    );
    press(&mut model, &["g"]);
    assert_eq!(current(&model), "billing-worker");
    let effects = press(&mut model, &["enter"]);
    assert_eq!(
        model.screen,
        Screen::Detail {
            app: "billing-worker".into()
        }
    );
    assert_eq!(
        sent(&effects),
        [Command::Describe {
            app: "billing-worker".into()
        }]
    );
    let effects = press(&mut model, &["H"]);
    assert!(matches!(model.screen, Screen::History { .. }));
    assert_eq!(sent(&effects).len(), 1, "history asks for details too");
    press(&mut model, &["esc", "esc"]);
    assert_eq!(model.screen, Screen::Applications);
    press(&mut model, &["o"]);
    assert_eq!(
        current(&model),
        "billing-worker",
        "sorting keeps the cursor's app"
    );
    assert_eq!(shown(&model)[0], "payments-api", "health sort: worst first");
}

#[test]
fn paging_scrolls_a_big_fleet() {
    let mut model = model_of(super::fixtures::fleet_of(10_000));
    model.height = 24;
    press(&mut model, &["pagedown", "pagedown"]);
    let page = model.page_rows();
    assert_eq!(model.apps.cursor, 2 * page);
    assert!(model.apps.offset <= model.apps.cursor);
    assert!(model.apps.cursor < model.apps.offset + page);
    press(&mut model, &["G"]);
    assert_eq!(model.apps.cursor, 9_999);
    let text = render(&mut model, 80, 24);
    assert!(text.contains("svc-09999"), "{text}");
}

#[test]
fn filter_substring_negation_and_labels() {
    let mut model = model();
    press(&mut model, &["/"]);
    type_text(&mut model, "guest");
    assert_eq!(shown(&model), ["guestbook-dev", "guestbook-prod"], "live");
    type_text(&mut model, " !dev");
    assert_eq!(shown(&model), ["guestbook-prod"]);
    press(&mut model, &["esc"]);
    assert_eq!(shown(&model).len(), 9, "esc puts the old filter back");

    press(&mut model, &["/"]);
    type_text(&mut model, "env=prod !tier=api");
    press(&mut model, &["enter"]);
    assert!(model.overlay.is_none());
    assert_eq!(shown(&model), ["billing-worker", "guestbook-prod"]);
    press(&mut model, &["/"]);
    for _ in 0.."env=prod !tier=api".len() {
        press(&mut model, &["backspace"]);
    }
    type_text(&mut model, "sync=OutOfSync project=demo");
    press(&mut model, &["enter"]);
    assert_eq!(shown(&model), ["guestbook-dev", "guestbook-prod"]);
    press(&mut model, &["esc"]);
    assert!(
        model.apps.filter.is_empty(),
        "esc on the list clears the filter"
    );
}

#[test]
fn command_mode_completes_runs_and_remembers() {
    let mut model = model();
    press(&mut model, &[":"]);
    type_text(&mut model, "cl");
    press(&mut model, &["tab"]);
    let Some(Overlay::Line(line)) = &model.overlay else {
        panic!("the command line is open");
    };
    assert_eq!(line.kind, LineKind::Command);
    assert_eq!(line.field.text(), "clusters ");
    press(&mut model, &["enter"]);
    assert_eq!(model.screen, Screen::Clusters);

    press(&mut model, &[":"]);
    type_text(&mut model, "ctx pro");
    press(&mut model, &["tab"]);
    press(&mut model, &["enter"]);
    assert_eq!(model.screen, Screen::Applications);
    assert_eq!(model.apps.filter.text(), "cluster=prod-eu");
    assert_eq!(shown(&model).len(), 3);

    press(&mut model, &[":", "up"]);
    let Some(Overlay::Line(line)) = &model.overlay else {
        panic!("the command line is open");
    };
    assert_eq!(line.field.text(), "ctx prod-eu");
    press(&mut model, &["up"]);
    let Some(Overlay::Line(line)) = &model.overlay else {
        panic!("the command line is open");
    };
    assert_eq!(line.field.text(), "clusters");
    press(&mut model, &["down", "down", "esc"]);
    assert!(model.overlay.is_none());

    press(&mut model, &[":"]);
    type_text(&mut model, "bogus");
    press(&mut model, &["enter"]);
    let status = model.status.clone().unwrap().text;
    assert!(status.contains("unknown command `bogus`"), "{status}");

    press(&mut model, &[":"]);
    type_text(&mut model, "theme mono");
    assert_eq!(
        press(&mut model, &["enter"]),
        [Effect::LoadTheme("mono".into())]
    );
    press(&mut model, &[":"]);
    type_text(&mut model, "q");
    assert_eq!(press(&mut model, &["enter"]), [Effect::Quit]);
}

#[test]
fn pause_flow_sends_the_exact_pause() {
    let mut model = model();
    select(&mut model, "reports");
    press(&mut model, &["p"]);
    assert!(matches!(model.overlay, Some(Overlay::Pause(_))));
    // The duration starts at 1h; the presets cycle with Down; typed wins.
    press(&mut model, &["down"]);
    press(&mut model, &["backspace", "backspace"]);
    type_text(&mut model, "30m");
    press(&mut model, &["enter"]);
    let Some(Overlay::Pause(dialog)) = &model.overlay else {
        panic!("a pause without a reason is refused in the dialog");
    };
    assert!(dialog.error.as_deref().unwrap().contains("reason"));
    type_text(&mut model, "db migration");
    let effects = press(&mut model, &["enter"]);
    assert_eq!(
        sent(&effects),
        [Command::Pause {
            scope: PauseScope::App("reports".into()),
            duration: Duration::from_secs(30 * 60),
            reason: "db migration".into(),
            by: "alice".into(),
        }]
    );
    assert!(model.overlay.is_none());

    // A bad duration stays in the dialog with the reason why.
    press(&mut model, &["p"]);
    press(&mut model, &["backspace", "backspace"]);
    type_text(&mut model, "8d");
    press(&mut model, &["tab"]);
    type_text(&mut model, "holiday");
    assert!(sent(&press(&mut model, &["enter"])).is_empty());
    let Some(Overlay::Pause(dialog)) = &model.overlay else {
        panic!("still open");
    };
    assert!(
        dialog.error.as_deref().unwrap().contains("maximum"),
        "{:?}",
        dialog.error
    );
}

#[test]
fn typing_over_a_preset_duration_replaces_it() {
    let mut model = model();
    select(&mut model, "reports");
    press(&mut model, &["p"]);
    let duration = |model: &Model| match &model.overlay {
        Some(Overlay::Pause(dialog)) => dialog.duration.text().to_string(),
        other => panic!("pause dialog expected, got {other:?}"),
    };
    assert_eq!(duration(&model), "1h");
    type_text(&mut model, "30m");
    assert_eq!(duration(&model), "30m", "not 1h30m");
    press(&mut model, &["down"]);
    assert_eq!(duration(&model), "15m");
    type_text(&mut model, "2h");
    assert_eq!(duration(&model), "2h");
    press(&mut model, &["down", "backspace"]);
    type_text(&mut model, "5m");
    assert_eq!(duration(&model), "155m", "an edited preset is extended");
}

#[test]
fn command_line_pause_and_freeze() {
    let mut model = model();
    select(&mut model, "reports");
    press(&mut model, &[":"]);
    type_text(&mut model, "pause 45m cert rotation");
    let effects = press(&mut model, &["enter"]);
    assert_eq!(
        sent(&effects),
        [Command::Pause {
            scope: PauseScope::App("reports".into()),
            duration: Duration::from_secs(45 * 60),
            reason: "cert rotation".into(),
            by: "alice".into(),
        }]
    );

    // No filter: a freeze is the whole fleet, and asks for "fleet".
    press(&mut model, &[":"]);
    type_text(&mut model, "freeze 2h change freeze");
    assert!(sent(&press(&mut model, &["enter"])).is_empty());
    assert!(matches!(model.overlay, Some(Overlay::Confirm(_))));
    type_text(&mut model, "flee");
    assert!(
        sent(&press(&mut model, &["enter"])).is_empty(),
        "a wrong name does nothing"
    );
    type_text(&mut model, "t");
    assert_eq!(
        sent(&press(&mut model, &["enter"])),
        [Command::Pause {
            scope: PauseScope::Fleet,
            duration: Duration::from_secs(2 * 3600),
            reason: "change freeze".into(),
            by: "alice".into(),
        }]
    );

    // With a cluster filter, a freeze is that cluster's pause.
    press(&mut model, &[":"]);
    type_text(&mut model, "ctx hub");
    press(&mut model, &["enter", ":"]);
    type_text(&mut model, "freeze 1h upgrade");
    press(&mut model, &["enter"]);
    type_text(&mut model, "hub");
    assert_eq!(
        sent(&press(&mut model, &["enter"])),
        [Command::Pause {
            scope: PauseScope::Cluster("hub".into()),
            duration: Duration::from_secs(3600),
            reason: "upgrade".into(),
            by: "alice".into(),
        }]
    );
}

fn dry_run_of(app: &str, prune: bool, resources: Vec<ObjectKey>) -> Command {
    Command::Sync {
        app: app.into(),
        prune,
        dry_run: true,
        resources,
        initiated_by: "alice".into(),
    }
}

fn sync_of(app: &str, prune: bool) -> Command {
    Command::Sync {
        app: app.into(),
        prune,
        dry_run: false,
        resources: Vec::new(),
        initiated_by: "alice".into(),
    }
}

#[test]
fn prune_waits_for_the_dry_run_then_wants_the_app_name() {
    let mut model = model();
    select(&mut model, "guestbook-dev");
    assert_eq!(
        sent(&press(&mut model, &["S"])),
        [dry_run_of("guestbook-dev", true, Vec::new())],
        "the plan comes from the engine's dry run of this very sync"
    );
    assert!(
        sent(&press(&mut model, &["y"])).is_empty(),
        "no going ahead before the plan is known"
    );
    update(&mut model, Msg::Engine(demo_dry_run("guestbook-dev", true)));
    assert!(
        sent(&press(&mut model, &["y"])).is_empty(),
        "a deletion wants the name typed"
    );
    assert_eq!(model.context(), super::keymap::Context::Input);
    type_text(&mut model, "guestbook-de");
    assert!(
        sent(&press(&mut model, &["enter"])).is_empty(),
        "a partial name is refused"
    );
    type_text(&mut model, "v");
    assert_eq!(
        sent(&press(&mut model, &["enter"])),
        [sync_of("guestbook-dev", true)]
    );
    assert!(model.overlay.is_none());
    // Esc cancels with nothing sent.
    press(&mut model, &["S"]);
    assert!(sent(&press(&mut model, &["esc"])).is_empty());
    assert!(model.overlay.is_none());
}

#[test]
fn production_sync_needs_the_typed_cluster_name() {
    let mut model = model();
    select(&mut model, "guestbook-prod");
    assert_eq!(
        sent(&press(&mut model, &["s"])),
        [dry_run_of("guestbook-prod", false, Vec::new())]
    );
    let Some(Overlay::SyncPreview(preview)) = &model.overlay else {
        panic!("a sync shows its preview first");
    };
    assert_eq!(preview.production.as_deref(), Some("prod-eu"));
    update(
        &mut model,
        Msg::Engine(demo_dry_run("guestbook-prod", false)),
    );
    assert!(sent(&press(&mut model, &["y"])).is_empty());
    type_text(&mut model, "guestbook-prod");
    assert!(
        sent(&press(&mut model, &["enter"])).is_empty(),
        "the app name is not the cluster"
    );
    for _ in 0.."guestbook-prod".len() {
        press(&mut model, &["backspace"]);
    }
    type_text(&mut model, "prod-eu");
    assert_eq!(
        sent(&press(&mut model, &["enter"])),
        [sync_of("guestbook-prod", false)]
    );
    // Elsewhere, with nothing deleted, `y` on the plan syncs.
    select(&mut model, "reports");
    assert_eq!(
        sent(&press(&mut model, &["s"])),
        [dry_run_of("reports", false, Vec::new())]
    );
    update(&mut model, Msg::Engine(demo_dry_run("reports", false)));
    assert_eq!(
        sent(&press(&mut model, &["y"])),
        [sync_of("reports", false)]
    );
}

#[test]
fn prune_toggles_in_the_preview_and_runs_the_dry_run_again() {
    let mut model = model();
    select(&mut model, "reports");
    press(&mut model, &["s"]);
    assert!(
        sent(&press(&mut model, &["p"])).is_empty(),
        "not while the first dry run is out"
    );
    update(&mut model, Msg::Engine(demo_dry_run("reports", false)));
    let kept = render(&mut model, 80, 24);
    assert!(kept.contains("prune is off"), "{kept}");
    assert_eq!(
        sent(&press(&mut model, &["p"])),
        [dry_run_of("reports", true, Vec::new())]
    );
    assert!(
        sent(&press(&mut model, &["y"])).is_empty(),
        "the new plan is not known yet"
    );
    update(&mut model, Msg::Engine(demo_dry_run("reports", true)));
    press(&mut model, &["y"]);
    type_text(&mut model, "reports");
    assert_eq!(
        sent(&press(&mut model, &["enter"])),
        [sync_of("reports", true)]
    );
}

#[test]
fn a_refused_dry_run_cannot_become_a_sync() {
    let mut model = model();
    select(&mut model, "reports");
    press(&mut model, &["s"]);
    update(
        &mut model,
        Msg::Engine(EngineEvent::Rejected {
            command: "sync reports".into(),
            reason: "an operation is already running on this app".into(),
        }),
    );
    let text = render(&mut model, 80, 24);
    assert!(text.contains("Dry run refused: an operation"), "{text}");
    assert!(sent(&press(&mut model, &["y"])).is_empty());
    assert!(matches!(model.overlay, Some(Overlay::SyncPreview(_))));
}

#[test]
fn marked_resources_in_the_tree_make_a_selective_sync() {
    let mut model = model();
    select(&mut model, "guestbook-dev");
    press(&mut model, &["enter"]);
    update(
        &mut model,
        Msg::Engine(EngineEvent::AppDetail(Box::new(demo_detail(
            "guestbook-dev",
        )))),
    );
    // The app, the Service, then the Deployment.
    press(&mut model, &["j", "j", "space"]);
    press(&mut model, &["space"]);
    assert_eq!(
        model.tree_view.marked.len(),
        1,
        "a ReplicaSet is not marked"
    );
    assert!(
        model
            .status
            .as_ref()
            .is_some_and(|status| status.text.contains("own resources")),
        "{:?}",
        model.status
    );
    let tree = render(&mut model, 80, 24);
    assert!(tree.contains("● Deployment/guestbook-dev"), "{tree}");
    let deployment = model.tree_view.marked.iter().next().cloned().unwrap();
    assert_eq!(deployment.kind, "Deployment");
    assert_eq!(
        sent(&press(&mut model, &["s"])),
        [dry_run_of("guestbook-dev", false, vec![deployment.clone()])]
    );
    let preview = render(&mut model, 80, 24);
    assert!(preview.contains("1 selected resource"), "{preview}");
    update(
        &mut model,
        Msg::Engine(demo_dry_run("guestbook-dev", false)),
    );
    assert_eq!(
        sent(&press(&mut model, &["y"])),
        [Command::Sync {
            app: "guestbook-dev".into(),
            prune: false,
            dry_run: false,
            resources: vec![deployment],
            initiated_by: "alice".into(),
        }]
    );
}

#[test]
fn bulk_sync_previews_each_app_and_leaves_out_refused_ones() {
    let mut model = model();
    for app in ["reports", "monitoring", "guestbook-prod"] {
        select(&mut model, app);
        press(&mut model, &["space"]);
    }
    assert_eq!(
        sent(&press(&mut model, &["s"])),
        [
            dry_run_of("guestbook-prod", false, Vec::new()),
            dry_run_of("monitoring", false, Vec::new()),
            dry_run_of("reports", false, Vec::new()),
        ],
        "one dry run per marked app, in list order"
    );
    assert!(
        sent(&press(&mut model, &["y"])).is_empty(),
        "no going ahead before every dry run is back"
    );
    update(&mut model, Msg::Engine(demo_dry_run("reports", false)));
    update(
        &mut model,
        Msg::Engine(demo_dry_run("guestbook-prod", false)),
    );
    update(
        &mut model,
        Msg::Engine(EngineEvent::Rejected {
            command: "sync monitoring".into(),
            reason: "outside the sync window".into(),
        }),
    );
    assert!(
        sent(&press(&mut model, &["y"])).is_empty(),
        "guestbook-prod lands on production: its cluster's name is wanted"
    );
    assert_eq!(model.context(), super::keymap::Context::Input);
    let text = render(&mut model, 80, 24);
    insta::assert_snapshot!("bulk_preview_80x24", text);
    assert!(
        text.contains("✖ refused: outside the sync window"),
        "{text}"
    );
    assert!(text.contains("prod-eu is a PRODUCTION cluster"), "{text}");
    type_text(&mut model, "guestbook-prod");
    assert!(
        sent(&press(&mut model, &["enter"])).is_empty(),
        "the app name is not the cluster"
    );
    for _ in 0.."guestbook-prod".len() {
        press(&mut model, &["backspace"]);
    }
    type_text(&mut model, "prod-eu");
    assert_eq!(
        sent(&press(&mut model, &["enter"])),
        [sync_of("guestbook-prod", false), sync_of("reports", false)],
        "the refused app is left out"
    );
    assert!(model.overlay.is_none());
    assert!(
        model
            .status
            .as_ref()
            .is_some_and(|status| status.text.contains("1 left out")),
        "{:?}",
        model.status
    );
}

#[test]
fn bulk_sync_off_production_goes_ahead_on_yes_and_esc_sends_nothing() {
    let mut model = model();
    for app in ["reports", "monitoring"] {
        select(&mut model, app);
        press(&mut model, &["space"]);
    }
    press(&mut model, &["s"]);
    assert!(sent(&press(&mut model, &["esc"])).is_empty());
    assert!(model.overlay.is_none());
    press(&mut model, &["s"]);
    update(&mut model, Msg::Engine(demo_dry_run("reports", false)));
    update(&mut model, Msg::Engine(demo_dry_run("monitoring", false)));
    assert_eq!(
        sent(&press(&mut model, &["y"])),
        [sync_of("monitoring", false), sync_of("reports", false)]
    );
}

#[test]
fn read_only_refuses_writes_and_says_why() {
    let mut snapshot = demo_snapshot();
    snapshot.readonly = true;
    let mut model = model_of(snapshot);
    for keys in [&["s"][..], &["S"], &["p"], &["P"], &["a"], &["X"]] {
        let effects = press(&mut model, keys);
        assert!(sent(&effects).is_empty(), "{keys:?} sent {effects:?}");
        assert!(model.overlay.is_none(), "{keys:?} opened a dialog");
        let status = model.status.clone().unwrap().text;
        assert!(
            status.contains("read-only: the engine is read-only"),
            "{status}"
        );
    }
    // The operator's flag refuses too, and reading still works.
    let mut model = super::fixtures::demo_snapshot();
    let mut model = {
        model.readonly = false;
        model_of(model)
    };
    model.readonly_flag = true;
    assert!(sent(&press(&mut model, &["s"])).is_empty());
    assert!(
        model
            .status
            .clone()
            .unwrap()
            .text
            .contains("started read-only")
    );
    assert_eq!(
        sent(&press(&mut model, &["enter"])).len(),
        1,
        "describe is a read"
    );
    // A dry run changes nothing, so its preview opens read-only, and says
    // it cannot become a sync.
    let dry_run = sent(&press(&mut model, &["D"]));
    assert!(
        matches!(dry_run.as_slice(), [Command::Sync { dry_run: true, .. }]),
        "{dry_run:?}"
    );
    let app = model.screen.app().unwrap_or_default().to_string();
    update(&mut model, Msg::Engine(demo_dry_run(&app, false)));
    assert!(sent(&press(&mut model, &["y"])).is_empty());
    let text = render(&mut model, 80, 24);
    assert!(text.contains("preview only"), "{text}");
}

#[test]
fn resume_approve_cancel_and_rollback() {
    let mut model = model();
    select(&mut model, "guestbook-dev");
    assert_eq!(
        sent(&press(&mut model, &["P"])),
        [Command::Resume {
            target: ResumeTarget::Scope(PauseScope::App("guestbook-dev".into())),
            by: "alice".into(),
        }]
    );
    select(&mut model, "billing-worker");
    assert_eq!(
        sent(&press(&mut model, &["a"])),
        [Command::Approve {
            app: "billing-worker".into(),
            by: "alice".into()
        }]
    );
    select(&mut model, "reports");
    assert!(
        sent(&press(&mut model, &["a"])).is_empty(),
        "nothing awaits approval"
    );
    select(&mut model, "web-frontend");
    press(&mut model, &["X"]);
    assert_eq!(
        sent(&press(&mut model, &["y"])),
        [Command::Cancel {
            app: "web-frontend".into(),
            by: "alice".into(),
        }]
    );

    press(&mut model, &["H"]);
    update(
        &mut model,
        Msg::Engine(EngineEvent::AppDetail(Box::new(demo_detail(
            "web-frontend",
        )))),
    );
    press(&mut model, &["j", "b"]);
    let Some(Overlay::Confirm(dialog)) = &model.overlay else {
        panic!("rollback asks first");
    };
    assert!(dialog.lines[0].contains("7a8b9c0"), "{:?}", dialog.lines);
    type_text(&mut model, "web-frontend");
    assert_eq!(
        sent(&press(&mut model, &["enter"])),
        [Command::Rollback {
            app: "web-frontend".into(),
            history_id: Some(2),
            prune: false,
            by: "alice".into(),
        }]
    );
}

#[test]
fn engine_events_reach_the_status_line() {
    let mut model = model();
    update(
        &mut model,
        Msg::Engine(EngineEvent::Rejected {
            command: "sync guestbook-prod".into(),
            reason: "outside the sync window".into(),
        }),
    );
    let text = render(&mut model, 80, 24);
    assert!(
        text.contains("the engine refused sync guestbook-prod: outside the sync window"),
        "{text}"
    );
    update(
        &mut model,
        Msg::Engine(EngineEvent::Warning {
            message: "repo fetch failed".into(),
        }),
    );
    assert!(render(&mut model, 80, 24).contains("⚠ repo fetch failed"));
}

#[test]
fn a_tick_marks_dirty_only_when_something_visible_changes() {
    let mut model = model();
    model.dirty = false;
    let later = |seconds: u64| {
        demo_now()
            .checked_add(Duration::from_secs(seconds))
            .unwrap()
    };
    update(&mut model, Msg::Tick(later(1)));
    assert!(!model.dirty, "one second later nothing on screen moved");
    update(&mut model, Msg::Tick(later(61)));
    assert!(model.dirty, "a minute later the pause has a minute less");
}

#[test]
fn a_new_snapshot_keeps_the_cursor_on_its_app() {
    let mut model = model();
    select(&mut model, "reports");
    let mut snapshot = demo_snapshot();
    snapshot.apps_mut().remove(0);
    if let Some(app) = snapshot.app_mut(0) {
        app.sync = SyncStatus::OutOfSync;
    }
    update(&mut model, Msg::Snapshot(Arc::new(snapshot)));
    assert_eq!(current(&model), "reports");
    assert_eq!(model.counts.apps, 8);
}

// ---- widget screens --------------------------------------------------------

fn detail_arrives(model: &mut Model, app: &str) {
    update(
        model,
        Msg::Engine(EngineEvent::AppDetail(Box::new(demo_detail(app)))),
    );
}

#[test]
fn screens_80x24_and_160x48() {
    let screens = [
        ("clusters", Screen::Clusters),
        ("appsets", Screen::AppSets),
        ("audit", Screen::Audit),
        (
            "diff",
            Screen::Diff {
                app: "web-frontend".into(),
            },
        ),
        (
            "history",
            Screen::History {
                app: "web-frontend".into(),
            },
        ),
        (
            "tree",
            Screen::Detail {
                app: "guestbook-prod".into(),
            },
        ),
    ];
    for (name, screen) in screens {
        let mut model = model_on(screen.clone());
        assert_eq!(model.screen, screen);
        insta::assert_snapshot!(format!("{name}_80x24"), render(&mut model, 80, 24));
        insta::assert_snapshot!(format!("{name}_160x48"), render(&mut model, 160, 48));
    }
}

#[test]
fn tree_collapses_expands_and_jumps_to_what_needs_attention() {
    let mut model = model();
    select(&mut model, "web-frontend");
    press(&mut model, &["enter"]);
    detail_arrives(&mut model, "web-frontend");
    assert!(render(&mut model, 80, 40).contains("ReplicaSet"));
    // app, Service, Deployment: the cursor on the Deployment folds it.
    press(&mut model, &["j", "j", "h"]);
    assert_eq!(model.tree_view.collapsed.len(), 1, "{:?}", model.tree_view);
    let folded = render(&mut model, 80, 40);
    assert!(!folded.contains("ReplicaSet"), "{folded}");
    assert!(!folded.contains("x2x4q"), "{folded}");
    press(&mut model, &["l"]);
    assert!(model.tree_view.collapsed.is_empty());
    assert!(render(&mut model, 80, 40).contains("x2x4q"));
    // Enter on the ReplicaSet (no diff: owned, not in Git) folds it.
    press(&mut model, &["j", "enter"]);
    assert_eq!(model.tree_view.collapsed.len(), 1);
    press(&mut model, &["enter"]);
    assert!(model.tree_view.collapsed.is_empty());
    // Enter on the ConfigMap shows its diff, and esc comes back to the
    // tree where it was.
    press(&mut model, &["G"]);
    let cursor = model.tree_view.scroll.cursor;
    let effects = press(&mut model, &["enter"]);
    assert_eq!(
        model.screen,
        Screen::Diff {
            app: "web-frontend".into()
        }
    );
    assert_eq!(
        sent(&effects),
        [Command::Describe {
            app: "web-frontend".into()
        }]
    );
    assert_eq!(
        model.diff_view.current_resource(&model.diff_document),
        Some(1),
        "the ConfigMap is the second resource of the diff"
    );
    press(&mut model, &["esc"]);
    assert_eq!(model.tree_view.scroll.cursor, cursor);
    // `n` walks the lines that need attention, from the top.
    press(&mut model, &["g", "n"]);
    let first = model.tree_view.scroll.cursor;
    assert!(first > 0, "the app line is not a resource");
    press(&mut model, &["n"]);
    assert!(model.tree_view.scroll.cursor > first);
    press(&mut model, &["N"]);
    assert_eq!(model.tree_view.scroll.cursor, first);
}

#[test]
fn diff_jumps_between_resources_and_hunks() {
    let mut model = model();
    select(&mut model, "guestbook-prod");
    let effects = press(&mut model, &["d"]);
    assert_eq!(
        sent(&effects),
        [Command::Describe {
            app: "guestbook-prod".into()
        }]
    );
    assert!(render(&mut model, 80, 24).contains("waiting for the engine's details"));
    detail_arrives(&mut model, "guestbook-prod");
    let document = model.diff_document.clone();
    assert_eq!(
        document.resource_count(),
        2,
        "the synced Service is left out"
    );
    assert_eq!(model.diff_view.current_resource(&document), Some(0));
    press(&mut model, &["n"]);
    assert_eq!(model.diff_view.top, document.resource_starts()[1]);
    assert_eq!(model.diff_view.current_resource(&document), Some(1));
    let text = render(&mut model, 80, 24);
    assert!(text.contains("resource 2 of 2"), "{text}");
    press(&mut model, &["N"]);
    assert_eq!(model.diff_view.current_resource(&document), Some(0));
    press(&mut model, &["]"]);
    assert_eq!(model.diff_view.top, document.hunk_starts()[0]);
    assert!(!model.diff_view.wrap);
    press(&mut model, &["w"]);
    assert!(model.diff_view.wrap);
    // Back to the detail and into the diff again: same app, same place.
    let top = model.diff_view.top;
    press(&mut model, &["esc"]);
    assert_eq!(model.screen, Screen::Applications);
    press(&mut model, &["d"]);
    assert_eq!(model.diff_view.top, 0, "opened from the list: afresh");
    assert!(top > 0);
}

#[test]
fn history_cursor_picks_the_rollback_entry() {
    let mut model = model();
    select(&mut model, "payments-api");
    press(&mut model, &["H"]);
    detail_arrives(&mut model, "payments-api");
    // Newest first: the bottom is the oldest sync, #1.
    press(&mut model, &["G"]);
    let detail = model.detail.clone().unwrap();
    assert_eq!(model.history_view.selected(&detail.history).unwrap().id, 1);
    press(&mut model, &["b"]);
    let Some(Overlay::Confirm(dialog)) = &model.overlay else {
        panic!("rollback asks first");
    };
    assert!(dialog.lines[0].contains("history #1"), "{:?}", dialog.lines);
    type_text(&mut model, "payments-api");
    assert_eq!(
        sent(&press(&mut model, &["enter"])),
        [Command::Rollback {
            app: "payments-api".into(),
            history_id: Some(1),
            prune: false,
            by: "alice".into(),
        }]
    );
    press(&mut model, &["g", "b"]);
    let Some(Overlay::Confirm(dialog)) = &model.overlay else {
        panic!("rollback asks first");
    };
    assert!(dialog.lines[0].contains("history #3"), "{:?}", dialog.lines);
}

#[test]
fn audit_log_receives_every_event_and_filters() {
    let mut model = model();
    let events = demo_events();
    let count = events.len();
    for (_, event) in events {
        update(&mut model, Msg::Engine(event));
    }
    detail_arrives(&mut model, "reports");
    assert_eq!(model.audit_log.len(), count, "details are not logged");
    press(&mut model, &[":"]);
    type_text(&mut model, "audit");
    press(&mut model, &["enter"]);
    assert_eq!(model.screen, Screen::Audit);
    let text = render(&mut model, 120, 24);
    assert!(text.contains("edge-1: unreachable"), "{text}");
    assert!(text.contains("fetch took 12s"), "{text}");
    // The time is the model's clock (14:00:00), not the wall clock.
    assert!(text.contains("14:00:00"), "{text}");

    model.dirty = false;
    update(
        &mut model,
        Msg::Engine(EngineEvent::Warning {
            message: "late news".into(),
        }),
    );
    assert!(model.dirty, "a new line on the audit screen redraws");
    assert!(render(&mut model, 120, 24).contains("late news"));

    // `/` filters the audit log, not the applications.
    press(&mut model, &["/"]);
    type_text(&mut model, "edge");
    press(&mut model, &["enter"]);
    assert_eq!(model.screen, Screen::Audit);
    assert_eq!(model.audit_view.filter, "edge");
    assert!(model.apps.filter.is_empty());
    let text = render(&mut model, 120, 24);
    assert!(text.contains("edge-1: unreachable"), "{text}");
    assert!(text.contains("Audit /edge (1 of 6 lines)"), "{text}");
    // Esc clears the filter first, then leaves.
    press(&mut model, &["esc"]);
    assert!(model.audit_view.filter.is_empty());
    assert_eq!(model.screen, Screen::Audit);
    press(&mut model, &["esc"]);
    assert_eq!(model.screen, Screen::Applications);
}

#[test]
fn enter_on_a_cluster_lists_its_applications() {
    let mut model = model();
    press(&mut model, &[":"]);
    type_text(&mut model, "clusters");
    press(&mut model, &["enter"]);
    assert_eq!(model.screen, Screen::Clusters);
    // hub, prod-eu, ...: the second row.
    press(&mut model, &["j", "enter"]);
    assert_eq!(model.screen, Screen::Applications);
    assert_eq!(model.apps.filter.text(), "cluster=prod-eu");
    assert_eq!(
        shown(&model),
        ["billing-worker", "guestbook-prod", "payments-api"]
    );
    assert!(model.back.is_empty());
}

#[test]
fn appsets_move_between_panes_and_open_an_app() {
    let mut model = model();
    press(&mut model, &[":"]);
    type_text(&mut model, "appsets");
    press(&mut model, &["enter"]);
    assert_eq!(model.screen, Screen::AppSets);
    let screen = render(&mut model, 80, 24);
    assert!(screen.contains("platform-addons"), "{screen}");
    assert!(
        screen.contains("• clusters: selector env in (dev,prod) (2 clusters) → 2 apps"),
        "{screen}"
    );
    // Enter on a set moves to its apps; down, Enter opens the second one.
    press(&mut model, &["enter", "j"]);
    let effects = press(&mut model, &["enter"]);
    assert_eq!(
        sent(&effects),
        [Command::Describe {
            app: "guestbook-prod".into()
        }]
    );
    assert_eq!(
        model.screen,
        Screen::Detail {
            app: "guestbook-prod".into()
        }
    );
    press(&mut model, &["esc"]);
    assert_eq!(model.screen, Screen::AppSets);
    // Esc in the apps pane hands the focus back to the sets first.
    press(&mut model, &["esc"]);
    assert_eq!(model.screen, Screen::AppSets);
    press(&mut model, &["esc"]);
    assert_eq!(model.screen, Screen::Applications);
}

#[test]
fn resize_sizes_the_widget_viewports() {
    let mut model = model_on(Screen::Clusters);
    update(
        &mut model,
        Msg::Resize {
            width: 160,
            height: 48,
        },
    );
    let body = model.body_area();
    assert_eq!(body.height, 48 - model.header_height() - 1);
    assert_eq!(
        model.clusters_view.scroll.viewport,
        super::widgets::clusters::body_rows(body)
    );
    assert_eq!(
        model.audit_view.viewport,
        super::widgets::audit::body_rows(body)
    );
}

// ---- runtime ---------------------------------------------------------------

fn keys(text: &[&str]) -> Vec<Msg> {
    text.iter().map(|text| Msg::Key(chord(text))).collect()
}

fn typed(text: &str) -> Vec<Msg> {
    text.chars()
        .map(|c| Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)))
        .collect()
}

async fn run_script(model: &mut Model, script: Vec<Msg>) -> (LoopStats, Vec<Command>, String) {
    let mut terminal = Terminal::new(TestBackend::new(100, 30)).unwrap();
    let mut commands: Vec<Command> = Vec::new();
    let stream = futures::stream::iter(script.into_iter().map(Ok));
    let stats = tokio::time::timeout(
        Duration::from_secs(10),
        run_loop(&mut terminal, model, stream, &mut commands, |_, _| {}),
    )
    .await
    .expect("the loop ends")
    .expect("the loop runs");
    let screen = format!("{:?}", terminal.backend().buffer());
    (stats, commands, screen)
}

#[tokio::test]
async fn scripted_session_filters_pauses_and_quits() {
    let mut model = model();
    let mut script = keys(&["/"]);
    script.extend(typed("reports"));
    script.extend(keys(&["enter", "p", "backspace", "backspace"]));
    script.extend(typed("30m"));
    script.extend(keys(&["tab"]));
    script.extend(typed("db migration"));
    script.extend(keys(&["enter", "q"]));
    // Anything after quit is never read.
    script.extend(keys(&["s"]));
    let (stats, commands, _) = run_script(&mut model, script).await;
    assert_eq!(
        commands,
        [Command::Pause {
            scope: PauseScope::App("reports".into()),
            duration: Duration::from_secs(30 * 60),
            reason: "db migration".into(),
            by: "alice".into(),
        }]
    );
    assert!(model.quit);
    assert!(stats.draws >= 1);
    assert!(
        stats.draws < stats.messages,
        "frames are coalesced: {stats:?}"
    );
}

#[tokio::test]
async fn an_idle_tick_does_not_redraw() {
    let mut model = model();
    let later = |seconds: u64| {
        demo_now()
            .checked_add(Duration::from_secs(seconds))
            .unwrap()
    };
    let script = vec![
        Msg::Tick(later(1)),
        Msg::Tick(later(2)),
        Msg::Tick(later(3)),
    ];
    let (stats, commands, screen) = run_script(&mut model, script).await;
    assert_eq!(stats.messages, 3);
    assert_eq!(stats.draws, 1, "only the first frame: {stats:?}");
    assert!(commands.is_empty());
    assert!(screen.contains("guestbook-dev"));

    let (stats, _, _) = run_script(&mut model, vec![Msg::Tick(later(90))]).await;
    assert_eq!(stats.draws, 1, "a minute later the banner moved: one draw");
}

#[test]
fn fixtures_now_is_fixed() {
    assert_eq!(
        demo_now(),
        "2026-11-22T14:00:00Z".parse::<Timestamp>().unwrap()
    );
}

#[test]
fn broken_user_files_are_reported_and_defaults_used() {
    let dir = tempfile::tempdir().unwrap();
    let theme_file = dir.path().join("theme.toml");
    std::fs::write(&theme_file, "[text\nfg = 1").unwrap();
    let keymap_file = dir.path().join("keys.toml");
    std::fs::write(
        &keymap_file,
        "applications = [ { keys = \"z\", action = \"sync\", description = \"Sync\" } ]\n",
    )
    .unwrap();
    let options = super::runtime::UiOptions {
        operator: "bob".into(),
        theme: "default".into(),
        keymap: "default".into(),
        theme_file: Some(theme_file.clone()),
        keymap_file: Some(keymap_file),
        readonly: true,
        no_color: false,
    };
    let model = super::runtime::initial_model(&options, Arc::new(demo_snapshot()), demo_now());
    let status = model.status.clone().unwrap().text;
    assert!(status.contains("theme.toml:1"), "{status}");
    assert_eq!(model.theme, Theme::by_name("default").unwrap());
    assert_eq!(
        model
            .keymap
            .action_for_chord(super::keymap::Context::Applications, "z".parse().unwrap()),
        Some(super::action::Action::Sync),
        "a good user keymap applies"
    );
    assert!(model.is_readonly());
    assert_eq!(model.operator, "bob");

    let plain = super::runtime::initial_model(
        &super::runtime::UiOptions {
            no_color: true,
            ..options
        },
        Arc::new(demo_snapshot()),
        demo_now(),
    );
    assert_eq!(plain.theme, Theme::plain(), "NO_COLOR: no colours");
}

#[test]
fn grouping_by_cluster_names_each_group_once() {
    let mut model = model();
    press(&mut model, &[":"]);
    type_text(&mut model, "group cl");
    press(&mut model, &["tab", "enter"]);
    assert_eq!(
        shown(&model),
        [
            "guestbook-dev",
            "edge-cache",
            "cert-manager",
            "monitoring",
            "billing-worker",
            "guestbook-prod",
            "payments-api",
            "reports",
            "web-frontend"
        ]
    );
    let text = render(&mut model, 80, 24);
    insta::assert_snapshot!("applications_grouped_80x24", text);
    assert_eq!(text.matches("prod-eu").count(), 1, "{text}");
}

#[tokio::test]
async fn the_runtime_hands_commands_to_the_engine_in_order() {
    use tokio::sync::{broadcast, mpsc, watch};

    use crate::engine::api::EngineHandle;

    let (commands_in, mut commands) = mpsc::channel(1);
    let (snapshots, snapshot_rx) = watch::channel(Arc::new(demo_snapshot()));
    let (events, _) = broadcast::channel(16);
    let handle = EngineHandle::new(commands_in, snapshot_rx, events.clone());
    let engine = tokio::spawn(async move {
        let mut received = Vec::new();
        while let Some(command) = commands.recv().await {
            received.push(command);
        }
        received
    });
    let model = model();
    // The engine's queue holds one command: the loop must not wait on it.
    let script: Vec<Result<Msg, super::runtime::UiError>> = keys(&["r", "j", "r", "j", "r", "q"])
        .into_iter()
        .map(Ok)
        .collect();
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    let stats = tokio::time::timeout(
        Duration::from_secs(10),
        super::runtime::run_with_engine(
            &mut terminal,
            handle,
            model,
            Box::pin(futures::stream::iter(script)),
            &super::runtime::UiOptions::default(),
        ),
    )
    .await
    .expect("the loop ends")
    .expect("the loop runs");
    assert!(stats.draws >= 1);
    drop(snapshots);
    drop(events);
    let received = tokio::time::timeout(Duration::from_secs(10), engine)
        .await
        .expect("the engine side ends")
        .unwrap();
    let refreshed: Vec<Option<String>> = received
        .into_iter()
        .map(|command| match command {
            Command::Refresh { app, hard: false } => app,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        refreshed,
        [
            Some("billing-worker".to_string()),
            Some("cert-manager".into()),
            Some("edge-cache".into())
        ]
    );
}
