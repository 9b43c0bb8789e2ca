//! The translator port (seed 000: "translate a message, pluggable
//! translator"): the host application implements [`Translator`] over the
//! service it uses (DeepL, Google, a local model) and hands it to
//! [`HelpdeskBuilder::translator`](crate::engine::HelpdeskBuilder::translator);
//! [`Helpdesk::translate`](crate::engine::Helpdesk::translate) translates a
//! message's shown text with it.

use crate::error::BoxError;
use async_trait::async_trait;
use std::fmt::Debug;

/// A translated text.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Translation {
    /// The text in the language asked for.
    pub text: String,
    /// The language the service found the original in (a BCP 47 tag such
    /// as `pl` or `de-CH`), when it says.
    pub detected: Option<String>,
}

impl Translation {
    /// A translation, with the language of the original when known.
    pub fn new(text: impl Into<String>, detected: Option<String>) -> Self {
        Self {
            text: text.into(),
            detected,
        }
    }
}

/// Translates text.
///
/// ```
/// use async_trait::async_trait;
/// use helpdesk_core::error::BoxError;
/// use helpdesk_core::ports::{Translation, Translator};
///
/// /// Shouts instead of translating (a stand-in for a real service).
/// #[derive(Debug)]
/// struct Shout;
///
/// #[async_trait]
/// impl Translator for Shout {
///     async fn translate(&self, text: &str, to: &str) -> Result<Translation, BoxError> {
///         Ok(Translation::new(format!("[{to}] {}", text.to_uppercase()), None))
///     }
/// }
/// ```
#[async_trait]
pub trait Translator: Send + Sync + Debug {
    /// `text` in the language `to` (a BCP 47 tag such as `en` or `pl`).
    async fn translate(&self, text: &str, to: &str) -> Result<Translation, BoxError>;
}
