//! The simulator's admin endpoint, so a person running `fleetdeck sim` can inject
//! faults from another terminal and see what was written. Each cluster's API server
//! serves it under `/sim/` (a path no Kubernetes API uses), for the admin token only
//! (no token: 401, the read-only token: 403; `GET /sim/writes` excepted). Admin requests bypass the injected latency and errors, so a
//! fault can always be cleared.
//!
//! - `GET /sim/faults`: the current faults, `{"latencyMs": 0, "errorRate": 0.0,
//!   "error": null, "retryAfterSeconds": null}`.
//! - `POST /sim/faults` with a JSON body: change the given settings, keep the others.
//!   Fields: `latencyMs` (added to every request), `errorRate` (0..=1, spread evenly),
//!   `error` (`"500"` InternalError, the default, or `"429"` TooManyRequests),
//!   `retryAfterSeconds` (the 429's Retry-After, default 1; implies `"429"`),
//!   `dropWatches: true` (end every open watch once). Answers the new settings.
//! - `DELETE /sim/faults`: no latency, no errors. Answers the new settings.
//! - `POST /sim/down?seconds=N` (1..=86400): 202, then the cluster goes down
//!   (connections refused, watches end) and comes back after N seconds with the same
//!   objects. The server cannot serve its own "come up", so a timer task outside it
//!   does (`super::outage`); a new request while down is impossible by design.
//!
//! - `GET /sim/writes`: the mutating requests the cluster has received (POST, PUT,
//!   PATCH, DELETE on resource paths), `{"cluster": "dev", "mutating": 0, "dryRun": 0}`;
//!   server-side dry runs are counted apart (see `super::write_count`). Any token may
//!   read it (the read-only one too): it is how a read-only user checks nothing wrote.
//!
//! Example (token and port from the kubeconfig):
//! `curl -k -H "Authorization: Bearer $TOKEN" -d '{"latencyMs":200,"errorRate":0.1}' https://127.0.0.1:PORT/sim/faults`,
//! or through kubectl's credentials: `kubectl get --raw /sim/faults`,
//! `kubectl create --raw /sim/faults -f body.json`, `kubectl delete --raw /sim/faults`.

use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value, json};

use super::auth::Access;
use super::faults::{FaultError, Faults};
use super::server::{ClusterState, Params, json_response};
use super::status_error::ApiError;

/// Longest outage `POST /sim/down` accepts (a day).
const MAX_OUTAGE_SECONDS: u64 = 86_400;
/// Retry-After of a 429 when the request names none.
const DEFAULT_RETRY_AFTER_SECONDS: u32 = 1;

/// Whether `path` belongs to the admin endpoint (and so skips injected faults).
pub(crate) fn is_admin_path(path: &str) -> bool {
    path == "/sim" || path.starts_with("/sim/")
}

/// A `POST /sim/faults` body: the settings to change.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct FaultChange {
    latency_ms: Option<u64>,
    error_rate: Option<f64>,
    error: Option<String>,
    retry_after_seconds: Option<u32>,
    #[serde(default)]
    drop_watches: bool,
}

/// Serve one admin request.
pub(crate) fn handle(
    cluster: &ClusterState,
    method: &Method,
    path: &str,
    query: Option<&str>,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<Response, ApiError> {
    let access = cluster.tokens.authenticate(headers)?;
    if path.trim_end_matches('/') == "/sim/writes" {
        if *method != Method::GET {
            return Err(ApiError::method_not_allowed(method.as_str()));
        }
        return Ok(json_response(StatusCode::OK, &writes(cluster)));
    }
    if access != Access::Admin {
        return Err(ApiError::forbidden(format!(
            "the simulator's admin endpoint {path} needs the admin token"
        )));
    }
    let faults = Faults::new(cluster.faults.clone());
    match path.trim_end_matches('/') {
        "/sim/faults" => match *method {
            Method::GET => Ok(json_response(StatusCode::OK, &settings(&faults))),
            Method::POST => {
                change(&faults, body)?;
                Ok(json_response(StatusCode::OK, &settings(&faults)))
            }
            Method::DELETE => {
                faults.clear();
                Ok(json_response(StatusCode::OK, &settings(&faults)))
            }
            _ => Err(ApiError::method_not_allowed(method.as_str())),
        },
        "/sim/down" => {
            if *method != Method::POST {
                return Err(ApiError::method_not_allowed(method.as_str()));
            }
            let seconds = outage_seconds(&Params::parse(query))?;
            cluster.faults.request_outage(Duration::from_secs(seconds));
            let message = format!(
                "cluster {} goes down now and comes back up in {seconds}s",
                cluster.name
            );
            Ok(json_response(
                StatusCode::ACCEPTED,
                &json!({"cluster": cluster.name, "seconds": seconds, "message": message}),
            ))
        }
        _ => Err(ApiError::no_route()),
    }
}

/// The write counts as `GET /sim/writes` shows them.
fn writes(cluster: &ClusterState) -> Value {
    let counts = cluster.writes.counts();
    json!({"cluster": cluster.name, "mutating": counts.mutating, "dryRun": counts.dry_run})
}

fn outage_seconds(params: &Params) -> Result<u64, ApiError> {
    let text = params
        .get("seconds")
        .ok_or_else(|| ApiError::bad_request("POST /sim/down needs ?seconds=N"))?;
    text.parse::<u64>()
        .ok()
        .filter(|s| (1..=MAX_OUTAGE_SECONDS).contains(s))
        .ok_or_else(|| {
            ApiError::bad_request(format!(
                "seconds must be a whole number from 1 to {MAX_OUTAGE_SECONDS}, not {text:?}"
            ))
        })
}

/// The current faults as the admin endpoint shows them.
fn settings(faults: &Faults) -> Value {
    let (rate, error) = faults.error_rate();
    let (code, retry_after) = match error {
        None => (None, None),
        Some(FaultError::InternalError) => (Some("500"), None),
        Some(FaultError::TooManyRequests {
            retry_after_seconds,
        }) => (Some("429"), Some(retry_after_seconds)),
    };
    json!({
        "latencyMs": u64::try_from(faults.latency().as_millis()).unwrap_or(u64::MAX),
        "errorRate": rate,
        "error": code,
        "retryAfterSeconds": retry_after,
    })
}

/// Apply a `POST /sim/faults` body: given settings change, the others stay.
fn change(faults: &Faults, body: &Bytes) -> Result<(), ApiError> {
    let change: FaultChange = if body.iter().all(u8::is_ascii_whitespace) {
        FaultChange::default()
    } else {
        serde_json::from_slice(body)
            .map_err(|e| ApiError::bad_request(format!("invalid /sim/faults body: {e}")))?
    };
    let (current_rate, current_error) = faults.error_rate();
    let rate = change.error_rate.unwrap_or(current_rate);
    if !(rate.is_finite() && (0.0..=1.0).contains(&rate)) {
        return Err(ApiError::bad_request(format!(
            "errorRate must be between 0 and 1, not {rate}"
        )));
    }
    let current_retry = match current_error {
        Some(FaultError::TooManyRequests {
            retry_after_seconds,
        }) => Some(retry_after_seconds),
        _ => None,
    };
    let too_many = |retry: Option<u32>| FaultError::TooManyRequests {
        retry_after_seconds: retry
            .or(current_retry)
            .unwrap_or(DEFAULT_RETRY_AFTER_SECONDS),
    };
    let error = match (change.error.as_deref(), change.retry_after_seconds) {
        (Some("500"), None) => FaultError::InternalError,
        (Some("500"), Some(_)) => {
            return Err(ApiError::bad_request(
                "retryAfterSeconds goes with error \"429\", not \"500\"",
            ));
        }
        (Some("429"), retry) | (None, retry @ Some(_)) => too_many(retry),
        (Some(other), _) => {
            return Err(ApiError::bad_request(format!(
                "error must be \"500\" or \"429\", not {other:?}"
            )));
        }
        (None, None) => current_error.unwrap_or(FaultError::InternalError),
    };
    if let Some(latency) = change.latency_ms {
        faults.set_latency(Duration::from_millis(latency));
    }
    faults.set_error_rate(rate, error);
    if change.drop_watches {
        faults.drop_watches();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::sim::faults::FaultState;

    fn faults() -> Faults {
        Faults::new(Arc::new(FaultState::new()))
    }

    fn post(faults: &Faults, body: &str) -> Result<Value, ApiError> {
        change(faults, &Bytes::from(body.to_string()))?;
        Ok(settings(faults))
    }

    #[test]
    fn changes_merge_into_the_current_faults() {
        let faults = faults();
        let shown = post(&faults, r#"{"latencyMs": 200}"#).expect("latency");
        assert_eq!(shown["latencyMs"], 200);
        assert_eq!(shown["error"], Value::Null);
        let shown = post(&faults, r#"{"errorRate": 0.5}"#).expect("rate");
        assert_eq!(
            (shown["latencyMs"].as_u64(), shown["errorRate"].as_f64()),
            (Some(200), Some(0.5))
        );
        assert_eq!(shown["error"], "500");
        let shown = post(&faults, r#"{"retryAfterSeconds": 7}"#).expect("429");
        assert_eq!(
            (shown["error"].as_str(), shown["retryAfterSeconds"].as_u64()),
            (Some("429"), Some(7))
        );
        let shown = post(&faults, r#"{"error": "429"}"#).expect("keeps retry");
        assert_eq!(shown["retryAfterSeconds"], 7);
        faults.clear();
        let shown = settings(&faults);
        assert_eq!(
            (shown["latencyMs"].as_u64(), shown["errorRate"].as_f64()),
            (Some(0), Some(0.0))
        );
    }

    #[test]
    fn bad_changes_are_refused_and_change_nothing() {
        let faults = faults();
        for body in [
            r#"{"errorRate": 2}"#,
            r#"{"error": "503"}"#,
            r#"{"error": "500", "retryAfterSeconds": 3}"#,
            r#"{"latencyMS": 5}"#,
            "not json",
        ] {
            let error = post(&faults, body).expect_err(body);
            assert_eq!(error.code, 400, "{body}");
        }
        assert_eq!(faults.error_rate(), (0.0, None));
    }

    #[test]
    fn outage_seconds_are_bounded() {
        let seconds = |query: &str| outage_seconds(&Params::parse(Some(query)));
        assert_eq!(seconds("seconds=30").expect("valid"), 30);
        for query in [
            "",
            "seconds=0",
            "seconds=-1",
            "seconds=abc",
            "seconds=86401",
        ] {
            assert_eq!(seconds(query).expect_err(query).code, 400, "{query}");
        }
        assert!(is_admin_path("/sim/faults") && !is_admin_path("/simulate"));
    }
}
