//! A clean-shutdown signal for live syncs (a thin wrapper over
//! `tokio::sync::watch`).

use tokio::sync::watch;

/// The sending side: [`shutdown`](ShutdownHandle::shutdown) asks every
/// [`ShutdownSignal`] made from it to stop.
///
/// Dropping the handle does **not** stop anything (like a cancellation
/// token that is never cancelled): keep it for as long as you may want to
/// stop the syncs.
#[derive(Debug)]
pub struct ShutdownHandle {
    tx: watch::Sender<bool>,
}

impl Default for ShutdownHandle {
    fn default() -> Self {
        Self::new()
    }
}

impl ShutdownHandle {
    /// A handle that has not been triggered.
    pub fn new() -> Self {
        Self {
            tx: watch::Sender::new(false),
        }
    }

    /// A signal that ends when [`shutdown`](ShutdownHandle::shutdown) is
    /// called (at once if it already was).
    pub fn signal(&self) -> ShutdownSignal {
        ShutdownSignal {
            rx: self.tx.subscribe(),
        }
    }

    /// Asks every signal of this handle to stop. Idempotent.
    pub fn shutdown(&self) {
        self.tx.send_replace(true);
    }

    /// Whether [`shutdown`](ShutdownHandle::shutdown) was called.
    pub fn is_shutdown(&self) -> bool {
        *self.tx.borrow()
    }
}

/// The receiving side, handed to [`MailboxSync::watch`](crate::MailboxSync::watch).
/// Cheap to clone; every clone sees the same shutdown.
#[derive(Debug, Clone)]
pub struct ShutdownSignal {
    rx: watch::Receiver<bool>,
}

impl ShutdownSignal {
    /// Whether shutdown was asked for.
    pub fn is_shutdown(&self) -> bool {
        *self.rx.borrow()
    }

    /// Waits until shutdown is asked for. Never ends when the
    /// [`ShutdownHandle`] is dropped without being triggered.
    pub async fn wait(&mut self) {
        if self.rx.wait_for(|stop| *stop).await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn signal_follows_the_handle() {
        let handle = ShutdownHandle::new();
        let mut signal = handle.signal();
        assert!(!signal.is_shutdown());
        assert!(
            tokio::time::timeout(Duration::from_millis(20), signal.wait())
                .await
                .is_err()
        );
        handle.shutdown();
        assert!(signal.is_shutdown());
        signal.wait().await;
        let mut late = handle.signal();
        late.wait().await;
        assert!(handle.is_shutdown());
    }

    #[tokio::test]
    async fn dropping_the_handle_does_not_stop() {
        let handle = ShutdownHandle::new();
        let mut signal = handle.signal();
        drop(handle);
        assert!(!signal.is_shutdown());
        assert!(
            tokio::time::timeout(Duration::from_millis(20), signal.wait())
                .await
                .is_err()
        );
    }
}
