//! Integration tests, gathered in one test crate so the library links once.

mod integration {
    pub mod gitops_repo;
    pub mod support;

    mod appset;
    mod architecture;
    mod cli;
    mod cli_engine;
    mod cli_health;
    mod cli_operation_lock;
    mod demo;
    #[cfg(feature = "tui")]
    mod demo_ui;
    mod diff;
    mod engine_reconciler;
    pub mod engine_sync;
    mod hard_refresh;
    mod health;
    mod helm;
    mod kustomize;
    mod live_cache;
    mod model;
    mod operations;
    mod project_rules;
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
}
