//! What reaches `update` ([`Msg`]) and what it asks the runtime to do
//! ([`Effect`]): the only doors between the pure UI and the world.

use std::sync::Arc;

use ratatui::crossterm::event::KeyEvent;

use crate::engine::api::{Command, EngineEvent, FleetSnapshot, Timestamp};

#[derive(Debug, Clone)]
pub enum Msg {
    Key(KeyEvent),
    Snapshot(Arc<FleetSnapshot>),
    Engine(EngineEvent),
    /// The clock moved (once a second).
    Tick(Timestamp),
    Resize {
        width: u16,
        height: u16,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Hand a command to the engine (never awaited by the loop).
    Send(Command),
    /// Load a theme by name (the runtime reads the user's file, if any).
    LoadTheme(String),
    Quit,
}
