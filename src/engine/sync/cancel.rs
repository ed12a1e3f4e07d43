//! Terminating a running operation: the caller keeps a [`CancelHandle`],
//! the sync checks its [`CancelSignal`] between resources and while
//! waiting, so a termination never leaves a resource half-sent.

use tokio::sync::watch;

#[derive(Debug)]
pub struct CancelHandle(watch::Sender<bool>);

#[derive(Debug, Clone)]
pub struct CancelSignal(watch::Receiver<bool>);

/// A connected pair.
pub fn cancel_pair() -> (CancelHandle, CancelSignal) {
    let (sender, receiver) = watch::channel(false);
    (CancelHandle(sender), CancelSignal(receiver))
}

impl CancelHandle {
    pub fn cancel(&self) {
        self.0.send_replace(true);
    }
}

impl CancelSignal {
    /// A signal that never fires (one-shot CLI syncs without Ctrl-C).
    pub fn never() -> Self {
        let (sender, receiver) = watch::channel(false);
        // Dropping the sender leaves the value false for good.
        drop(sender);
        CancelSignal(receiver)
    }

    pub fn is_cancelled(&self) -> bool {
        *self.0.borrow()
    }

    /// Resolves when cancelled; never, if the handle is gone uncancelled.
    pub async fn cancelled(&mut self) {
        if self.0.wait_for(|cancelled| *cancelled).await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}
