//! Attachment bytes: put in the blob store at ingest and upload, read back
//! for a UI and for the outbox (see [`Blobs`](crate::ports::Blobs)).

use super::Helpdesk;
use crate::error::{Error, Result};
use crate::mail::{self, InboundMail};
use crate::model::{Attachment, Message, MessageId, TicketId, WorkspaceId};
use crate::ports::Blobs;
use bytes::Bytes;
use std::sync::Arc;

/// One attachment of a message with its bytes
/// ([`Helpdesk::attachment`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentContent {
    /// Its metadata, as stored on the message.
    pub attachment: Attachment,
    /// Its decoded bytes.
    pub bytes: Bytes,
}

impl Helpdesk {
    /// The blob store, or [`Error::Unsupported`] for `operation` without one.
    fn blob_store(&self, operation: &'static str) -> Result<&Arc<dyn Blobs>> {
        self.blobs.as_ref().ok_or(Error::Unsupported {
            operation,
            implementer: "an engine without a blob store",
        })
    }

    /// The stored form of `mail`'s attachments, in their order: their
    /// metadata, and the key of their bytes, which move to the blob store
    /// when there is one (an attachment over the size limit has none).
    pub(super) async fn stored_attachments(
        &self,
        workspace: WorkspaceId,
        mail: &mut InboundMail,
    ) -> Result<Vec<Attachment>> {
        let mut stored = Vec::with_capacity(mail.attachments.len());
        for a in &mut mail.attachments {
            let mut attachment = Attachment::new(&a.name, &a.content_type, a.size as u64);
            attachment.too_large = a.too_large;
            attachment.content_id = a.content_id.clone();
            attachment.inline = a.inline;
            if let Some(blobs) = &self.blobs
                && let Some(content) = a.content.take()
            {
                attachment.blob = Some(
                    blobs
                        .put(workspace, &attachment, Bytes::from(content))
                        .await
                        .map_err(Error::Storage)?,
                );
            }
            stored.push(attachment);
        }
        Ok(stored)
    }

    /// The `index`-th attachment of `message` with its bytes: read from the
    /// blob store when it has a key there, else (an inbound mail's
    /// attachment, with no blob store at ingest) decoded again from the
    /// stored mail.
    ///
    /// [`Error::NotFound`] when the message, the attachment or its bytes
    /// are gone (e.g. the mail was erased); [`Error::Validation`] for an
    /// attachment that was over the size limit (never stored);
    /// [`Error::Unsupported`] when it has a blob key but the engine has no
    /// blob store.
    ///
    /// ```
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// use helpdesk_core::engine::{Helpdesk, Mailbox};
    /// use helpdesk_core::model::WorkspaceId;
    /// use helpdesk_core::ports::MemoryBlobs;
    /// use std::sync::Arc;
    ///
    /// let desk = Helpdesk::builder(Arc::new(helpdesk_memory::MemoryStore::new()))
    ///     .blobs(Arc::new(MemoryBlobs::new()))
    ///     .build();
    /// let raw = "From: ann@example.com\r\nSubject: Photo\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n\
    ///            --b\r\nContent-Type: text/plain\r\n\r\nSee the photo.\r\n\
    ///            --b\r\nContent-Type: image/png; name=p.png\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw==\r\n--b--\r\n";
    /// let ws = WorkspaceId::new();
    /// let out = desk.ingest(ws, &Mailbox::new("support@example.com"), raw.as_bytes()).await?;
    /// let file = desk.attachment(ws, out.message, 0).await?;
    /// assert_eq!(file.attachment.name, "p.png");
    /// assert_eq!(&file.bytes[..], b"\x89PNG");
    /// # Ok::<(), helpdesk_core::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn attachment(
        &self,
        workspace: WorkspaceId,
        message: MessageId,
        index: usize,
    ) -> Result<AttachmentContent> {
        let stored = self
            .store
            .message(workspace, message)
            .await?
            .ok_or_else(|| Error::not_found("message", message))?;
        let attachment = stored
            .attachments
            .get(index)
            .cloned()
            .ok_or_else(|| Error::not_found("attachment", format!("{message}#{index}")))?;
        let bytes = self
            .attachment_bytes(workspace, &stored, index, &attachment)
            .await?;
        Ok(AttachmentContent { attachment, bytes })
    }

    /// The bytes of `attachment`, the `index`-th of `message` (see
    /// [`attachment`](Self::attachment) for the errors).
    pub(super) async fn attachment_bytes(
        &self,
        workspace: WorkspaceId,
        message: &Message,
        index: usize,
        attachment: &Attachment,
    ) -> Result<Bytes> {
        let missing = || Error::not_found("attachment bytes", format!("{}#{index}", message.id));
        if attachment.too_large {
            return Err(Error::validation(
                "attachment",
                format!(
                    "{} ({} bytes) was over the size limit and was not stored",
                    attachment.name, attachment.size
                ),
            ));
        }
        if let Some(key) = &attachment.blob {
            return self
                .blob_store("reading attachment bytes")?
                .get(workspace, key)
                .await
                .map_err(Error::Storage)?
                .ok_or_else(missing);
        }
        // An inbound mail's attachment: decoded again from the mail (the
        // same parse, so the same attachments in the same order; one whose
        // name or size differs, after a parser change, is not taken for it).
        let raw = message.raw.as_ref().ok_or_else(missing)?;
        let mut again = mail::parse(raw, &self.config.mail.limits).map_err(|_| missing())?;
        if index >= again.attachments.len() {
            return Err(missing());
        }
        let found = again.attachments.swap_remove(index);
        match found.content {
            Some(content)
                if found.name == attachment.name && content.len() as u64 == attachment.size =>
            {
                Ok(Bytes::from(content))
            }
            _ => Err(missing()),
        }
    }

    /// Deletes from the blob store the bytes of every attachment of
    /// `messages` (those of the tickets `erased`) that has a key there,
    /// but for the keys a message of another ticket still holds (a reply
    /// that sent a customer's file on to someone else): those bytes stay
    /// with it. Called before an erasure is committed: see
    /// [`Blobs`](crate::ports::Blobs). [`Error::Unsupported`] when one has
    /// a key but the engine has no blob store: the bytes would stay.
    pub(super) async fn delete_blobs(
        &self,
        workspace: WorkspaceId,
        messages: &[Message],
        erased: &[TicketId],
    ) -> Result<()> {
        // (Collected first: no iterator is held across the awaits below.)
        let mut keys: Vec<&str> = Vec::new();
        for m in messages {
            for a in &m.attachments {
                if let Some(key) = a.blob.as_deref()
                    && !keys.contains(&key)
                {
                    keys.push(key);
                }
            }
        }
        if keys.is_empty() {
            return Ok(());
        }
        let blobs = self.blob_store("deleting attachment bytes")?;
        let kept = self.store.blobs_in_use(workspace, &keys, erased).await?;
        for key in keys {
            if !kept.iter().any(|k| k == key) {
                blobs.delete(workspace, key).await.map_err(Error::Storage)?;
            }
        }
        Ok(())
    }

    /// Stores a file for a reply: its bytes go to the blob store, and the
    /// returned [`Attachment`] (name, content type, size, key) goes into
    /// [`Reply::attachments`](super::Reply::attachments); the outbox reads
    /// the bytes back when it sends the reply.
    ///
    /// [`Error::Validation`] for an empty name or a file over the
    /// attachment size limit; [`Error::Unsupported`] without a blob store.
    ///
    /// ```
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// use helpdesk_core::engine::Helpdesk;
    /// use helpdesk_core::model::WorkspaceId;
    /// use helpdesk_core::ports::MemoryBlobs;
    /// use std::sync::Arc;
    ///
    /// let desk = Helpdesk::builder(Arc::new(helpdesk_memory::MemoryStore::new()))
    ///     .blobs(Arc::new(MemoryBlobs::new()))
    ///     .build();
    /// let file = desk
    ///     .upload(WorkspaceId::new(), "invoice.pdf", "application/pdf", b"%PDF-1.4".to_vec())
    ///     .await?;
    /// assert_eq!((file.size, file.blob.is_some()), (8, true));
    /// # Ok::<(), helpdesk_core::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn upload(
        &self,
        workspace: WorkspaceId,
        name: &str,
        content_type: &str,
        bytes: impl Into<Bytes>,
    ) -> Result<Attachment> {
        let bytes: Bytes = bytes.into();
        let blobs = self.blob_store("storing attachment bytes")?;
        let name = mail::sanitize_file_name(name);
        if name.is_empty() {
            return Err(Error::validation("name", "a file needs a name"));
        }
        let limit = self.config.mail.limits.max_attachment_bytes;
        if bytes.len() > limit {
            return Err(Error::validation(
                "attachment",
                format!("{name} is {} bytes, over the limit of {limit}", bytes.len()),
            ));
        }
        let content_type = mail::clean_content_type(content_type);
        let mut attachment = Attachment::new(name, content_type, bytes.len() as u64);
        attachment.blob = Some(
            blobs
                .put(workspace, &attachment, bytes)
                .await
                .map_err(Error::Storage)?,
        );
        Ok(attachment)
    }
}
