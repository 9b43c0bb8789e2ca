//! Engine settings.

use crate::merge::MergePolicy;
use chrono::Duration;

/// Settings of a [`Helpdesk`](crate::engine::Helpdesk). Build with
/// [`EngineConfig::default`] and change what you need.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct EngineConfig {
    /// How many times a command is re-decided on fresh data after a
    /// compare-and-set conflict before the conflict is returned.
    pub max_retries: u32,
    /// Who may be merged with whom.
    pub merge_policy: MergePolicy,
    /// Sender address put on outgoing messages (e.g. the support mailbox).
    pub default_from: Option<String>,
    /// Delivery attempts before an outbox row is marked failed.
    pub max_delivery_attempts: u32,
    /// First retry delay of a failed delivery; doubles per attempt.
    pub retry_base: Duration,
    /// Longest retry delay.
    pub retry_cap: Duration,
    /// How long a claimed job or outbox row stays leased to one runner.
    pub lease: Duration,
    /// Rows claimed per round by `run_due` and `dispatch_outbox`.
    pub batch_size: usize,
    /// Email identity and limits.
    pub mail: MailSettings,
    /// The mail that tells the requester of a merged ticket where their
    /// request goes on (`None`, the default: no mail).
    pub merge_notice: Option<super::MergeNotice>,
    /// How long the public links of a ticket still open once it is closed
    /// (Closed or Archived; for a merged ticket, the one it went into):
    /// `None`, the default, for as long as the ticket exists.
    pub public_link_expiry: Option<Duration>,
}

/// Email settings of the engine.
#[derive(Clone)]
#[non_exhaustive]
pub struct MailSettings {
    /// Master secret of the signed ticket tokens in our Message-IDs and
    /// plus addresses; each workspace signs with a key derived from it.
    /// **Set your own** in production (the default is empty).
    pub secret: Vec<u8>,
    /// Domain of the Message-IDs we generate.
    pub message_id_domain: String,
    /// Name of our loop header (its value is derived per workspace).
    pub loop_header: String,
    /// Size limits of inbound mail.
    pub limits: crate::mail::ParseLimits,
    /// How long automatic mail to an address is suppressed after a permanent
    /// bounce.
    pub bounce_suppression: Duration,
    /// The most `Cc` addresses a new ticket takes from its first mail
    /// (default 48, Zendesk's limit): every agent reply goes to the
    /// ticket's cc, so a mail copied to thousands of addresses must not make
    /// the helpdesk write to all of them. The message keeps every address
    /// it was sent to.
    pub max_ticket_cc: usize,
    /// A line written at the top of every mail the helpdesk sends (agent
    /// replies and automatic mail), such as `##- Please type your reply
    /// above this line -##` (Zendesk's): a customer's reply then shows only
    /// what is written above it, whatever the client and language
    /// ([`mail::before_reply_marker`](crate::mail::before_reply_marker)).
    /// `None` (the default): no line, and the usual trimming alone.
    pub reply_marker: Option<String>,
}

impl std::fmt::Debug for MailSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailSettings")
            .field("secret", &"<redacted>")
            .field("message_id_domain", &self.message_id_domain)
            .field("loop_header", &self.loop_header)
            .field("limits", &self.limits)
            .field("bounce_suppression", &self.bounce_suppression)
            .field("max_ticket_cc", &self.max_ticket_cc)
            .field("reply_marker", &self.reply_marker)
            .finish()
    }
}

impl Default for MailSettings {
    fn default() -> Self {
        Self {
            secret: Vec::new(),
            message_id_domain: "helpdesk.invalid".into(),
            loop_header: "X-Helpdesk-Loop".into(),
            limits: crate::mail::ParseLimits::default(),
            bounce_suppression: Duration::days(7),
            max_ticket_cc: 48,
            reply_marker: None,
        }
    }
}

impl MailSettings {
    /// Settings with this secret and Message-ID domain.
    pub fn new(secret: impl Into<Vec<u8>>, message_id_domain: impl Into<String>) -> Self {
        Self {
            secret: secret.into(),
            message_id_domain: message_id_domain.into(),
            ..Self::default()
        }
    }

    /// These settings with a "reply above this line" marker (see
    /// [`MailSettings::reply_marker`]).
    ///
    /// ```
    /// use helpdesk_core::engine::MailSettings;
    /// let settings = MailSettings::new(b"secret".to_vec(), "mail.shop.example")
    ///     .with_reply_marker("##- Please type your reply above this line -##");
    /// assert!(settings.reply_marker.is_some());
    /// ```
    pub fn with_reply_marker(mut self, marker: impl Into<String>) -> Self {
        self.reply_marker = Some(marker.into()).filter(|m| !m.trim().is_empty());
        self
    }
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            max_retries: 16,
            merge_policy: MergePolicy::default(),
            default_from: None,
            max_delivery_attempts: 5,
            retry_base: Duration::minutes(1),
            retry_cap: Duration::hours(1),
            lease: Duration::minutes(5),
            batch_size: 100,
            mail: MailSettings::default(),
            merge_notice: None,
            public_link_expiry: None,
        }
    }
}

impl EngineConfig {
    /// Sets [`EngineConfig::merge_policy`].
    pub fn merge_policy(mut self, policy: MergePolicy) -> Self {
        self.merge_policy = policy;
        self
    }
    /// Sets [`EngineConfig::default_from`].
    pub fn default_from(mut self, from: impl Into<String>) -> Self {
        self.default_from = Some(from.into());
        self
    }
    /// Sets [`EngineConfig::mail`].
    pub fn mail(mut self, mail: MailSettings) -> Self {
        self.mail = mail;
        self
    }
    /// Sets [`EngineConfig::merge_notice`]: the requester of a merged
    /// ticket is told where their request goes on.
    pub fn merge_notice(mut self, notice: super::MergeNotice) -> Self {
        self.merge_notice = Some(notice);
        self
    }
    /// Sets [`EngineConfig::public_link_expiry`]: a ticket's public links
    /// open nothing once it has been closed for longer than `after_close`
    /// (reopening it opens them again).
    pub fn public_link_expiry(mut self, after_close: Duration) -> Self {
        self.public_link_expiry = Some(after_close);
        self
    }
    /// Sets [`EngineConfig::max_retries`].
    pub fn max_retries(mut self, n: u32) -> Self {
        self.max_retries = n;
        self
    }
    /// Sets [`EngineConfig::max_delivery_attempts`] (at least 1).
    pub fn max_delivery_attempts(mut self, n: u32) -> Self {
        self.max_delivery_attempts = n.max(1);
        self
    }

    /// The delay before delivery attempt number `attempts + 1`, doubling from
    /// [`retry_base`](Self::retry_base) up to [`retry_cap`](Self::retry_cap).
    pub fn retry_delay(&self, attempts: u32) -> Duration {
        let factor = 1i32
            .checked_shl(attempts.saturating_sub(1).min(20))
            .unwrap_or(i32::MAX);
        let delay = self
            .retry_base
            .checked_mul(factor)
            .unwrap_or(self.retry_cap);
        delay.min(self.retry_cap)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_delay_doubles_and_is_capped() {
        let c = EngineConfig::default();
        assert_eq!(c.retry_delay(1), Duration::minutes(1));
        assert_eq!(c.retry_delay(2), Duration::minutes(2));
        assert_eq!(c.retry_delay(3), Duration::minutes(4));
        assert_eq!(c.retry_delay(30), Duration::hours(1));
        assert_eq!(c.retry_delay(u32::MAX), Duration::hours(1));
    }
}
