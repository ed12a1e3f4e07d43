//! One file per view. Each renders from the model alone into an area.

pub mod applications;
pub mod detail;
pub mod dialogs;
pub mod header;
pub mod help;
pub mod placeholder;
pub mod status_line;
