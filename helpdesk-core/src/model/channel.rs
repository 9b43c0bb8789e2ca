//! Channels tickets and messages travel through.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The channel a ticket came in through, or a message travels on.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum Channel {
    /// Email (mailbox, forwarding or IMAP).
    #[default]
    Email,
    /// A phone call, recorded by an agent.
    Phone,
    /// SMS.
    Sms,
    /// Live chat.
    Chat,
    /// Web widget or customer portal.
    Web,
    /// Created through the host application's API.
    Api,
    /// A marketplace conversation (Allegro, BaseLinker, ...).
    Marketplace {
        /// Which marketplace, e.g. `allegro`.
        marketplace: String,
        /// The seller account on it, if several are connected.
        account: Option<String>,
    },
}

impl Channel {
    /// The key transports are registered under: `email`, `phone`, ...,
    /// and `marketplace:<name>` for marketplaces.
    pub fn transport_key(&self) -> String {
        match self {
            Channel::Marketplace { marketplace, .. } => format!("marketplace:{marketplace}"),
            other => other.kind_name().to_string(),
        }
    }

    /// The channel's kind as a lowercase word.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Phone => "phone",
            Channel::Sms => "sms",
            Channel::Chat => "chat",
            Channel::Web => "web",
            Channel::Api => "api",
            Channel::Marketplace { .. } => "marketplace",
        }
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.transport_key())
    }
}
