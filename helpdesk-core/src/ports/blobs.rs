//! The blob port: where the bytes of attachments live (DESIGN.md §3:
//! messages carry attachment metadata, the bytes sit behind this trait).
//!
//! An embedding product usually has file storage already (S3, a disk, a
//! database table): it implements [`Blobs`] over it and hands it to
//! [`HelpdeskBuilder::blobs`](crate::engine::HelpdeskBuilder::blobs).
//! [`MemoryBlobs`] keeps them in memory (tests, examples, the in-memory
//! engine).
//!
//! ```
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! use helpdesk_core::model::{Attachment, WorkspaceId};
//! use helpdesk_core::ports::{Blobs, MemoryBlobs};
//! let blobs = MemoryBlobs::new();
//! let ws = WorkspaceId::new();
//! let meta = Attachment::new("a.txt", "text/plain", 5);
//! let key = blobs.put(ws, &meta, "hello".into()).await.unwrap();
//! assert_eq!(blobs.get(ws, &key).await.unwrap().as_deref(), Some(&b"hello"[..]));
//! // Another workspace does not see it.
//! assert_eq!(blobs.get(WorkspaceId::new(), &key).await.unwrap(), None);
//! blobs.delete(ws, &key).await.unwrap();
//! assert_eq!(blobs.get(ws, &key).await.unwrap(), None);
//! # });
//! ```

use crate::error::BoxError;
use crate::model::{Attachment, WorkspaceId};
use async_trait::async_trait;
use bytes::Bytes;
use std::collections::HashMap;
use std::fmt::Debug;
use std::sync::{Arc, Mutex};

/// Stores and returns attachment bytes by key, per workspace.
///
/// Each [`put`](Blobs::put) stores its own copy under a new key (the same
/// file received twice is two keys). A key can be held by more than one
/// message: a reply that sends on a file of another message (see
/// [`Reply::attach`](crate::engine::Reply::attach)) holds that message's
/// key. The engine puts bytes outside the store's transaction (they often
/// go to another system): when the commit that would reference a key
/// fails, the key is left unreferenced, as is an upload never attached to
/// a reply. An implementation may collect such keys: those of its keys
/// older than a grace period (an upload waits for its reply) that
/// [`Store::blobs_in_use`](crate::ports::Store::blobs_in_use) (with no
/// ticket excepted) does not return are held by no message. It deletes the bytes of erased messages
/// ([`Helpdesk::anonymise`](crate::engine::Helpdesk::anonymise),
/// [`Helpdesk::delete_ticket`](crate::engine::Helpdesk::delete_ticket))
/// before it commits the erasure, but for those a message of another ticket
/// still holds ([`Store::blobs_in_use`](crate::ports::Store::blobs_in_use)).
/// (A known limit: a reply, forward or split that shares a file of a
/// ticket being erased at that very moment can commit its reference after
/// the check; its bytes are then gone: the outbox fails such a message
/// with a `MessageFailed` event rather than send it without the file, and
/// reading the file is `NotFound`.)
#[async_trait]
pub trait Blobs: Debug + Send + Sync + 'static {
    /// Stores `bytes` (described by `attachment`: its name, content type
    /// and size; its `blob` is `None`) and returns the key to read them
    /// back with.
    async fn put(
        &self,
        workspace: WorkspaceId,
        attachment: &Attachment,
        bytes: Bytes,
    ) -> Result<String, BoxError>;

    /// The bytes stored under `key` in `workspace`; `None` when there are
    /// none (never stored, deleted, or another workspace's key).
    async fn get(&self, workspace: WorkspaceId, key: &str) -> Result<Option<Bytes>, BoxError>;

    /// Deletes the bytes under `key` in `workspace`; a key with none is
    /// no error (deleting twice is fine).
    async fn delete(&self, workspace: WorkspaceId, key: &str) -> Result<(), BoxError>;
}

#[async_trait]
impl<T: Blobs + ?Sized> Blobs for Arc<T> {
    async fn put(
        &self,
        workspace: WorkspaceId,
        attachment: &Attachment,
        bytes: Bytes,
    ) -> Result<String, BoxError> {
        (**self).put(workspace, attachment, bytes).await
    }

    async fn get(&self, workspace: WorkspaceId, key: &str) -> Result<Option<Bytes>, BoxError> {
        (**self).get(workspace, key).await
    }

    async fn delete(&self, workspace: WorkspaceId, key: &str) -> Result<(), BoxError> {
        (**self).delete(workspace, key).await
    }
}

/// [`Blobs`] in memory, each under a random key.
#[derive(Debug, Default)]
pub struct MemoryBlobs {
    blobs: Mutex<HashMap<(WorkspaceId, String), Bytes>>,
}

impl MemoryBlobs {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many blobs are stored (all workspaces).
    pub fn len(&self) -> usize {
        self.blobs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .len()
    }

    /// Whether no blob is stored.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[async_trait]
impl Blobs for MemoryBlobs {
    async fn put(
        &self,
        workspace: WorkspaceId,
        _attachment: &Attachment,
        bytes: Bytes,
    ) -> Result<String, BoxError> {
        let key = uuid::Uuid::new_v4().simple().to_string();
        self.blobs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert((workspace, key.clone()), bytes);
        Ok(key)
    }

    async fn get(&self, workspace: WorkspaceId, key: &str) -> Result<Option<Bytes>, BoxError> {
        Ok(self
            .blobs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(&(workspace, key.to_string()))
            .cloned())
    }

    async fn delete(&self, workspace: WorkspaceId, key: &str) -> Result<(), BoxError> {
        self.blobs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(&(workspace, key.to_string()));
        Ok(())
    }
}
