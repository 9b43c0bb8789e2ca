//! Translating a message with the engine's [`Translator`](crate::ports::Translator).

use super::Helpdesk;
use crate::error::{Error, Result};
use crate::model::{MessageId, WorkspaceId};
use crate::ports::Translation;

impl Helpdesk {
    /// The shown text of `message` (quoted history and signature cut) in
    /// the language `to` (a BCP 47 tag such as `en`), by the translator
    /// given to [`HelpdeskBuilder::translator`](super::HelpdeskBuilder::translator).
    /// Nothing is stored. Without a translator: [`Error::Unsupported`]; a
    /// message that does not exist: [`Error::NotFound`]; an empty `to`:
    /// [`Error::Validation`]; the translator failing: [`Error::Translator`].
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use async_trait::async_trait;
    /// # use helpdesk_core::engine::{Helpdesk, NewTicket};
    /// # use helpdesk_core::error::BoxError;
    /// # use helpdesk_core::model::WorkspaceId;
    /// # use helpdesk_core::ports::{Translation, Translator};
    /// #[derive(Debug)]
    /// struct Upper;
    /// #[async_trait]
    /// impl Translator for Upper {
    ///     async fn translate(&self, text: &str, _to: &str) -> Result<Translation, BoxError> {
    ///         Ok(Translation::new(text.to_uppercase(), Some("pl".into())))
    ///     }
    /// }
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let desk = Helpdesk::builder(Arc::new(helpdesk_memory::MemoryStore::new()))
    ///     .translator(Arc::new(Upper))
    ///     .build();
    /// let ws = WorkspaceId::new();
    /// let ticket = desk
    ///     .create_ticket(ws, NewTicket::from_customer("jan@example.pl", "Lampa", "Lampa miga."))
    ///     .await?;
    /// let question = desk.conversation(ws, ticket.id).await?.messages().next().unwrap().id;
    /// let english = desk.translate(ws, question, "en").await?;
    /// assert_eq!((english.text.as_str(), english.detected.as_deref()), ("LAMPA MIGA.", Some("pl")));
    /// # Ok::<(), helpdesk_core::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn translate(
        &self,
        workspace: WorkspaceId,
        message: MessageId,
        to: &str,
    ) -> Result<Translation> {
        let translator = self.translator.as_ref().ok_or(Error::Unsupported {
            operation: "translate",
            implementer: "an engine without a translator",
        })?;
        let to = to.trim();
        if to.is_empty() {
            return Err(Error::validation("to", "a language to translate to"));
        }
        let message = self
            .store
            .message(workspace, message)
            .await?
            .ok_or_else(|| Error::not_found("message", message))?;
        translator
            .translate(message.shown_text(), to)
            .await
            .map_err(Error::Translator)
    }
}
