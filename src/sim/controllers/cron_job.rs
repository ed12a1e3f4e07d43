//! CronJob controller: at each scheduled minute ([`CronSchedule`], evaluated in UTC
//! against the simulated wall clock [`Pass::wall`]) a Job is created from
//! `jobTemplate`, named `<cronjob>-<scheduled time in Unix minutes>` and owned through
//! a controller ownerReference. Only the most recent missed time runs (as Kubernetes
//! does after downtime), not before the CronJob was first seen, and not when it is
//! later than `startingDeadlineSeconds`. `suspend` stops new Jobs;
//! `concurrencyPolicy` Allow runs Jobs side by side, Forbid skips a time while a Job
//! is active (retried while the deadline allows), Replace deletes the active Jobs
//! first. Finished Jobs beyond `successfulJobsHistoryLimit` (default 3) and
//! `failedJobsHistoryLimit` (default 1) are deleted, oldest first.
//!
//! Status: `active` (references to unfinished Jobs), `lastScheduleTime`, and
//! `lastSuccessfulTime` — the simulated wall-clock time the controller saw an active Job
//! complete (so it compares with `lastScheduleTime` on the same clock; a Job's own
//! `completionTime` is real time). `spec.timeZone` is not read (schedules are UTC).

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};

use crate::engine::schedule::CronSchedule;

use super::super::garbage_collector::{Propagation, delete_object};
use super::super::meta;
use super::super::resource_kinds::ResourceKind;
use super::super::store::Store;
use super::{CONTROLLER_MANAGER, Memory, Pass, controlled_by, controller_ref, create, kind, write};

const SCHEDULED_TIMESTAMP: &str = "batch.kubernetes.io/cronjob-scheduled-timestamp";
const DEFAULT_SUCCESSFUL_HISTORY: usize = 3;
const DEFAULT_FAILED_HISTORY: usize = 1;

/// How a Job ended: `Some(true)` Complete, `Some(false)` Failed, `None` still active.
fn outcome(job: &Value) -> Option<bool> {
    let conditions = job["status"]["conditions"].as_array()?;
    let has = |kind: &str| {
        conditions
            .iter()
            .any(|c| c["type"] == kind && c["status"] == "True")
    };
    if has("Complete") {
        Some(true)
    } else if has("Failed") {
        Some(false)
    } else {
        None
    }
}

/// A Kubernetes `Time` string for `seconds` since the Unix epoch.
fn time_string(seconds: i64) -> String {
    k8s_openapi::jiff::Timestamp::from_second(seconds)
        .map(|t| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_else(|_| meta::now())
}

fn parse_time(text: &str) -> Option<i64> {
    text.parse::<k8s_openapi::jiff::Timestamp>()
        .ok()
        .map(|t| t.as_second())
}

fn seconds(duration: Duration) -> i64 {
    i64::try_from(duration.as_secs()).unwrap_or(i64::MAX)
}

/// The Job for the scheduled minute `minute`.
fn job_for(cron_job: &Value, minute: i64) -> Value {
    let template = &cron_job["spec"]["jobTemplate"];
    let mut metadata = json!({
        "name": format!("{}-{minute}", meta::name(cron_job)),
        "namespace": meta::namespace(cron_job),
        "ownerReferences": controller_ref(cron_job),
        "annotations": {SCHEDULED_TIMESTAMP: time_string(minute * 60)},
    });
    for (key, value) in template["metadata"]["labels"]
        .as_object()
        .into_iter()
        .flatten()
    {
        metadata["labels"][key] = value.clone();
    }
    for (key, value) in template["metadata"]["annotations"]
        .as_object()
        .into_iter()
        .flatten()
    {
        metadata["annotations"][key] = value.clone();
    }
    json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": metadata,
        "spec": template["spec"].clone()})
}

fn reference(job: &Value) -> Value {
    json!({"apiVersion": "batch/v1", "kind": "Job", "namespace": meta::namespace(job),
        "name": meta::name(job), "uid": meta::uid(job)})
}

fn delete_job(store: &mut Store, job_kind: &ResourceKind, job: &Value) {
    delete_object(
        store,
        &job_kind.storage_key(),
        meta::namespace(job),
        meta::name(job),
        Propagation::Background,
    );
}

/// Delete the oldest of `jobs` beyond `limit`.
fn trim_history(
    store: &mut Store,
    job_kind: &ResourceKind,
    mut jobs: Vec<Arc<Value>>,
    limit: usize,
) {
    if jobs.len() <= limit {
        return;
    }
    jobs.sort_by(|a, b| {
        let key = |j: &Value| {
            (
                j["metadata"]["annotations"][SCHEDULED_TIMESTAMP]
                    .as_str()
                    .and_then(parse_time),
                j["metadata"]["creationTimestamp"]
                    .as_str()
                    .map(str::to_string),
                meta::name(j).to_string(),
            )
        };
        key(a).cmp(&key(b))
    });
    let surplus = jobs.len() - limit;
    for job in jobs.into_iter().take(surplus) {
        delete_job(store, job_kind, &job);
    }
}

fn history_limit(cron_job: &Value, field: &str, default: usize) -> usize {
    cron_job["spec"][field]
        .as_u64()
        .and_then(|n| usize::try_from(n).ok())
        .unwrap_or(default)
}

pub(crate) fn reconcile(store: &mut Store, memory: &mut Memory, pass: &Pass) {
    let (Some(cj_kind), Some(job_kind)) = (kind("batch", "cronjobs"), kind("batch", "jobs")) else {
        return;
    };
    for cron_job in store.list(&cj_kind.storage_key(), None) {
        if meta::is_terminating(&cron_job) {
            continue;
        }
        reconcile_one(store, memory, pass, cj_kind, job_kind, &cron_job);
    }
}

fn reconcile_one(
    store: &mut Store,
    memory: &mut Memory,
    pass: &Pass,
    cj_kind: &ResourceKind,
    job_kind: &ResourceKind,
    cron_job: &Value,
) {
    let namespace = meta::namespace(cron_job).to_string();
    let uid = meta::uid(cron_job).to_string();
    let spec = &cron_job["spec"];
    let first_seen = *memory.first_seen.entry(uid.clone()).or_insert(pass.now);
    let wall_now = seconds(pass.wall);
    let wall_first_seen = wall_now - seconds(pass.now.saturating_sub(first_seen));
    let jobs = |store: &Store| -> Vec<Arc<Value>> {
        controlled_by(store, job_kind, &namespace, &uid)
            .into_iter()
            .filter(|j| !meta::is_terminating(j))
            .collect()
    };
    let was_active: Vec<String> = cron_job["status"]["active"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["uid"].as_str().map(str::to_string))
        .collect();
    let mut last_successful = cron_job["status"]["lastSuccessfulTime"].clone();
    let owned = jobs(store);
    if owned
        .iter()
        .any(|j| outcome(j) == Some(true) && was_active.iter().any(|u| u == meta::uid(j)))
    {
        last_successful = json!(time_string(wall_now));
    }
    let (succeeded, failed): (Vec<_>, Vec<_>) = owned
        .iter()
        .filter(|j| outcome(j).is_some())
        .cloned()
        .partition(|j| outcome(j) == Some(true));
    trim_history(
        store,
        job_kind,
        succeeded,
        history_limit(
            cron_job,
            "successfulJobsHistoryLimit",
            DEFAULT_SUCCESSFUL_HISTORY,
        ),
    );
    trim_history(
        store,
        job_kind,
        failed,
        history_limit(cron_job, "failedJobsHistoryLimit", DEFAULT_FAILED_HISTORY),
    );

    let mut last_schedule = cron_job["status"]["lastScheduleTime"].clone();
    if spec["suspend"] != true {
        match CronSchedule::parse(spec["schedule"].as_str().unwrap_or_default()) {
            Ok(schedule) => {
                let earliest = last_schedule
                    .as_str()
                    .and_then(parse_time)
                    .unwrap_or(wall_first_seen)
                    .div_euclid(60);
                if let Some(minute) = schedule.latest_in(earliest, wall_now.div_euclid(60))
                    && let Some(scheduled) =
                        run_at(store, job_kind, cron_job, minute, wall_now, &jobs(store))
                {
                    last_schedule = json!(time_string(scheduled * 60));
                }
            }
            Err(error) => {
                tracing::debug!(cronjob = %meta::name(cron_job), %namespace, %error, "simulated CronJob has an invalid schedule");
            }
        }
    }

    let active: Vec<Value> = jobs(store)
        .iter()
        .filter(|j| outcome(j).is_none())
        .map(|j| reference(j))
        .collect();
    let mut status = json!({
        "active": active,
        "lastScheduleTime": last_schedule,
        "lastSuccessfulTime": last_successful,
    });
    if let Some(map) = status.as_object_mut() {
        map.retain(|_, v| !v.is_null() && v != &json!([]));
    }
    let Some(current) = store.get(&cj_kind.storage_key(), &namespace, meta::name(cron_job)) else {
        return;
    };
    if current["status"] == status {
        return;
    }
    let mut new = (*current).clone();
    new["status"] = status;
    write(store, cj_kind, &current, new, CONTROLLER_MANAGER, true);
}

/// Start the Job of scheduled minute `minute` if the deadline and concurrency policy
/// allow; the minute to record as `lastScheduleTime`, if any.
fn run_at(
    store: &mut Store,
    job_kind: &ResourceKind,
    cron_job: &Value,
    minute: i64,
    wall_now: i64,
    jobs: &[Arc<Value>],
) -> Option<i64> {
    let spec = &cron_job["spec"];
    if let Some(deadline) = spec["startingDeadlineSeconds"].as_i64()
        && wall_now - minute * 60 > deadline
    {
        return None;
    }
    let name = format!("{}-{minute}", meta::name(cron_job));
    if store
        .get(&job_kind.storage_key(), meta::namespace(cron_job), &name)
        .is_some()
    {
        return Some(minute);
    }
    let active: Vec<&Arc<Value>> = jobs.iter().filter(|j| outcome(j).is_none()).collect();
    match spec["concurrencyPolicy"].as_str() {
        Some("Forbid") if !active.is_empty() => return None,
        Some("Replace") => {
            for job in active {
                delete_job(store, job_kind, job);
            }
        }
        _ => {}
    }
    create(
        store,
        job_kind,
        job_for(cron_job, minute),
        CONTROLLER_MANAGER,
    );
    Some(minute)
}

#[cfg(test)]
mod tests {
    use super::super::super::write::{create_internal, seed_namespaces};
    use super::super::{Memory, reconcile_pass};
    use super::*;

    fn store_with(spec: Value) -> Store {
        let mut store = Store::new("unit", 10_000);
        seed_namespaces(&mut store);
        let mut cron_job = json!({"apiVersion": "batch/v1", "kind": "CronJob",
            "metadata": {"name": "report", "namespace": "default"},
            "spec": {"schedule": "*/1 * * * *",
                "jobTemplate": {"metadata": {"labels": {"app": "report"}},
                    "spec": {"backoffLimit": 0, "template": {"spec": {"restartPolicy": "Never",
                        "containers": [{"name": "report", "image": "report:1"}]}}}}}});
        for (key, value) in spec.as_object().into_iter().flatten() {
            cron_job["spec"][key] = value.clone();
        }
        let kind = kind("batch", "cronjobs").expect("kind");
        create_internal(&mut store, kind, cron_job, "test").expect("create");
        store
    }

    /// Passes one simulated second apart (the wall clock starts at the Unix epoch).
    fn run(store: &mut Store, memory: &mut Memory, second: &mut u64, seconds: u64) {
        for _ in 0..seconds {
            reconcile_pass(store, memory, &Pass::at(Duration::from_secs(*second), 3));
            *second += 1;
        }
    }

    fn cron_job(store: &Store) -> Value {
        (*store
            .get("batch/cronjobs", "default", "report")
            .expect("cronjob"))
        .clone()
    }

    fn job_names(store: &Store) -> Vec<String> {
        let mut names: Vec<String> = store
            .list("batch/jobs", Some("default"))
            .iter()
            .map(|j| meta::name(j).to_string())
            .collect();
        names.sort();
        names
    }

    fn set_spec(store: &mut Store, field: &str, value: Value) {
        let kind = kind("batch", "cronjobs").expect("kind");
        let old = cron_job(store);
        let mut new = old.clone();
        new["spec"][field] = value;
        write(store, kind, &old, new, "test", false).expect("write");
    }

    #[test]
    fn a_job_runs_every_scheduled_minute_and_its_success_is_recorded() {
        let mut store = store_with(json!({}));
        let (mut memory, mut second) = (Memory::default(), 0);
        run(&mut store, &mut memory, &mut second, 1);
        let waiting = cron_job(&store);
        assert_eq!(waiting["status"], json!({}), "not yet scheduled");
        run(&mut store, &mut memory, &mut second, 60);
        // Minute 1 (second 60) has fired: its Job is running.
        assert_eq!(job_names(&store), ["report-1"]);
        let running = cron_job(&store);
        assert_eq!(
            running["status"]["lastScheduleTime"],
            "1970-01-01T00:01:00Z"
        );
        assert_eq!(running["status"]["active"][0]["name"], "report-1");
        let job = store.get("batch/jobs", "default", "report-1").expect("job");
        assert_eq!(
            job["metadata"]["ownerReferences"][0]["uid"],
            running["metadata"]["uid"]
        );
        assert_eq!(job["metadata"]["labels"]["app"], "report");
        run(&mut store, &mut memory, &mut second, 10);
        let done = cron_job(&store);
        assert!(done["status"]["active"].is_null(), "{done:#}");
        // Pod seen at 61 s, Succeeded and its Job Complete at 66 s, seen by the CronJob
        // controller on the next pass.
        assert_eq!(done["status"]["lastSuccessfulTime"], "1970-01-01T00:01:07Z");
        // Five minutes on: the history keeps the three newest successful Jobs.
        run(&mut store, &mut memory, &mut second, 300);
        assert_eq!(job_names(&store), ["report-4", "report-5", "report-6"]);
    }

    #[test]
    fn suspend_stops_new_jobs() {
        let mut store = store_with(json!({"suspend": true}));
        let (mut memory, mut second) = (Memory::default(), 0);
        run(&mut store, &mut memory, &mut second, 130);
        assert!(job_names(&store).is_empty());
        assert!(cron_job(&store)["status"]["lastScheduleTime"].is_null());
        set_spec(&mut store, "suspend", json!(false));
        run(&mut store, &mut memory, &mut second, 1);
        // Resumed: the most recent missed time runs at once, the older one never.
        assert_eq!(job_names(&store), ["report-2"]);
    }

    #[test]
    fn concurrency_policies_and_deadlines() {
        let stuck = json!({"backoffLimit": 0, "template": {"spec": {"restartPolicy": "Never",
            "containers": [{"name": "report", "image": "report:missing"}]}}});
        let runs = |policy: &str| {
            let mut store = store_with(json!({"concurrencyPolicy": policy,
                "jobTemplate": {"spec": stuck.clone()}}));
            let (mut memory, mut second) = (Memory::default(), 0);
            run(&mut store, &mut memory, &mut second, 190);
            (job_names(&store), cron_job(&store))
        };
        let (allow, status) = runs("Allow");
        assert_eq!(allow, ["report-1", "report-2", "report-3"]);
        assert_eq!(status["status"]["active"].as_array().map(Vec::len), Some(3));
        let (forbid, status) = runs("Forbid");
        assert_eq!(forbid, ["report-1"]);
        assert_eq!(status["status"]["lastScheduleTime"], "1970-01-01T00:01:00Z");
        let (replace, _) = runs("Replace");
        assert_eq!(replace, ["report-3"]);

        // A schedule missed by more than the deadline does not run.
        let mut late = store_with(json!({"schedule": "0 * * * *", "startingDeadlineSeconds": 10}));
        let (mut memory, mut second) = (Memory::default(), 0);
        run(&mut late, &mut memory, &mut second, 1);
        set_spec(&mut late, "suspend", json!(true));
        run(&mut late, &mut memory, &mut second, 3_620);
        set_spec(&mut late, "suspend", json!(false));
        run(&mut late, &mut memory, &mut second, 1);
        assert!(job_names(&late).is_empty());
    }
}
