//! Where a sync reports progress: a channel the caller may drop at any
//! time (a closed UI must never stop a sync half-way).

use tokio::sync::mpsc::UnboundedSender;

use super::operation::SyncProgress;

#[derive(Debug, Clone, Default)]
pub struct ProgressSink(Option<UnboundedSender<SyncProgress>>);

impl ProgressSink {
    pub fn new(sender: UnboundedSender<SyncProgress>) -> Self {
        ProgressSink(Some(sender))
    }

    /// Reports nowhere.
    pub fn none() -> Self {
        ProgressSink(None)
    }

    pub fn send(&self, event: SyncProgress) {
        if let Some(sender) = &self.0 {
            // A gone receiver only means nobody is watching any more.
            let _ = sender.send(event);
        }
    }
}
