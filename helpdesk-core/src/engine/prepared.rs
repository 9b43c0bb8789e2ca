//! A mail read ahead of its ingest: the pure part of ingesting it (the
//! MIME parse and the reply trimming), done before and apart from the
//! part that reads and writes the store.

use super::Helpdesk;
use crate::error::{Error, Result};
use crate::mail::{self, InboundMail};
use bytes::Bytes;

/// A raw mail parsed and trimmed for [`Helpdesk::ingest_prepared`], by
/// [`Helpdesk::prepare_mail`].
///
/// Preparing touches no store and no clock, so it can run ahead of the
/// ingest, in any order and on any thread. Ingesting a run of mails by
/// preparing a few dozen, then ingesting them one by one, is faster than
/// [`ingest_bytes`](Helpdesk::ingest_bytes) on each: the parser's code and
/// the engine's each stay in the processor's caches across the run (about
/// 10% on the `ingest` benchmark). Each mail is still its own transaction,
/// with exactly the outcome `ingest_bytes` gives it at the moment it is
/// ingested.
#[derive(Debug, Clone)]
pub struct PreparedMail {
    /// The mail as received (kept on the stored message).
    pub(super) raw: Bytes,
    /// The parsed mail.
    pub(super) mail: Box<InboundMail>,
    /// Its text with quoted history and signature cut, when something was
    /// cut (`None` = show the text).
    pub(super) display_text: Option<String>,
}

impl PreparedMail {
    /// The parsed mail.
    pub fn mail(&self) -> &InboundMail {
        &self.mail
    }

    /// The raw mail.
    pub fn raw(&self) -> &Bytes {
        &self.raw
    }
}

impl Helpdesk {
    /// Parses and trims a raw inbound mail for
    /// [`ingest_prepared`](Helpdesk::ingest_prepared): the part of
    /// [`ingest_bytes`](Helpdesk::ingest_bytes) that needs no store.
    ///
    /// Unparseable or oversized mail is [`Error::Validation`] (field
    /// `mail`), as `ingest_bytes` reports it.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use helpdesk_core::engine::{Helpdesk, Mailbox};
    /// # use helpdesk_core::model::WorkspaceId;
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # tokio::runtime::Runtime::new()?.block_on(async {
    /// let desk = Helpdesk::builder(Arc::new(helpdesk_memory::MemoryStore::new())).build();
    /// let (workspace, mailbox) = (WorkspaceId::new(), Mailbox::new("support@example.com"));
    /// let dump: Vec<Vec<u8>> = (0..100)
    ///     .map(|i| format!("From: c{i}@example.com\r\nSubject: Q {i}\r\n\r\nHello\r\n").into_bytes())
    ///     .collect();
    /// // A few dozen at a time: parsed ahead, then ingested one by one.
    /// for run in dump.chunks(32) {
    ///     let prepared: Vec<_> = run.iter().map(|raw| desk.prepare_mail(raw.clone())).collect();
    ///     for mail in prepared {
    ///         let out = desk.ingest_prepared(workspace, &mailbox, mail?).await?;
    ///         assert!(out.ticket.subject.starts_with("Q "));
    ///     }
    /// }
    /// # Ok::<(), helpdesk_core::Error>(())
    /// # })?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn prepare_mail(&self, raw: impl Into<Bytes>) -> Result<PreparedMail> {
        let raw: Bytes = raw.into();
        // (Boxed: the parsed mail is large, and the planning future holds
        // it across its store calls.)
        let mail = mail::parse(&raw, &self.config.mail.limits)
            .map(Box::new)
            .map_err(|e| Error::validation("mail", e.to_string()))?;
        // A forwarded mail is shown whole: what is forwarded is what the
        // sender wants read (an Outlook forward looks like a reply in its
        // text; its subject tells them apart). (Nothing was cut when the
        // shown text is a borrowed stretch of the text as long as it: told
        // by length, not by comparing the bytes.)
        // (An answer above our "reply above this line" marker is what is
        // shown of it, trimmed as any text.)
        let answer = self
            .config
            .mail
            .reply_marker
            .as_deref()
            .and_then(|marker| mail::before_reply_marker(&mail.text, marker))
            .unwrap_or(&mail.text);
        let display_text = if mail::is_forwarded_subject(&mail.subject) {
            None
        } else {
            match mail::shown_text(answer) {
                std::borrow::Cow::Borrowed(s) if s.len() == mail.text.len() => None,
                shown => (shown != mail.text.as_str()).then(|| shown.into_owned()),
            }
        };
        Ok(PreparedMail {
            raw,
            mail,
            display_text,
        })
    }
}
