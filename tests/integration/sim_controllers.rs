//! The simulated StatefulSet, DaemonSet and CronJob controllers as a client sees them:
//! kube-rs against `Fleet::start` with the controllers on a fast clock, and the
//! engine's health rules judging what they write.

use std::collections::BTreeSet;
use std::time::Duration;

use fleetdeck::engine::health::status::HealthStatus;
use fleetdeck::sim::{ClusterSpec, Fleet, FleetSpec, SimSpeed};
use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::apps::v1::{DaemonSet, StatefulSet};
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{PersistentVolumeClaim, Pod};
use kube::api::{Api, ListParams, Patch, PatchParams, PostParams, WatchEvent, WatchParams};
use kube::{Client, ResourceExt};
use serde_json::json;

use super::sim::{client_for, health_of, wait_until};

const TEST_TIMEOUT: Duration = Duration::from_secs(30);

async fn within_timeout<F: std::future::Future<Output = ()>>(body: F) {
    tokio::time::timeout(TEST_TIMEOUT, body)
        .await
        .expect("test timed out");
}

/// One cluster `dev` with `nodes` simulated nodes and the controllers at `speed`.
async fn cluster(speed: SimSpeed, nodes: u32) -> (tempfile::TempDir, Fleet, Client) {
    let dir = tempfile::tempdir().expect("tempdir");
    let spec = FleetSpec::new(dir.path().join("kubeconfig"))
        .cluster(ClusterSpec::new("dev").nodes(nodes))
        .controllers(speed);
    let fleet = Fleet::start(spec).await.expect("fleet starts");
    let client = client_for(fleet.kubeconfig_path(), "dev").await;
    (dir, fleet, client)
}

async fn merge_patch<K>(api: &Api<K>, name: &str, patch: serde_json::Value) -> K
where
    K: kube::Resource + Clone + serde::de::DeserializeOwned + std::fmt::Debug,
{
    api.patch(name, &PatchParams::default(), &Patch::Merge(&patch))
        .await
        .expect("patch")
}

fn is_ready(pod: &Pod) -> bool {
    pod.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|c| c.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
}

/// Watch events for the Pods labelled `app=<app>` since `resource_version`.
async fn pod_events(
    pods: &Api<Pod>,
    app: &str,
    resource_version: &str,
) -> impl futures::Stream<Item = WatchEvent<Pod>> + Unpin {
    pods.watch(
        &WatchParams::default().labels(&format!("app={app}")),
        resource_version,
    )
    .await
    .expect("watch pods")
    .map(|event| event.expect("watch event"))
    .boxed()
}

fn stateful_set() -> StatefulSet {
    serde_json::from_value(json!({
        "metadata": {"name": "db"},
        "spec": {
            "replicas": 3,
            "serviceName": "db",
            "selector": {"matchLabels": {"app": "db"}},
            "template": {
                "metadata": {"labels": {"app": "db"}},
                "spec": {"containers": [{"name": "db", "image": "postgres:16"}]}
            },
            "volumeClaimTemplates": [{
                "metadata": {"name": "data"},
                "spec": {"accessModes": ["ReadWriteOnce"],
                    "resources": {"requests": {"storage": "1Gi"}}}
            }]
        }
    }))
    .expect("statefulset")
}

fn sts_settled(sts: &StatefulSet, replicas: i32) -> bool {
    let Some(status) = &sts.status else {
        return false;
    };
    status.observed_generation == sts.metadata.generation
        && status.replicas == replicas
        && status.ready_replicas == Some(replicas)
        && status.current_revision.is_some()
        && status.current_revision == status.update_revision
}

#[tokio::test]
async fn a_stateful_set_starts_ordered_pods_rolls_and_scales_down_from_the_top() {
    within_timeout(async {
        let (_dir, fleet, client) = cluster(SimSpeed::times(50), 3).await;
        let sets = Api::<StatefulSet>::namespaced(client.clone(), "default");
        let pods = Api::<Pod>::namespaced(client.clone(), "default");
        let created = sets
            .create(&PostParams::default(), &stateful_set())
            .await
            .expect("create");
        let created_rv = created.resource_version().expect("rv");
        let mut events = pod_events(&pods, "db", &created_rv).await;

        // Pods are added in ordinal order, each only once the one before is Ready.
        let mut added = Vec::new();
        let mut ready = BTreeSet::new();
        while ready.len() < 3 {
            match events.next().await.expect("event") {
                WatchEvent::Added(pod) => {
                    let name = pod.name_any();
                    if let Some(previous) = added.last() {
                        assert!(
                            ready.contains(previous),
                            "{name} before {previous} was Ready"
                        );
                    }
                    added.push(name);
                }
                WatchEvent::Modified(pod) if is_ready(&pod) => {
                    ready.insert(pod.name_any());
                }
                WatchEvent::Deleted(pod) => panic!("unexpected deletion of {}", pod.name_any()),
                _ => {}
            }
        }
        assert_eq!(added, ["db-0", "db-1", "db-2"]);

        let settled = wait_until(&sets, "db", |s| sts_settled(s, 3)).await;
        let status = settled.status.clone().expect("status");
        let revision = status.update_revision.clone().expect("updateRevision");
        assert!(revision.starts_with("db-"), "{revision}");
        assert_eq!(status.current_replicas, Some(3));
        assert_eq!(status.updated_replicas, Some(3));
        assert_eq!(status.available_replicas, Some(3));
        assert_eq!(status.collision_count, Some(0));
        assert_eq!(
            health_of(&settled, "apps/v1", "StatefulSet").status,
            HealthStatus::Healthy
        );
        for ordinal in 0..3 {
            let name = format!("db-{ordinal}");
            let pod = pods.get(&name).await.expect("pod");
            assert_eq!(pod.labels()["controller-revision-hash"], revision);
            assert_eq!(pod.labels()["statefulset.kubernetes.io/pod-name"], name);
            let owner = &pod.owner_references()[0];
            assert_eq!(owner.uid, settled.uid().expect("uid"));
            assert_eq!(owner.controller, Some(true));
            let claim = format!("data-db-{ordinal}");
            Api::<PersistentVolumeClaim>::namespaced(client.clone(), "default")
                .get(&claim)
                .await
                .expect("claim from the volumeClaimTemplate");
        }

        // A new template rolls from the highest ordinal; meanwhile the set is Progressing.
        let patched = merge_patch(
            &sets,
            "db",
            json!({"spec": {"template": {"spec": {"containers": [
                {"name": "db", "image": "postgres:17"}]}}}}),
        )
        .await;
        let mut watch = sets
            .watch(
                &WatchParams::default().fields("metadata.name=db"),
                &patched.resource_version().expect("rv"),
            )
            .await
            .expect("watch")
            .boxed();
        let mut saw_rolling = false;
        let rolled = loop {
            let WatchEvent::Modified(sts) = watch.try_next().await.expect("watch").expect("event")
            else {
                continue;
            };
            let status = sts.status.clone().expect("status");
            if status.observed_generation == Some(2)
                && status.current_revision != status.update_revision
            {
                assert_eq!(
                    health_of(&sts, "apps/v1", "StatefulSet").status,
                    HealthStatus::Progressing
                );
                saw_rolling = true;
            }
            if sts_settled(&sts, 3) && status.observed_generation == Some(2) {
                break sts;
            }
        };
        assert!(saw_rolling);
        let new_revision = rolled
            .status
            .clone()
            .and_then(|s| s.update_revision)
            .expect("rev");
        assert_ne!(new_revision, revision);
        assert_eq!(
            health_of(&rolled, "apps/v1", "StatefulSet").status,
            HealthStatus::Healthy
        );
        // The rollout deleted db-2, then db-1, then db-0.
        let mut deleted = Vec::new();
        while deleted.len() < 3 {
            if let WatchEvent::Deleted(pod) = events.next().await.expect("event") {
                deleted.push(pod.name_any());
            }
        }
        assert_eq!(deleted, ["db-2", "db-1", "db-0"]);

        // Scale down: the highest ordinals go first.
        merge_patch(&sets, "db", json!({"spec": {"replicas": 1}})).await;
        let mut deleted = Vec::new();
        while deleted.len() < 2 {
            if let WatchEvent::Deleted(pod) = events.next().await.expect("event") {
                deleted.push(pod.name_any());
            }
        }
        assert_eq!(deleted, ["db-2", "db-1"]);
        let scaled = wait_until(&sets, "db", |s| {
            s.status.as_ref().is_some_and(|st| st.replicas == 1) && sts_settled(s, 1)
        })
        .await;
        assert_eq!(
            health_of(&scaled, "apps/v1", "StatefulSet").status,
            HealthStatus::Healthy
        );
        let left: Vec<String> = pods
            .list(&ListParams::default().labels("app=db"))
            .await
            .expect("list")
            .items
            .iter()
            .map(|p| p.name_any())
            .collect();
        assert_eq!(left, ["db-0"]);
        fleet.shutdown().await.expect("shutdown");
    })
    .await;
}

#[tokio::test]
async fn a_daemon_set_runs_a_pod_on_every_node_and_rolls_within_max_unavailable() {
    within_timeout(async {
        let (_dir, fleet, client) = cluster(SimSpeed::times(50), 4).await;
        let sets = Api::<DaemonSet>::namespaced(client.clone(), "default");
        let pods = Api::<Pod>::namespaced(client.clone(), "default");
        let daemon_set: DaemonSet = serde_json::from_value(json!({
            "metadata": {"name": "agent"},
            "spec": {
                "selector": {"matchLabels": {"app": "agent"}},
                "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1}},
                "template": {
                    "metadata": {"labels": {"app": "agent"}},
                    "spec": {"containers": [{"name": "agent", "image": "agent:1"}]}
                }
            }
        }))
        .expect("daemonset");
        sets.create(&PostParams::default(), &daemon_set)
            .await
            .expect("create");
        let settled = |ds: &DaemonSet| {
            ds.status.as_ref().is_some_and(|s| {
                s.observed_generation == ds.metadata.generation
                    && s.desired_number_scheduled == 4
                    && s.current_number_scheduled == 4
                    && s.number_ready == 4
                    && s.updated_number_scheduled == Some(4)
                    && s.number_available == Some(4)
            })
        };
        let ready = wait_until(&sets, "agent", settled).await;
        assert_eq!(
            ready.status.as_ref().map(|s| s.number_misscheduled),
            Some(0)
        );
        assert_eq!(
            health_of(&ready, "apps/v1", "DaemonSet").status,
            HealthStatus::Healthy
        );
        let list = pods
            .list(&ListParams::default().labels("app=agent"))
            .await
            .expect("list")
            .items;
        let nodes: BTreeSet<String> = list
            .iter()
            .filter_map(|p| p.spec.as_ref().and_then(|s| s.node_name.clone()))
            .collect();
        assert_eq!(list.len(), 4);
        assert_eq!(
            nodes,
            BTreeSet::from(
                ["sim-node-1", "sim-node-2", "sim-node-3", "sim-node-4"].map(String::from)
            )
        );
        for pod in &list {
            assert_eq!(pod.owner_references()[0].uid, ready.uid().expect("uid"));
            assert!(pod.labels().contains_key("controller-revision-hash"));
        }

        // A new template: one node at a time, Progressing until every node is updated.
        let patched = merge_patch(
            &sets,
            "agent",
            json!({"spec": {"template": {"spec": {"containers": [
                {"name": "agent", "image": "agent:2"}]}}}}),
        )
        .await;
        let mut watch = sets
            .watch(
                &WatchParams::default().fields("metadata.name=agent"),
                &patched.resource_version().expect("rv"),
            )
            .await
            .expect("watch")
            .boxed();
        let mut saw_rolling = false;
        let rolled = loop {
            let WatchEvent::Modified(ds) = watch.try_next().await.expect("watch").expect("event")
            else {
                continue;
            };
            let status = ds.status.clone().expect("status");
            if status.observed_generation == Some(2) {
                assert!(status.number_ready >= 3, "maxUnavailable 1: {status:?}");
                if status.updated_number_scheduled.unwrap_or(0) < 4 {
                    assert_eq!(
                        health_of(&ds, "apps/v1", "DaemonSet").status,
                        HealthStatus::Progressing
                    );
                    saw_rolling = true;
                }
            }
            if settled(&ds) && status.observed_generation == Some(2) {
                break ds;
            }
        };
        assert!(saw_rolling);
        assert_eq!(
            health_of(&rolled, "apps/v1", "DaemonSet").status,
            HealthStatus::Healthy
        );
        let images: BTreeSet<String> = pods
            .list(&ListParams::default().labels("app=agent"))
            .await
            .expect("list")
            .items
            .iter()
            .filter_map(|p| p.spec.as_ref().and_then(|s| s.containers[0].image.clone()))
            .collect();
        assert_eq!(images, BTreeSet::from(["agent:2".to_string()]));
        fleet.shutdown().await.expect("shutdown");
    })
    .await;
}

fn job_complete(job: &Job) -> bool {
    job.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|c| {
            c.iter()
                .any(|c| c.type_ == "Complete" && c.status == "True")
        })
}

#[tokio::test]
async fn a_cron_job_fires_on_simulated_minutes_and_suspend_stops_it() {
    within_timeout(async {
        // 120 simulated seconds per real second: a minute passes every half second.
        let (_dir, fleet, client) = cluster(SimSpeed::times(120), 3).await;
        let cron_jobs = Api::<CronJob>::namespaced(client.clone(), "default");
        let jobs = Api::<Job>::namespaced(client.clone(), "default");
        let cron_job: CronJob = serde_json::from_value(json!({
            "metadata": {"name": "report"},
            "spec": {
                "schedule": "*/1 * * * *",
                // Keep every finished Job for the test to find (the default is 3).
                "successfulJobsHistoryLimit": 100,
                "jobTemplate": {"spec": {"template": {"spec": {
                    "restartPolicy": "OnFailure",
                    "containers": [{"name": "report", "image": "report:1"}]}}}}
            }
        }))
        .expect("cronjob");
        cron_jobs
            .create(&PostParams::default(), &cron_job)
            .await
            .expect("create");

        let scheduled = wait_until(&cron_jobs, "report", |cj| {
            cj.status
                .as_ref()
                .is_some_and(|s| s.last_schedule_time.is_some())
        })
        .await;
        let owner_uid = scheduled.uid().expect("uid");
        let first = jobs
            .list(&ListParams::default())
            .await
            .expect("list")
            .items
            .into_iter()
            .find(|j| j.owner_references().iter().any(|o| o.uid == owner_uid))
            .expect("a Job owned by the CronJob");
        let minutes: i64 = first
            .name_any()
            .strip_prefix("report-")
            .and_then(|m| m.parse().ok())
            .expect("named after its scheduled minute");
        let last_schedule = scheduled
            .status
            .as_ref()
            .and_then(|s| s.last_schedule_time.as_ref())
            .expect("lastScheduleTime");
        assert_eq!(last_schedule.0.as_second(), minutes * 60);
        let done = wait_until(&jobs, &first.name_any(), job_complete).await;
        assert!(done.status.as_ref().is_some_and(|s| s.succeeded == Some(1)));
        let succeeded = wait_until(&cron_jobs, "report", |cj| {
            cj.status
                .as_ref()
                .is_some_and(|s| s.last_successful_time.is_some())
        })
        .await;
        assert_eq!(
            health_of(&succeeded, "batch/v1", "CronJob").status,
            HealthStatus::Healthy
        );

        // Suspended: no Job starts however many simulated minutes pass.
        merge_patch(&cron_jobs, "report", json!({"spec": {"suspend": true}})).await;
        let at_suspend = cron_jobs.get("report").await.expect("get");
        let before: BTreeSet<String> = jobs
            .list(&ListParams::default())
            .await
            .expect("list")
            .items
            .iter()
            .map(|j| j.name_any())
            .collect();
        tokio::time::sleep(Duration::from_secs(2)).await;
        let later = cron_jobs.get("report").await.expect("get");
        let schedule_time = |cj: &CronJob| {
            cj.status
                .as_ref()
                .and_then(|s| s.last_schedule_time.clone())
        };
        assert_eq!(schedule_time(&later), schedule_time(&at_suspend));
        let after: BTreeSet<String> = jobs
            .list(&ListParams::default())
            .await
            .expect("list")
            .items
            .iter()
            .map(|j| j.name_any())
            .collect();
        assert!(
            after.is_subset(&before),
            "{after:?} after suspending at {before:?}"
        );
        assert_eq!(
            health_of(&later, "batch/v1", "CronJob").message,
            "CronJob is Suspended"
        );
        fleet.shutdown().await.expect("shutdown");
    })
    .await;
}
