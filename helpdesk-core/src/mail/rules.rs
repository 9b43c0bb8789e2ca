//! Incoming-message rules of a mailbox: ordered conditions on to / from /
//! subject / any header, and what to set on a new ticket when they match.

use crate::mail::InboundMail;
use crate::model::{AgentId, CategoryId, Priority, QueueId, TeamId};
use serde::{Deserialize, Serialize};

/// What a condition looks at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "field", content = "name")]
pub enum RuleField {
    /// Every To address.
    To,
    /// Every Cc address.
    Cc,
    /// The From address.
    From,
    /// The subject.
    Subject,
    /// Every value of a header (by name, case-insensitive).
    Header(String),
}

/// How a condition compares (always case-insensitive).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleOp {
    /// The value contains the text.
    Contains,
    /// The value equals the text.
    Equals,
    /// The value starts with the text.
    StartsWith,
    /// The value ends with the text (e.g. `@example.com`).
    EndsWith,
}

/// One condition: `field op value`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleCondition {
    /// What to look at.
    pub field: RuleField,
    /// How to compare.
    pub op: RuleOp,
    /// The text to compare with.
    pub value: String,
}

/// What a matching rule sets on the new ticket.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleActions {
    /// Queue.
    pub queue: Option<QueueId>,
    /// Team.
    pub team: Option<TeamId>,
    /// Category.
    pub category: Option<CategoryId>,
    /// Priority.
    pub priority: Option<Priority>,
    /// Tags to add.
    pub tags: Vec<String>,
    /// Owner.
    pub assignee: Option<AgentId>,
}

/// A rule: all conditions must hold (an empty list always holds).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncomingRule {
    /// A name for humans.
    pub name: String,
    /// Conditions, all of which must hold.
    pub conditions: Vec<RuleCondition>,
    /// What to set.
    pub actions: RuleActions,
}

fn compare(op: RuleOp, value: &str, text: &str) -> bool {
    let value = value.to_lowercase();
    let text = text.to_lowercase();
    match op {
        RuleOp::Contains => value.contains(&text),
        RuleOp::Equals => value.trim() == text.trim(),
        RuleOp::StartsWith => value.starts_with(&text),
        RuleOp::EndsWith => value.trim_end().ends_with(&text),
    }
}

impl RuleCondition {
    /// Whether the condition holds for `mail`.
    pub fn matches(&self, mail: &InboundMail) -> bool {
        let hit = |v: &str| compare(self.op, v, &self.value);
        match &self.field {
            RuleField::To => mail.to.iter().any(|a| hit(&a.email)),
            RuleField::Cc => mail.cc.iter().any(|a| hit(&a.email)),
            RuleField::From => mail.from.iter().any(|a| hit(&a.email)),
            RuleField::Subject => hit(&mail.subject),
            RuleField::Header(name) => mail.header_all(name).any(hit),
        }
    }
}

/// The actions of the first rule whose conditions all hold, if any.
///
/// ```
/// use helpdesk_core::mail::{parse, ParseLimits, IncomingRule, RuleCondition, RuleField, RuleOp, RuleActions, first_matching_rule};
/// use helpdesk_core::model::Priority;
/// let mail = parse(b"From: a@vip.example\r\nTo: support@shop.example\r\nSubject: Refund\r\n\r\nhi", &ParseLimits::default()).unwrap();
/// let rules = vec![IncomingRule {
///     name: "VIP".into(),
///     conditions: vec![RuleCondition { field: RuleField::From, op: RuleOp::EndsWith, value: "@vip.example".into() }],
///     actions: RuleActions { priority: Some(Priority::High), ..Default::default() },
/// }];
/// assert_eq!(first_matching_rule(&rules, &mail).and_then(|a| a.priority), Some(Priority::High));
/// ```
pub fn first_matching_rule<'a>(
    rules: &'a [IncomingRule],
    mail: &InboundMail,
) -> Option<&'a RuleActions> {
    rules
        .iter()
        .find(|r| r.conditions.iter().all(|c| c.matches(mail)))
        .map(|r| &r.actions)
}
