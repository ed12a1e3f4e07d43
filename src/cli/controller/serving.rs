//! The controller's listener, set up from the command line and the
//! environment: metrics fed from the engine, webhooks with their secrets,
//! refused deliveries logged and audited.

use std::sync::Arc;

use color_eyre::eyre::WrapErr;
use k8s_openapi::jiff::Timestamp;

use crate::cli::settings::Settings;
use crate::engine::api::EngineHandle;
use crate::engine::state::{AuditLog, AuditRecord};
use crate::serve::metrics::{self, FleetMetrics};
use crate::serve::webhook::{Secret, WatchedRepo, WebhookNote, WebhookSecrets, Webhooks};
use crate::serve::{Served, command_sender, serve};

/// Environment variables holding the webhook secrets (from a Kubernetes
/// Secret in a Deployment); never flags, which `ps` would show.
pub const GITHUB_SECRET_ENV: &str = "FLEETDECK_WEBHOOK_GITHUB_SECRET";
pub const GITLAB_SECRET_ENV: &str = "FLEETDECK_WEBHOOK_GITLAB_SECRET";
pub const BITBUCKET_SECRET_ENV: &str = "FLEETDECK_WEBHOOK_BITBUCKET_SECRET";

/// Starts the listener on `addr` and the task feeding the metrics.
pub async fn start(
    settings: &Settings,
    engine: &EngineHandle,
    addr: &str,
) -> color_eyre::Result<Served> {
    let fleet_metrics = Arc::new(FleetMetrics::default());
    tokio::spawn(metrics::follow(fleet_metrics.clone(), engine.clone()));
    let secrets = secrets_from_env();
    if !secrets.any() {
        eprintln!(
            "webhooks: no secret in {GITHUB_SECRET_ENV}, {GITLAB_SECRET_ENV} or {BITBUCKET_SECRET_ENV}; every delivery will be refused"
        );
    }
    let catalogs = settings
        .repos
        .iter()
        .map(|repo| WatchedRepo {
            url: repo.url.clone(),
            revision: repo.revision.clone(),
        })
        .collect();
    let audit = AuditLog::open(&settings.paths.app_state_dir())
        .map(Arc::new)
        .map_err(|error| eprintln!("warning: refused webhooks will not be audited: {error}"))
        .ok();
    let webhooks = Webhooks::new(
        secrets,
        catalogs,
        engine.watch(),
        command_sender(engine.clone()),
        Arc::new(move |note| report(note, audit.clone())),
    );
    serve(addr, engine.clone(), fleet_metrics, Arc::new(webhooks))
        .await
        .wrap_err("--metrics-addr")
}

fn secrets_from_env() -> WebhookSecrets {
    let secret = |name: &str| std::env::var(name).ok().and_then(|text| Secret::new(&text));
    WebhookSecrets {
        github: secret(GITHUB_SECRET_ENV),
        gitlab: secret(GITLAB_SECRET_ENV),
        bitbucket_server: secret(BITBUCKET_SECRET_ENV),
    }
}

/// A log line per delivery; a refused one is also an audit record, since
/// a run of them may be someone probing the endpoint.
fn report(note: WebhookNote, audit: Option<Arc<AuditLog>>) {
    match note {
        WebhookNote::Refreshed {
            provider,
            refs,
            apps,
            fleet,
        } => {
            let what = if fleet {
                "the whole fleet".to_string()
            } else if apps.is_empty() {
                "no app (none follows it)".to_string()
            } else {
                apps.join(", ")
            };
            eprintln!(
                "webhook: {provider} push to {}: refreshing {what}",
                refs.join(", ")
            );
        }
        WebhookNote::Refused { provider, reason } => {
            let sender = provider.unwrap_or("unknown sender");
            eprintln!("warning: webhook from {sender} refused: {reason}");
            let Some(audit) = audit else {
                return;
            };
            let record = AuditRecord {
                at: Timestamp::now(),
                operator: "webhook".to_string(),
                action: "webhook-refused".to_string(),
                target: sender.to_string(),
                revision: String::new(),
                reason,
                result: "refused".to_string(),
            };
            tokio::task::spawn_blocking(move || {
                if let Err(error) = audit.append(&record) {
                    eprintln!("warning: {error}");
                }
            });
        }
    }
}
