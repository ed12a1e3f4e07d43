use serde_json::{Value, json};

use super::*;

/// A strategy parsed from the YAML shape users write (as JSON).
fn strategy(steps: Value) -> ApplicationSetStrategy {
    serde_json::from_value(json!({"type": "RollingSync", "rollingSync": {"steps": steps}})).unwrap()
}

fn env_step(env: &str, max_update: Option<Value>) -> Value {
    let mut step = json!({"matchExpressions": [{"key": "env", "operator": "In", "values": [env]}]});
    if let Some(max_update) = max_update {
        step["maxUpdate"] = max_update;
    }
    step
}

/// dev, staging, prod with the given `maxUpdate` each.
fn three_steps(max_updates: [Option<Value>; 3]) -> ApplicationSetStrategy {
    let [dev, staging, prod] = max_updates;
    strategy(json!([
        env_step("dev", dev),
        env_step("staging", staging),
        env_step("prod", prod)
    ]))
}

/// An app labelled `env=<env>` with a new revision to roll out, Healthy on
/// the old one.
fn app(name: &str, env: &str) -> RollingApp {
    RollingApp {
        name: name.to_string(),
        labels: BTreeMap::from([("env".to_string(), env.to_string())]),
        needs_sync: true,
        sync_status: SyncStatus::OutOfSync,
        health: HealthStatus::Healthy,
        operation_running: false,
        paused: false,
    }
}

impl RollingApp {
    fn done(mut self) -> Self {
        self.needs_sync = false;
        self.sync_status = SyncStatus::Synced;
        self.health = HealthStatus::Healthy;
        self
    }

    fn syncing(mut self) -> Self {
        self.needs_sync = false;
        self.operation_running = true;
        self.health = HealthStatus::Progressing;
        self
    }

    /// Synced to the new revision, health `health`.
    fn synced(mut self, health: HealthStatus) -> Self {
        self.needs_sync = false;
        self.sync_status = SyncStatus::Synced;
        self.health = health;
        self
    }

    fn paused(mut self) -> Self {
        self.paused = true;
        self
    }

    fn labelled(mut self, key: &str, value: &str) -> Self {
        self.labels.insert(key.to_string(), value.to_string());
        self
    }
}

fn fleet() -> Vec<RollingApp> {
    vec![
        app("dev-a", "dev"),
        app("dev-b", "dev"),
        app("staging-a", "staging"),
        app("staging-b", "staging"),
        app("staging-c", "staging"),
        app("prod-a", "prod"),
        app("prod-b", "prod"),
        app("prod-c", "prod"),
        app("prod-d", "prod"),
    ]
}

/// A change to one app of [`fleet`], by name.
type Change = (&'static str, fn(RollingApp) -> RollingApp);

/// Replaces the apps named in `changes` in `apps`.
fn with(mut apps: Vec<RollingApp>, changes: &[Change]) -> Vec<RollingApp> {
    for (name, change) in changes {
        let index = apps.iter().position(|app| app.name == *name).unwrap();
        apps[index] = change(apps[index].clone());
    }
    apps
}

fn step_states(plan: &RollingPlan) -> Vec<RollingState> {
    plan.steps.iter().map(|step| step.state).collect()
}

fn state_of(plan: &RollingPlan, name: &str) -> RollingState {
    plan.app_states[name].state
}

fn reason(plan: &RollingPlan, index: usize) -> &str {
    plan.steps[index].reason.as_deref().unwrap_or("")
}

use RollingState::{Healthy, Pending, Progressing, Waiting};

#[test]
fn only_rolling_sync_with_steps_drives_syncs() {
    let apps = fleet();
    assert_eq!(plan(&ApplicationSetStrategy::default(), &apps), None);
    let all_at_once: ApplicationSetStrategy =
        serde_json::from_value(json!({"type": "AllAtOnce"})).unwrap();
    assert_eq!(plan(&all_at_once, &apps), None);
    let no_rolling: ApplicationSetStrategy =
        serde_json::from_value(json!({"type": "RollingSync"})).unwrap();
    assert_eq!(plan(&no_rolling, &apps), None);
    assert_eq!(plan(&strategy(json!([])), &apps), None);
}

#[test]
fn first_step_starts_alone_with_absent_max_update_meaning_all() {
    let plan = plan(&three_steps([None, None, None]), &fleet()).unwrap();
    assert_eq!(plan.sync_now, vec!["dev-a", "dev-b"]);
    assert_eq!(step_states(&plan), vec![Pending, Waiting, Waiting]);
    assert_eq!(plan.steps[0].apps, vec!["dev-a", "dev-b"]);
    assert_eq!(
        plan.steps[1].apps,
        vec!["staging-a", "staging-b", "staging-c"]
    );
    assert_eq!(plan.steps[2].apps.len(), 4);
    assert_eq!(
        plan.steps
            .iter()
            .map(|step| step.max_update)
            .collect::<Vec<_>>(),
        vec![2, 3, 4]
    );
    assert_eq!(state_of(&plan, "dev-a"), Pending);
    assert_eq!(state_of(&plan, "staging-a"), Waiting);
    assert_eq!(plan.app_states["prod-d"].step, Some(2));
    assert_eq!(
        reason(&plan, 1),
        "waiting for dev-a (starting), dev-b (starting)"
    );
    assert_eq!(plan.current_step(), Some(0));
    assert!(!plan.is_complete());
}

#[test]
fn a_step_waits_until_every_app_of_the_previous_one_is_healthy_and_synced() {
    let strategy = three_steps([None, None, None]);

    // dev-a is synced and healthy, dev-b still rolling out.
    let apps = with(
        fleet(),
        &[("dev-a", RollingApp::done), ("dev-b", RollingApp::syncing)],
    );
    let rolling = plan(&strategy, &apps).unwrap();
    assert!(rolling.sync_now.is_empty());
    assert_eq!(step_states(&rolling), vec![Progressing, Waiting, Waiting]);
    assert_eq!(reason(&rolling, 1), "waiting for dev-b (syncing)");
    assert_eq!(
        reason(&rolling, 0),
        "1/2 Healthy; waiting for dev-b (syncing)"
    );

    // Synced but its pods are still coming up: still not done.
    let apps = with(
        fleet(),
        &[
            ("dev-a", RollingApp::done),
            ("dev-b", |app| app.synced(HealthStatus::Progressing)),
        ],
    );
    let rolling = plan(&strategy, &apps).unwrap();
    assert!(rolling.sync_now.is_empty());
    assert_eq!(state_of(&rolling, "dev-b"), Progressing);
    assert_eq!(reason(&rolling, 2), "waiting for dev-b (Progressing)");

    // Both done: staging starts, prod waits for staging.
    let apps = with(
        fleet(),
        &[("dev-a", RollingApp::done), ("dev-b", RollingApp::done)],
    );
    let rolling = plan(&strategy, &apps).unwrap();
    assert_eq!(
        rolling.sync_now,
        vec!["staging-a", "staging-b", "staging-c"]
    );
    assert_eq!(step_states(&rolling), vec![Healthy, Pending, Waiting]);
    assert_eq!(rolling.steps[0].reason, None);
    assert_eq!(rolling.current_step(), Some(1));
    assert!(reason(&rolling, 2).starts_with("waiting for staging-a (starting)"));
}

#[test]
fn a_degraded_app_holds_every_later_step_and_says_so() {
    let strategy = three_steps([None, None, None]);
    let apps = with(
        fleet(),
        &[
            ("dev-a", |app| app.synced(HealthStatus::Degraded)),
            ("dev-b", RollingApp::done),
        ],
    );
    let rolling = plan(&strategy, &apps).unwrap();
    assert!(rolling.sync_now.is_empty());
    assert_eq!(step_states(&rolling), vec![Progressing, Waiting, Waiting]);
    assert_eq!(state_of(&rolling, "dev-a"), Progressing);
    assert_eq!(reason(&rolling, 1), "waiting for dev-a (Degraded)");
    assert_eq!(reason(&rolling, 2), "waiting for dev-a (Degraded)");
    assert_eq!(
        reason(&rolling, 0),
        "1/2 Healthy; waiting for dev-a (Degraded)"
    );

    // Nothing changes by itself: the same snapshot gives the same plan.
    assert_eq!(plan(&strategy, &apps).unwrap(), rolling);
}

#[test]
fn the_worst_blockers_are_named_first_and_long_lists_are_cut() {
    let strategy = strategy(json!([env_step("dev", None), env_step("prod", None)]));
    let apps = vec![
        app("dev-a", "dev").syncing(),
        app("dev-b", "dev").synced(HealthStatus::Progressing),
        app("dev-c", "dev").paused(),
        app("dev-d", "dev").synced(HealthStatus::Degraded),
        app("dev-e", "dev").synced(HealthStatus::Missing),
        app("prod-a", "prod"),
    ];
    let rolling = plan(&strategy, &apps).unwrap();
    assert_eq!(
        reason(&rolling, 1),
        "waiting for dev-d (Degraded), dev-e (Missing), dev-c (paused) and 2 more"
    );
}

#[test]
fn max_update_one_starts_one_app_at_a_time_in_name_order() {
    let strategy = three_steps([Some(json!(1)), None, None]);
    let rolling = plan(&strategy, &fleet()).unwrap();
    assert_eq!(rolling.sync_now, vec!["dev-a"]);
    assert_eq!(state_of(&rolling, "dev-a"), Pending);
    assert_eq!(state_of(&rolling, "dev-b"), Waiting);
    assert_eq!(rolling.steps[0].max_update, 1);
    assert_eq!(
        reason(&rolling, 0),
        "0/2 Healthy; maxUpdate 1 reached; waiting for dev-a (starting), dev-b (needs sync)"
    );

    // dev-a is rolling out: its slot is taken, nothing else starts.
    let apps = with(fleet(), &[("dev-a", RollingApp::syncing)]);
    let rolling = plan(&strategy, &apps).unwrap();
    assert!(rolling.sync_now.is_empty());
    assert_eq!(step_states(&rolling)[0], Progressing);

    // A synced app not yet Healthy still takes the slot (as in Argo).
    let apps = with(
        fleet(),
        &[("dev-a", |app| app.synced(HealthStatus::Progressing))],
    );
    assert!(plan(&strategy, &apps).unwrap().sync_now.is_empty());

    // dev-a done: dev-b goes next.
    let apps = with(fleet(), &[("dev-a", RollingApp::done)]);
    assert_eq!(plan(&strategy, &apps).unwrap().sync_now, vec!["dev-b"]);
}

#[test]
fn max_update_percentages_round_down_with_a_floor_of_one() {
    let staging_done: [Change; 2] = [("dev-a", RollingApp::done), ("dev-b", RollingApp::done)];

    // 50% of 3 staging apps is 1.5: one at a time.
    let strategy = three_steps([None, Some(json!("50%")), None]);
    let rolling = plan(&strategy, &with(fleet(), &staging_done)).unwrap();
    assert_eq!(rolling.steps[1].max_update, 1);
    assert_eq!(rolling.sync_now, vec!["staging-a"]);

    // 50% of 4 prod apps is 2, one of them already updating.
    let strategy = three_steps([None, None, Some(json!("50%"))]);
    let apps = with(
        fleet(),
        &[
            ("dev-a", RollingApp::done),
            ("dev-b", RollingApp::done),
            ("staging-a", RollingApp::done),
            ("staging-b", RollingApp::done),
            ("staging-c", RollingApp::done),
            ("prod-c", RollingApp::syncing),
        ],
    );
    let rolling = plan(&strategy, &apps).unwrap();
    assert_eq!(rolling.steps[2].max_update, 2);
    assert_eq!(rolling.sync_now, vec!["prod-a"]);
    assert_eq!(step_states(&rolling), vec![Healthy, Healthy, Progressing]);

    // 10% of 2 dev apps is 0.2: lifted to 1.
    let strategy = three_steps([Some(json!("10%")), None, None]);
    let rolling = plan(&strategy, &fleet()).unwrap();
    assert_eq!(rolling.steps[0].max_update, 1);
    assert_eq!(rolling.sync_now, vec!["dev-a"]);
}

#[test]
fn max_update_hundred_percent_starts_the_whole_step() {
    let strategy = three_steps([
        Some(json!("100%")),
        Some(json!("100%")),
        Some(json!("100%")),
    ]);
    let rolling = plan(&strategy, &fleet()).unwrap();
    assert_eq!(rolling.sync_now, vec!["dev-a", "dev-b"]);
    assert_eq!(rolling.steps[0].max_update, 2);
}

#[test]
fn max_update_zero_starts_nothing_and_waits_for_manual_syncs() {
    for zero in [json!(0), json!("0%")] {
        let strategy = three_steps([Some(zero.clone()), None, None]);
        let rolling = plan(&strategy, &fleet()).unwrap();
        assert!(rolling.sync_now.is_empty(), "{zero}");
        assert_eq!(step_states(&rolling), vec![Pending, Waiting, Waiting]);
        assert!(
            reason(&rolling, 0).contains("maxUpdate is 0: its apps are synced by hand"),
            "{}",
            reason(&rolling, 0)
        );
        // Synced by hand, the step completes and the next one starts.
        let apps = with(
            fleet(),
            &[("dev-a", RollingApp::done), ("dev-b", RollingApp::done)],
        );
        let rolling = plan(&strategy, &apps).unwrap();
        assert_eq!(
            rolling.sync_now,
            vec!["staging-a", "staging-b", "staging-c"]
        );
    }
}

#[test]
fn apps_already_synced_and_healthy_count_as_done() {
    let strategy = three_steps([Some(json!(1)), Some(json!(1)), Some(json!(1))]);
    let apps = vec![
        app("dev-a", "dev").done(),
        app("staging-a", "staging").done(),
        app("staging-b", "staging"),
        app("prod-a", "prod"),
    ];
    let rolling = plan(&strategy, &apps).unwrap();
    assert_eq!(rolling.sync_now, vec!["staging-b"]);
    assert_eq!(step_states(&rolling), vec![Healthy, Pending, Waiting]);
    assert_eq!(state_of(&rolling, "staging-a"), Healthy);

    let all_done: Vec<_> = apps.into_iter().map(RollingApp::done).collect();
    let rolling = plan(&strategy, &all_done).unwrap();
    assert!(rolling.sync_now.is_empty());
    assert!(rolling.is_complete());
    assert_eq!(rolling.current_step(), None);
    assert!(rolling.steps.iter().all(|step| step.reason.is_none()));
}

#[test]
fn a_step_without_apps_is_complete() {
    let apps = vec![app("dev-a", "dev").done(), app("prod-a", "prod")];
    let rolling = plan(&three_steps([None, None, None]), &apps).unwrap();
    assert!(rolling.steps[1].apps.is_empty());
    assert_eq!(step_states(&rolling), vec![Healthy, Healthy, Pending]);
    assert_eq!(rolling.sync_now, vec!["prod-a"]);
}

#[test]
fn a_paused_app_holds_its_step_and_is_not_started() {
    let strategy = three_steps([None, None, None]);
    let apps = with(fleet(), &[("dev-b", RollingApp::paused)]);
    let rolling = plan(&strategy, &apps).unwrap();
    assert_eq!(rolling.sync_now, vec!["dev-a"]);
    assert_eq!(state_of(&rolling, "dev-b"), Waiting);

    // dev-a done, dev-b still paused: staging does not start.
    let apps = with(
        fleet(),
        &[("dev-a", RollingApp::done), ("dev-b", RollingApp::paused)],
    );
    let rolling = plan(&strategy, &apps).unwrap();
    assert!(rolling.sync_now.is_empty());
    assert_eq!(step_states(&rolling), vec![Pending, Waiting, Waiting]);
    assert_eq!(reason(&rolling, 1), "waiting for dev-b (paused)");

    // Even a paused app that is Synced and Healthy holds the rollout.
    let apps = with(
        fleet(),
        &[
            ("dev-a", RollingApp::done),
            ("dev-b", |app| app.done().paused()),
        ],
    );
    let rolling = plan(&strategy, &apps).unwrap();
    assert!(rolling.sync_now.is_empty());
    assert_eq!(state_of(&rolling, "dev-b"), Waiting);
    assert_eq!(step_states(&rolling)[1], Waiting);

    // Resumed, the rollout goes on.
    let apps = with(
        fleet(),
        &[("dev-a", RollingApp::done), ("dev-b", RollingApp::done)],
    );
    assert_eq!(plan(&strategy, &apps).unwrap().sync_now.len(), 3);
}

#[test]
fn a_paused_app_does_not_take_a_max_update_slot() {
    let strategy = three_steps([Some(json!(1)), None, None]);
    let apps = with(fleet(), &[("dev-a", RollingApp::paused)]);
    let rolling = plan(&strategy, &apps).unwrap();
    assert_eq!(rolling.sync_now, vec!["dev-b"]);
}

#[test]
fn not_in_selects_apps_without_the_value_or_without_the_label() {
    let strategy = strategy(json!([
        {"matchExpressions": [{"key": "env", "operator": "NotIn", "values": ["prod"]}]},
        {"matchExpressions": [{"key": "env", "operator": "In", "values": ["prod"]}]}
    ]));
    let mut unlabelled = app("tools", "dev");
    unlabelled.labels.clear();
    let apps = vec![
        app("dev-a", "dev"),
        app("prod-a", "prod"),
        app("staging-a", "staging"),
        unlabelled,
    ];
    let rolling = plan(&strategy, &apps).unwrap();
    assert_eq!(rolling.steps[0].apps, vec!["dev-a", "staging-a", "tools"]);
    assert_eq!(rolling.steps[1].apps, vec!["prod-a"]);
    assert_eq!(rolling.sync_now, vec!["dev-a", "staging-a", "tools"]);
}

#[test]
fn all_expressions_of_a_step_must_match() {
    let strategy = strategy(json!([
        {"matchExpressions": [
            {"key": "env", "operator": "In", "values": ["prod"]},
            {"key": "region", "operator": "NotIn", "values": ["eu", "ap"]}
        ]},
        {"matchExpressions": [{"key": "env", "operator": "In", "values": ["prod"]}]}
    ]));
    let apps = vec![
        app("prod-us", "prod").labelled("region", "us"),
        app("prod-eu", "prod").labelled("region", "eu"),
        app("prod-any", "prod"),
    ];
    let rolling = plan(&strategy, &apps).unwrap();
    assert_eq!(rolling.steps[0].apps, vec!["prod-any", "prod-us"]);
    assert_eq!(rolling.steps[1].apps, vec!["prod-eu"]);
}

#[test]
fn apps_in_no_step_are_left_out_and_hold_nothing() {
    let strategy = three_steps([None, None, None]);
    let apps = vec![
        app("dev-a", "dev").done(),
        app("qa-a", "qa"),
        app("qa-b", "qa").synced(HealthStatus::Degraded),
        app("staging-a", "staging"),
    ];
    let rolling = plan(&strategy, &apps).unwrap();
    assert_eq!(rolling.sync_now, vec!["staging-a"]);
    assert_eq!(
        rolling.unselected().collect::<Vec<_>>(),
        vec!["qa-a", "qa-b"]
    );
    assert_eq!(
        rolling.app_states["qa-a"],
        AppStepState {
            step: None,
            state: Waiting
        }
    );
    assert_eq!(rolling.app_states["qa-b"].state, Progressing);
    assert!(
        rolling
            .steps
            .iter()
            .all(|step| !step.apps.contains(&"qa-a".to_string()))
    );
    // Step 3 (prod) has no apps and nothing holds it but staging.
    assert_eq!(reason(&rolling, 2), "waiting for staging-a (starting)");
}

#[test]
fn an_app_belongs_to_the_first_step_that_selects_it() {
    let strategy = strategy(json!([
        env_step("dev", None),
        {"matchExpressions": [{"key": "env", "operator": "In", "values": ["dev", "prod"]}]},
        {"matchExpressions": []}
    ]));
    let apps = vec![
        app("dev-a", "dev"),
        app("prod-a", "prod"),
        app("misc", "other"),
    ];
    let rolling = plan(&strategy, &apps).unwrap();
    assert_eq!(rolling.steps[0].apps, vec!["dev-a"]);
    assert_eq!(rolling.steps[1].apps, vec!["prod-a"]);
    // A step without expressions takes every app left.
    assert_eq!(rolling.steps[2].apps, vec!["misc"]);
    assert_eq!(rolling.unselected().count(), 0);
}

#[test]
fn a_step_with_an_unsupported_operator_selects_nothing() {
    let strategy = strategy(json!([
        {"matchExpressions": [{"key": "env", "operator": "Exists"}]},
        env_step("dev", None)
    ]));
    let rolling = plan(&strategy, &[app("dev-a", "dev")]).unwrap();
    assert!(rolling.steps[0].apps.is_empty());
    assert_eq!(rolling.app_states["dev-a"].step, Some(1));
}

#[test]
fn drift_without_a_new_revision_is_not_done_and_not_started() {
    let strategy = three_steps([None, None, None]);
    let mut drifted = app("dev-a", "dev");
    drifted.needs_sync = false;
    let rolling = plan(&strategy, &[drifted.clone(), app("staging-a", "staging")]).unwrap();
    assert!(rolling.sync_now.is_empty());
    assert_eq!(reason(&rolling, 1), "waiting for dev-a (OutOfSync)");

    drifted.sync_status = SyncStatus::Unknown;
    let rolling = plan(&strategy, &[drifted, app("staging-a", "staging")]).unwrap();
    assert_eq!(reason(&rolling, 1), "waiting for dev-a (sync Unknown)");
}

#[test]
fn a_new_revision_in_an_earlier_step_sends_later_steps_back_to_waiting() {
    let strategy = three_steps([None, None, None]);
    // staging is mid-rollout when dev gets another revision.
    let apps = with(
        fleet(),
        &[
            ("dev-b", RollingApp::done),
            ("staging-a", RollingApp::syncing),
        ],
    );
    let rolling = plan(&strategy, &apps).unwrap();
    assert_eq!(rolling.sync_now, vec!["dev-a"]);
    assert_eq!(step_states(&rolling), vec![Pending, Waiting, Waiting]);
    // The running sync is reported as it is; nothing new starts in staging.
    assert_eq!(state_of(&rolling, "staging-a"), Progressing);
    assert_eq!(state_of(&rolling, "staging-b"), Waiting);
}

#[test]
fn the_plan_does_not_depend_on_input_order_and_names_count_once() {
    let strategy = three_steps([Some(json!(1)), None, None]);
    let mut reversed = fleet();
    reversed.reverse();
    assert_eq!(plan(&strategy, &reversed), plan(&strategy, &fleet()));

    let mut doubled = fleet();
    doubled.push(app("dev-a", "prod").done());
    let rolling = plan(&strategy, &doubled).unwrap();
    assert_eq!(rolling.app_states.len(), 9);
    assert_eq!(rolling.app_states["dev-a"].step, Some(0));
    assert_eq!(rolling.steps[2].apps.len(), 4);
}

#[test]
fn serialises_for_the_snapshot() {
    let apps = vec![app("dev-a", "dev"), app("qa-a", "qa")];
    let strategy = strategy(json!([
        env_step("dev", Some(json!(1))),
        env_step("prod", None)
    ]));
    let rolling = plan(&strategy, &apps).unwrap();
    assert_eq!(
        serde_json::to_value(&rolling).unwrap(),
        json!({
            "steps": [
                {"index": 0, "apps": ["dev-a"], "state": "Pending", "maxUpdate": 1,
                 "reason": "0/1 Healthy; waiting for dev-a (starting)"},
                {"index": 1, "apps": [], "state": "Waiting", "maxUpdate": 0,
                 "reason": "waiting for dev-a (starting)"}
            ],
            "appStates": {
                "dev-a": {"step": 0, "state": "Pending"},
                "qa-a": {"step": null, "state": "Waiting"}
            },
            "syncNow": ["dev-a"]
        })
    );
}
