//! Autoresponder decisions (pure) and template rendering.

use crate::mail::{Classification, is_no_reply_address};
use chrono::Duration;
use serde::{Deserialize, Serialize};

/// The autoresponder of a mailbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AutoresponderConfig {
    /// Whether the mailbox answers automatically at all.
    pub enabled: bool,
    /// Answer mail that opens a new ticket.
    pub on_new_ticket: bool,
    /// Answer replies on existing tickets too.
    pub on_reply: bool,
    /// Subject template (minijinja syntax; variables: `ticket_number`,
    /// `ticket_id`, `subject`, `requester_name`, `requester_email`,
    /// `ticket_url`).
    pub subject: String,
    /// Body template (same variables).
    pub body: String,
    /// At most this many automatic messages per recipient address per
    /// [`window`](Self::window); reaching it marks a loop.
    pub limit: u32,
    /// The rate-limit window.
    #[serde(with = "duration_secs")]
    pub window: Duration,
}

mod duration_secs {
    use chrono::Duration;
    use serde::{Deserialize, Deserializer, Serializer};
    pub(super) fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(d.num_seconds())
    }
    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        Ok(Duration::seconds(i64::deserialize(d)?))
    }
}

impl Default for AutoresponderConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            on_new_ticket: true,
            on_reply: false,
            subject: "Re: {{ subject }} [#{{ ticket_number }}]".into(),
            body: "Hello{% if requester_name %} {{ requester_name }}{% endif %},\n\n\
                   we received your message and opened ticket #{{ ticket_number }}. \
                   We will answer as soon as we can.\
                   {% if ticket_url %}\n\nYou can follow it here: {{ ticket_url }}{% endif %}\n"
                .into(),
            limit: 3,
            window: Duration::hours(1),
        }
    }
}

/// What the autoresponder must know about one inbound mail.
#[derive(Debug, Clone, Copy)]
pub struct AutoresponseInput<'a> {
    /// The mail's classification.
    pub classification: Classification,
    /// The mail opened a new ticket.
    pub new_ticket: bool,
    /// Who would receive the answer.
    pub recipient: Option<&'a str>,
    /// The ticket has `loop_detected` set.
    pub loop_detected: bool,
    /// The ticket has the one-shot "suppress next autoresponder" flag.
    pub suppress_next: bool,
    /// Automatic mail to the recipient is suppressed (permanent bounce).
    pub recipient_undeliverable: bool,
    /// Automatic messages sent to the recipient within the window.
    pub recent_automatic: u32,
}

/// Why no autoresponse was sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum SuppressReason {
    /// The mail was not written by a person.
    NotHuman(Classification),
    /// No address to answer.
    NoRecipient,
    /// The address is a no-reply / mailer-daemon style address.
    NoReplyAddress,
    /// The ticket is in a detected loop.
    LoopDetected,
    /// An agent asked to skip the next autoresponder on this ticket.
    SuppressedOnce,
    /// The address bounced permanently.
    Undeliverable,
    /// The per-recipient limit of the window is reached (a loop is marked).
    RateLimited,
}

impl SuppressReason {
    /// A short snake_case text for events and logs.
    pub fn as_str(&self) -> &'static str {
        match self {
            SuppressReason::NotHuman(Classification::AutoReply) => "auto_reply",
            SuppressReason::NotHuman(Classification::Bounce) => "bounce",
            SuppressReason::NotHuman(Classification::List) => "list",
            SuppressReason::NotHuman(Classification::Loop) => "loop",
            SuppressReason::NotHuman(Classification::Spam) => "spam",
            SuppressReason::NotHuman(_) => "not_human",
            SuppressReason::NoRecipient => "no_recipient",
            SuppressReason::NoReplyAddress => "no_reply_address",
            SuppressReason::LoopDetected => "loop_detected",
            SuppressReason::SuppressedOnce => "suppressed_once",
            SuppressReason::Undeliverable => "undeliverable",
            SuppressReason::RateLimited => "rate_limited",
        }
    }
}

/// The autoresponder's decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AutoresponseDecision {
    /// Nothing to decide: the autoresponder is off, or does not answer this
    /// kind of mail (a reply, when it only answers new tickets).
    NotApplicable,
    /// Send the autoresponse.
    Send,
    /// Do not send, for this reason. With
    /// [`SuppressReason::RateLimited`] the ticket is marked `loop_detected`.
    Suppress(SuppressReason),
}

/// Decides whether to answer automatically. Pure.
///
/// The recipient's undeliverable mark and recent automatic mail are its
/// last checks: with any other answer they change nothing, so a caller
/// may decide first without them and read them only to confirm a `Send`.
///
/// ```
/// use helpdesk_core::mail::{decide_autoresponse, AutoresponderConfig, AutoresponseDecision, AutoresponseInput, Classification, SuppressReason};
/// let input = AutoresponseInput {
///     classification: Classification::Human, new_ticket: true, recipient: Some("ann@example.com"),
///     loop_detected: false, suppress_next: false, recipient_undeliverable: false, recent_automatic: 3,
/// };
/// assert_eq!(
///     decide_autoresponse(&AutoresponderConfig::default(), &input),
///     AutoresponseDecision::Suppress(SuppressReason::RateLimited),
/// );
/// ```
pub fn decide_autoresponse(
    config: &AutoresponderConfig,
    input: &AutoresponseInput<'_>,
) -> AutoresponseDecision {
    use AutoresponseDecision::{NotApplicable, Send, Suppress};
    if !config.enabled
        || !(if input.new_ticket {
            config.on_new_ticket
        } else {
            config.on_reply
        })
    {
        return NotApplicable;
    }
    if input.classification != Classification::Human {
        return Suppress(SuppressReason::NotHuman(input.classification));
    }
    let Some(recipient) = input.recipient else {
        return Suppress(SuppressReason::NoRecipient);
    };
    if is_no_reply_address(recipient) {
        return Suppress(SuppressReason::NoReplyAddress);
    }
    if input.loop_detected {
        return Suppress(SuppressReason::LoopDetected);
    }
    if input.suppress_next {
        return Suppress(SuppressReason::SuppressedOnce);
    }
    if input.recipient_undeliverable {
        return Suppress(SuppressReason::Undeliverable);
    }
    if input.recent_automatic >= config.limit {
        return Suppress(SuppressReason::RateLimited);
    }
    Send
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::render_template;
    use std::collections::BTreeMap;

    fn input() -> AutoresponseInput<'static> {
        AutoresponseInput {
            classification: Classification::Human,
            new_ticket: true,
            recipient: Some("ann@example.com"),
            loop_detected: false,
            suppress_next: false,
            recipient_undeliverable: false,
            recent_automatic: 0,
        }
    }

    #[test]
    fn every_decision() {
        let c = AutoresponderConfig::default();
        assert_eq!(
            decide_autoresponse(&c, &input()),
            AutoresponseDecision::Send
        );
        let off = AutoresponderConfig {
            enabled: false,
            ..c.clone()
        };
        assert_eq!(
            decide_autoresponse(&off, &input()),
            AutoresponseDecision::NotApplicable
        );
        let reply = AutoresponseInput {
            new_ticket: false,
            ..input()
        };
        assert_eq!(
            decide_autoresponse(&c, &reply),
            AutoresponseDecision::NotApplicable
        );
        let on_reply = AutoresponderConfig {
            on_reply: true,
            ..c.clone()
        };
        assert_eq!(
            decide_autoresponse(&on_reply, &reply),
            AutoresponseDecision::Send
        );
        for class in [
            Classification::AutoReply,
            Classification::Bounce,
            Classification::List,
            Classification::Loop,
            Classification::Spam,
        ] {
            let i = AutoresponseInput {
                classification: class,
                ..input()
            };
            assert_eq!(
                decide_autoresponse(&c, &i),
                AutoresponseDecision::Suppress(SuppressReason::NotHuman(class))
            );
        }
        let cases = [
            (
                AutoresponseInput {
                    recipient: None,
                    ..input()
                },
                SuppressReason::NoRecipient,
            ),
            (
                AutoresponseInput {
                    recipient: Some("no-reply@shop.example"),
                    ..input()
                },
                SuppressReason::NoReplyAddress,
            ),
            (
                AutoresponseInput {
                    loop_detected: true,
                    ..input()
                },
                SuppressReason::LoopDetected,
            ),
            (
                AutoresponseInput {
                    suppress_next: true,
                    ..input()
                },
                SuppressReason::SuppressedOnce,
            ),
            (
                AutoresponseInput {
                    recipient_undeliverable: true,
                    ..input()
                },
                SuppressReason::Undeliverable,
            ),
            (
                AutoresponseInput {
                    recent_automatic: 3,
                    ..input()
                },
                SuppressReason::RateLimited,
            ),
        ];
        for (i, reason) in cases {
            assert_eq!(
                decide_autoresponse(&c, &i),
                AutoresponseDecision::Suppress(reason)
            );
        }
        assert_eq!(
            decide_autoresponse(
                &c,
                &AutoresponseInput {
                    recent_automatic: 2,
                    ..input()
                }
            ),
            AutoresponseDecision::Send
        );
    }

    #[test]
    fn default_templates_render() {
        let c = AutoresponderConfig::default();
        let vars: BTreeMap<&str, String> = [
            ("subject", "Lamp".to_string()),
            ("ticket_number", "7".to_string()),
            ("requester_name", "Ann".to_string()),
            ("ticket_url", "https://shop.example/t/7".to_string()),
        ]
        .into_iter()
        .collect();
        assert_eq!(render_template(&c.subject, &vars).unwrap(), "Re: Lamp [#7]");
        let body = render_template(&c.body, &vars).unwrap();
        assert!(body.starts_with("Hello Ann,"));
        assert!(body.contains("ticket #7"));
        assert!(body.contains("https://shop.example/t/7"));
        assert!(render_template("{% if %}", &vars).is_err());
        // Cached by source: a template whose source ends like an HTML file
        // name is still plain text, and a second call renders the same.
        let html_like = "<b>{{ requester_name }}</b> index.html";
        for _ in 0..2 {
            assert_eq!(
                render_template(html_like, &vars).unwrap(),
                "<b>Ann</b> index.html"
            );
        }
        let vars2 = [("requester_name", "O'Neil & <Co>".to_string())]
            .into_iter()
            .collect();
        assert_eq!(
            render_template(html_like, &vars2).unwrap(),
            "<b>O'Neil & <Co></b> index.html"
        );
    }

    proptest::proptest! {
        /// The recipient's undeliverable mark and recent automatic mail
        /// matter only when every other check would send.
        #[test]
        fn recipient_history_matters_only_for_a_send(
            class in proptest::sample::select(vec![
                Classification::Human, Classification::AutoReply, Classification::Bounce,
                Classification::List, Classification::Loop, Classification::Spam,
            ]),
            new_ticket in proptest::bool::ANY,
            recipient in proptest::option::of(proptest::sample::select(vec![
                "ann@example.com", "no-reply@shop.example",
            ])),
            loop_detected in proptest::bool::ANY,
            suppress_next in proptest::bool::ANY,
            undeliverable in proptest::bool::ANY,
            recent in 0u32..6,
            enabled in proptest::bool::ANY,
            on_reply in proptest::bool::ANY,
        ) {
            let config = AutoresponderConfig { enabled, on_reply, ..AutoresponderConfig::default() };
            let without = AutoresponseInput {
                classification: class,
                new_ticket,
                recipient,
                loop_detected,
                suppress_next,
                recipient_undeliverable: false,
                recent_automatic: 0,
            };
            let with = AutoresponseInput {
                recipient_undeliverable: undeliverable,
                recent_automatic: recent,
                ..without
            };
            let first = decide_autoresponse(&config, &without);
            if first != AutoresponseDecision::Send {
                proptest::prop_assert_eq!(decide_autoresponse(&config, &with), first);
            }
        }
    }
}
