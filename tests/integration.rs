//! Integration tests, gathered in one test crate so the library links once.

mod integration {
    pub mod gitops_repo;
    pub mod support;

    mod appset;
    mod architecture;
    mod audit_log;
    mod broken_context;
    mod cli;
    mod cli_engine;
    mod cli_health;
    mod cli_operation_lock;
    mod controller_serve;
    mod demo;
    #[cfg(feature = "tui")]
    mod demo_ui;
    mod deploy;
    mod diff;
    mod engine_reconciler;
    pub mod engine_sync;
    mod hard_refresh;
    mod health;
    mod helm;
    mod hostile_templates;
    mod kustomize;
    mod kustomize_realworld;
    mod live_cache;
    mod model;
    mod operations;
    mod project_rules;
    mod prometheus_eval;
    mod readonly;
    mod render;
    #[cfg(feature = "tui")]
    mod screenshots;
    mod sim;
    mod sim_controllers;
    mod sim_ops;
    mod source;
    mod sync_plan;
    mod tui_config;
    mod tui_files;
    mod yaml_oracle;
}
