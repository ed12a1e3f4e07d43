//! The listener: routes `/metrics`, `/api/webhook` and `/healthz` to their
//! handlers, on one address (one port to expose, one Service).

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::metrics::{self, FleetMetrics};
use super::webhook::{MAX_PAYLOAD_BYTES, Webhooks};
use crate::engine::api::{Command, EngineHandle};

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        #[source]
        source: std::io::Error,
    },
}

/// A running listener; dropping it leaves it running, [`Served::stop`]
/// ends it.
#[derive(Debug)]
pub struct Served {
    pub local_addr: SocketAddr,
    task: JoinHandle<()>,
}

impl Served {
    pub fn stop(self) {
        self.task.abort();
    }
}

#[derive(Clone)]
struct Shared {
    engine: EngineHandle,
    metrics: Arc<FleetMetrics>,
    webhooks: Arc<Webhooks>,
}

/// Listens on `addr` (port 0 picks a free port: see
/// [`Served::local_addr`]) and serves until stopped.
pub async fn serve(
    addr: &str,
    engine: EngineHandle,
    metrics: Arc<FleetMetrics>,
    webhooks: Arc<Webhooks>,
) -> Result<Served, ServeError> {
    let bind_error = |source| ServeError::Bind {
        addr: addr.to_string(),
        source,
    };
    let listener = TcpListener::bind(addr).await.map_err(bind_error)?;
    let local_addr = listener.local_addr().map_err(bind_error)?;
    let router = Router::new()
        .route("/metrics", get(scrape))
        .route("/api/webhook", post(webhook))
        .route("/healthz", get(|| async { "ok\n" }))
        .layer(DefaultBodyLimit::max(MAX_PAYLOAD_BYTES))
        .with_state(Shared {
            engine,
            metrics,
            webhooks,
        });
    let task = tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, router).await {
            tracing::warn!("the metrics and webhook listener stopped: {error}");
        }
    });
    Ok(Served { local_addr, task })
}

/// A sender whose commands reach `engine`, for parts (the webhook
/// receiver) that take a plain channel so they can be tested without one.
pub fn command_sender(engine: EngineHandle) -> mpsc::Sender<Command> {
    let (sender, mut receiver) = mpsc::channel(64);
    tokio::spawn(async move {
        while let Some(command) = receiver.recv().await {
            if engine.send(command).await.is_err() {
                break;
            }
        }
    });
    sender
}

async fn scrape(State(shared): State<Shared>) -> Response {
    match shared.metrics.encode(&shared.engine.snapshot()) {
        Ok(text) => ([(header::CONTENT_TYPE, metrics::CONTENT_TYPE)], text).into_response(),
        Err(_) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "the metrics could not be encoded\n",
        )
            .into_response(),
    }
}

async fn webhook(State(shared): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    shared
        .webhooks
        .receive(&headers, &body)
        .await
        .into_response()
}
