//! One file per view. Each renders from the model alone into an area.

pub mod applications;
pub mod appsets;
pub mod audit;
pub mod bulk_preview;
pub mod clusters;
pub mod detail;
pub mod dialogs;
pub mod diff;
pub mod header;
pub mod help;
pub mod history;
pub mod loading;
pub mod preview;
pub mod status_line;
