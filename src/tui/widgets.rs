//! The views' building blocks: pure render functions that draw engine
//! snapshots into a ratatui [`Buffer`](ratatui::buffer::Buffer), and the
//! small state structs (cursor, scroll offset, folds) they read.
//!
//! Every widget follows the same contract, so the core can call them from
//! its `view` and `update` without surprises:
//! - `render_*(area, buf, data..., &State, &Theme)` does no I/O, never calls
//!   the engine and never mutates its state: what it draws is a function of
//!   its arguments (the tests snapshot it).
//! - Only the visible rows are built, so a frame costs the same for ten
//!   clusters or ten thousand apps.
//! - State transitions are plain methods on the state structs (`down`,
//!   `toggle_collapse`, `next_hunk`...) that `update` calls; they take the
//!   data they navigate (a length, the flattened tree, the diff document).
//! - A state's `viewport` is the number of rows the last layout showed; the
//!   core sets it (`set_viewport`) so paging and scrolling keep the view
//!   steady. Render never trusts it: it always keeps the cursor visible in
//!   whatever area it gets.
//! - Colours come only from [`Theme`](super::theme::Theme) slots, and every
//!   status also has a distinct icon and word, so the mono and colour-blind
//!   themes lose nothing.

pub mod appset_details;
pub mod appsets;
pub mod audit;
pub mod clusters;
pub mod counts;
pub mod diff;
pub mod history;
pub mod pane;
pub mod scroll;
pub mod status;
pub mod text;
pub mod tree;

#[cfg(test)]
mod fixture;

pub use counts::AppCounts;
pub use scroll::Scroll;
