//! Policy: what the engine may do to an application and when — auto-sync,
//! self-heal, pause, sync windows, approval gates, project rules, the
//! order of an ApplicationSet's RollingSync rollout — and what an operator
//! may ask of it (roles). Pure decisions over
//! plain data (no I/O), so the engine, the CLI and tests ask the same
//! questions and get the same answers.

pub mod approval;
pub mod auto_sync;
pub mod backoff;
pub mod duration_text;
pub mod label_match;
pub mod pause;
pub mod project_rules;
pub mod roles;
pub mod rolling_sync;
pub mod sync_window;
