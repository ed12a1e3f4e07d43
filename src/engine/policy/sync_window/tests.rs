//! Scenario tests for sync windows at fixed instants (2024-03-01 is a Friday).

use std::path::Path;

use k8s_openapi::jiff::Timestamp;
use serde_json::{Value, json};

use super::*;
use crate::engine::model::SyncWindowKind;

fn ts(text: &str) -> Timestamp {
    text.parse().expect("timestamp")
}

/// A window applying to every application, with `extra` fields merged in.
fn window(kind: &str, schedule: &str, duration: &str, extra: Value) -> SyncWindow {
    let mut value = json!({
        "kind": kind, "schedule": schedule, "duration": duration, "applications": ["*"],
    });
    if let (Some(base), Some(extra)) = (value.as_object_mut(), extra.as_object()) {
        base.extend(extra.clone());
    }
    serde_json::from_value(value).expect("window")
}

const WEB: WindowTarget<'static> = WindowTarget {
    app: "web",
    namespace: "prod",
    cluster_name: "eu-1",
    cluster_server: "https://eu-1.example:6443",
};

fn verdict(windows: &[SyncWindow], now: &str) -> WindowVerdict {
    evaluate(windows, &WEB, ts(now), &TimeZones::without_database()).expect("evaluate")
}

#[test]
fn no_applicable_window_allows_everything() {
    assert_eq!(
        verdict(&[], "2024-03-01T12:00:00Z"),
        WindowVerdict::unrestricted()
    );
    let other = window(
        "deny",
        "* * * * *",
        "1h",
        json!({"applications": ["api-*"]}),
    );
    assert_eq!(
        verdict(&[other], "2024-03-01T12:00:00Z"),
        WindowVerdict::unrestricted()
    );
}

#[test]
fn a_deny_window_blocks_across_midnight_from_its_start_to_its_end() {
    let nightly = [window("deny", "0 22 * * *", "8h", json!({}))];
    let late = verdict(&nightly, "2024-03-01T23:30:00Z");
    assert!(!late.automated_allowed && !late.manual_allowed);
    assert_eq!(
        late.blocking_reason.as_deref(),
        Some("blocked by deny window '0 22 * * *' (8h) until 06:00 UTC")
    );
    assert_eq!(late.next_change, Some(ts("2024-03-02T06:00:00Z")));
    assert_eq!(
        late.active,
        vec![ActiveWindow {
            index: 0,
            kind: SyncWindowKind::Deny,
            schedule: "0 22 * * *".into(),
            duration: "8h".into(),
            time_zone: String::new(),
            manual_sync: false,
            ends_at: Some(ts("2024-03-02T06:00:00Z")),
        }]
    );
    assert!(!verdict(&nightly, "2024-03-01T22:00:00Z").automated_allowed);
    assert!(!verdict(&nightly, "2024-03-02T05:59:59Z").automated_allowed);
    let morning = verdict(&nightly, "2024-03-02T06:00:00Z");
    assert!(morning.automated_allowed && morning.manual_allowed);
    assert!(morning.active.is_empty() && morning.blocking_reason.is_none());
    assert_eq!(morning.next_change, Some(ts("2024-03-02T22:00:00Z")));
    assert!(verdict(&nightly, "2024-03-02T21:59:59Z").automated_allowed);
}

#[test]
fn manual_syncs_pass_a_deny_only_when_every_open_deny_allows_them() {
    let lenient = window("deny", "0 22 * * *", "8h", json!({"manualSync": true}));
    let strict = window("deny", "0 23 * * *", "1h", json!({}));
    let one = verdict(std::slice::from_ref(&lenient), "2024-03-01T23:30:00Z");
    assert!(!one.automated_allowed && one.manual_allowed);
    assert!(
        one.blocking_reason.is_some(),
        "automated syncs are still blocked"
    );
    let both = verdict(&[lenient.clone(), strict], "2024-03-01T23:30:00Z");
    assert!(!both.automated_allowed && !both.manual_allowed);
    assert_eq!(
        both.blocking_reason.as_deref(),
        Some("blocked by deny window '0 22 * * *' (8h) until 06:00 UTC (and 1 more deny window)"),
        "names the deny that holds the block longest"
    );
    assert_eq!(both.next_change, Some(ts("2024-03-02T00:00:00Z")));
    // Once the strict one closes, the lenient one lets manual syncs through again.
    let strict = window("deny", "0 23 * * *", "1h", json!({}));
    let later = verdict(&[lenient, strict], "2024-03-02T00:30:00Z");
    assert!(!later.automated_allowed && later.manual_allowed);
}

#[test]
fn allow_windows_block_outside_their_spans() {
    let office = window("allow", "0 6 * * mon-fri", "2h", json!({}));
    let inside = verdict(std::slice::from_ref(&office), "2024-03-01T07:00:00Z");
    assert!(inside.automated_allowed && inside.manual_allowed);
    assert_eq!(inside.active.len(), 1);
    assert_eq!(inside.next_change, Some(ts("2024-03-01T08:00:00Z")));
    let saturday = verdict(std::slice::from_ref(&office), "2024-03-02T07:00:00Z");
    assert!(!saturday.automated_allowed && !saturday.manual_allowed);
    assert_eq!(
        saturday.blocking_reason.as_deref(),
        Some("outside allow windows: '0 6 * * mon-fri' (2h) opens at 2024-03-04 06:00 UTC")
    );
    assert_eq!(saturday.next_change, Some(ts("2024-03-04T06:00:00Z")));
    // manualSync on a closed allow window lets manual syncs through.
    let manual = window(
        "allow",
        "0 6 * * mon-fri",
        "2h",
        json!({"manualSync": true}),
    );
    let weekend = verdict(&[office, manual], "2024-03-02T07:00:00Z");
    assert!(!weekend.automated_allowed && weekend.manual_allowed);
}

#[test]
fn deny_overrides_allow_and_closed_denies_restrict_nothing() {
    let allow = window("allow", "0 0 * * *", "24h", json!({}));
    let deny = window("deny", "0 12 * * *", "1h", json!({}));
    let both = verdict(&[allow.clone(), deny.clone()], "2024-03-01T12:30:00Z");
    assert!(!both.automated_allowed && !both.manual_allowed);
    assert_eq!(both.active.len(), 2);
    let allow_only = verdict(&[allow, deny.clone()], "2024-03-01T14:00:00Z");
    assert!(allow_only.automated_allowed);
    let closed_deny = verdict(&[deny], "2024-03-01T14:00:00Z");
    assert!(closed_deny.automated_allowed && closed_deny.active.is_empty());
    assert_eq!(closed_deny.next_change, Some(ts("2024-03-02T12:00:00Z")));
}

#[test]
fn windows_match_by_application_namespace_or_cluster() {
    let deny = |selector: Value| {
        let mut w = window("deny", "* * * * *", "1h", selector);
        if w.applications == ["*"] {
            w.applications.clear();
        }
        w
    };
    let blocked = |selector: Value| {
        let windows = [deny(selector)];
        !verdict(&windows, "2024-03-01T12:00:00Z").automated_allowed
    };
    assert!(blocked(json!({"applications": ["w*"]})));
    assert!(!blocked(json!({"applications": ["api", "web-*"]})));
    assert!(blocked(json!({"applications": [], "namespaces": ["pr?d"]})));
    assert!(blocked(json!({"applications": [], "clusters": ["eu-*"]})));
    assert!(
        blocked(json!({"applications": [], "clusters": ["https://eu-1.*"]})),
        "the server URL matches too"
    );
    assert!(
        !blocked(json!({"applications": []})),
        "a window with no lists applies to nothing"
    );
    // OR by default; AND with andOperator (empty lists do not take part).
    let mixed = json!({"applications": ["api"], "namespaces": ["prod"]});
    assert!(blocked(mixed.clone()));
    let mut and = mixed;
    and["andOperator"] = json!(true);
    assert!(!blocked(and.clone()));
    and["applications"] = json!(["web"]);
    assert!(blocked(and));
    // An empty destination name never matches, even `*`.
    let serverless = WindowTarget {
        cluster_name: "",
        cluster_server: "",
        ..WEB
    };
    let windows = SyncWindows::compile(
        &[deny(json!({"applications": [], "clusters": ["*"]}))],
        &TimeZones::without_database(),
    );
    let verdict = windows
        .evaluate(&serverless, ts("2024-03-01T12:00:00Z"))
        .expect("evaluate");
    assert!(verdict.automated_allowed);
}

#[test]
fn next_change_is_the_nearest_opening_or_closing() {
    let windows = [
        window("deny", "0 22 * * *", "8h", json!({})),
        window(
            "allow",
            "0 3 * * *",
            "1h",
            json!({"applications": ["other"]}),
        ),
        window("allow", "30 12 * * *", "1h30m", json!({})),
    ];
    let noon = verdict(&windows, "2024-03-01T12:00:00Z");
    assert!(!noon.automated_allowed, "allow windows apply, none open");
    assert_eq!(
        noon.next_change,
        Some(ts("2024-03-01T12:30:00Z")),
        "the non-applicable 03:00 window does not count"
    );
    let lunch = verdict(&windows, "2024-03-01T13:00:00Z");
    assert!(lunch.automated_allowed);
    assert_eq!(lunch.next_change, Some(ts("2024-03-01T14:00:00Z")));
    assert_eq!(lunch.active[0].ends_at, Some(ts("2024-03-01T14:00:00Z")));
}

#[test]
fn back_to_back_and_endless_windows() {
    // 00:00 and 04:00 runs of 4h join into one 00:00–08:00 period.
    let joined = [window("deny", "0 0,4 * * *", "4h", json!({}))];
    let early = verdict(&joined, "2024-03-01T01:00:00Z");
    assert_eq!(early.active[0].ends_at, Some(ts("2024-03-01T08:00:00Z")));
    assert_eq!(
        early.blocking_reason.as_deref(),
        Some("blocked by deny window '0 0,4 * * *' (4h) until 08:00 UTC")
    );
    // A December freeze is one long run, reported to its end.
    let freeze = [window("deny", "0 0 1 12 *", "744h", json!({}))];
    let december = verdict(&freeze, "2024-12-02T00:00:00Z");
    assert_eq!(december.active[0].ends_at, Some(ts("2025-01-01T00:00:00Z")));
    assert_eq!(december.next_change, Some(ts("2025-01-01T00:00:00Z")));
    assert_eq!(
        december.blocking_reason.as_deref(),
        Some("blocked by deny window '0 0 1 12 *' (744h) until 2025-01-01 00:00 UTC")
    );
    // Hourly runs of 90 minutes never close.
    let endless = [window("deny", "0 * * * *", "90m", json!({}))];
    let always = verdict(&endless, "2024-03-01T01:00:00Z");
    assert_eq!(always.active[0].ends_at, None);
    assert_eq!(always.next_change, None);
    assert_eq!(
        always.blocking_reason.as_deref(),
        Some("blocked by deny window '0 * * * *' (90m) with no end in sight")
    );
}

#[test]
fn go_durations_with_seconds_and_zero() {
    let short = [window("deny", "0 22 * * *", "90s", json!({}))];
    let open = verdict(&short, "2024-03-01T22:01:00Z");
    assert_eq!(
        open.blocking_reason.as_deref(),
        Some("blocked by deny window '0 22 * * *' (90s) until 22:01:30 UTC")
    );
    assert!(verdict(&short, "2024-03-01T22:01:30Z").automated_allowed);
    let mixed = [window("deny", "0 22 * * *", "1h30m", json!({}))];
    assert!(!verdict(&mixed, "2024-03-01T23:29:59Z").automated_allowed);
    assert!(verdict(&mixed, "2024-03-01T23:30:00Z").automated_allowed);
    let zero = [window("deny", "0 22 * * *", "0s", json!({}))];
    assert!(verdict(&zero, "2024-03-01T22:00:00Z").automated_allowed);
}

#[test]
fn errors_name_the_window_and_reach_only_the_apps_it_applies_to() {
    let zones = TimeZones::without_database();
    let good = window("allow", "0 6 * * *", "1h", json!({}));
    let bad_duration = window("deny", "0 22 * * *", "1 hour", json!({}));
    let error = evaluate(
        &[good.clone(), bad_duration],
        &WEB,
        ts("2024-03-01T12:00:00Z"),
        &zones,
    )
    .expect_err("bad duration");
    assert!(matches!(error, WindowError::Duration { .. }));
    assert_eq!(error.window().index, 1);
    assert_eq!(
        error.to_string(),
        "syncWindows[1] (deny \"0 22 * * *\"): bad duration"
    );
    let bad_schedule = window("deny", "0 25 * * *", "1h", json!({"applications": ["api"]}));
    let windows = SyncWindows::compile(&[good, bad_schedule], &zones);
    assert_eq!(windows.errors().count(), 1);
    assert!(
        windows.evaluate(&WEB, ts("2024-03-01T12:00:00Z")).is_ok(),
        "the broken window does not apply to web"
    );
    let api = WindowTarget { app: "api", ..WEB };
    assert!(matches!(
        windows.evaluate(&api, ts("2024-03-01T12:00:00Z")),
        Err(WindowError::Schedule { .. })
    ));
    let bad_glob = window(
        "deny",
        "0 22 * * *",
        "1h",
        json!({"applications": ["[web"]}),
    );
    assert!(matches!(
        evaluate(&[bad_glob], &api, ts("2024-03-01T12:00:00Z"), &zones),
        Err(WindowError::Pattern {
            field: "applications",
            ..
        })
    ));
}

#[test]
fn time_zones_move_the_schedule() {
    let zones = TimeZones::without_database();
    let plus_two = [window(
        "deny",
        "0 22 * * *",
        "1h",
        json!({"timeZone": "+02:00"}),
    )];
    let at = |now: &str| evaluate(&plus_two, &WEB, ts(now), &zones).expect("evaluate");
    assert!(!at("2024-03-01T20:30:00Z").automated_allowed);
    assert!(at("2024-03-01T22:30:00Z").automated_allowed);
    assert_eq!(
        at("2024-03-01T20:30:00Z").active[0].ends_at,
        Some(ts("2024-03-01T21:00:00Z"))
    );
    let paris = [window(
        "deny",
        "0 22 * * *",
        "1h",
        json!({"timeZone": "Europe/Paris"}),
    )];
    assert!(matches!(
        evaluate(&paris, &WEB, ts("2024-03-01T20:30:00Z"), &zones),
        Err(WindowError::TimeZone { .. })
    ));
    // With the system database (when this machine has one): 22:00 Paris time
    // is 21:00 UTC in winter and 20:00 UTC in summer.
    let system = Path::new("/usr/share/zoneinfo");
    if system.join("Europe/Paris").is_file() {
        let zones = TimeZones::from_dir(system);
        let at = |now: &str| evaluate(&paris, &WEB, ts(now), &zones).expect("evaluate");
        assert!(!at("2024-01-15T21:30:00Z").automated_allowed);
        assert!(at("2024-01-15T20:30:00Z").automated_allowed);
        assert!(!at("2024-07-15T20:30:00Z").automated_allowed);
        assert!(at("2024-07-15T21:30:00Z").automated_allowed);
    }
}

#[test]
fn verdicts_serialize_for_the_api() {
    let nightly = [window(
        "deny",
        "0 22 * * *",
        "8h",
        json!({"manualSync": true}),
    )];
    let value = serde_json::to_value(verdict(&nightly, "2024-03-01T23:30:00Z")).expect("json");
    assert_eq!(value["automatedAllowed"], false);
    assert_eq!(value["manualAllowed"], true);
    assert_eq!(value["nextChange"], "2024-03-02T06:00:00Z");
    assert_eq!(value["active"][0]["kind"], "deny");
    assert_eq!(value["active"][0]["endsAt"], "2024-03-02T06:00:00Z");
}

#[test]
fn targets_read_the_application_and_its_destination() {
    let app: crate::engine::model::Application = serde_json::from_value(json!({
        "apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
        "metadata": {"name": "web", "namespace": "argocd"},
        "spec": {"destination": {"name": "eu-1", "namespace": "prod"}},
    }))
    .expect("application");
    assert_eq!(
        WindowTarget::of(&app),
        WindowTarget {
            cluster_server: "",
            ..WEB
        }
    );
}
