//! The [`Filter`] AST: which tickets a list shows.

use crate::lifecycle::State;
use crate::model::{
    AgentId, CategoryId, Channel, ContactId, OrganizationId, Priority, QueueId, TeamId, TicketKind,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::ops::{BitAnd, BitOr, Not};

/// The deepest filter a [`Query`](crate::query::Query) accepts (nesting of
/// `and` / `or` / `not`); deeper filters are refused with
/// [`Error::Validation`](crate::Error::Validation).
pub const MAX_FILTER_DEPTH: usize = 32;

/// A filter over tickets: a tree of predicates combined with `and`, `or` and
/// `not`. It is plain data (serde), so it can be saved in a
/// [`View`](crate::query::View) or sent by a client; stores evaluate it
/// (the memory store with [`Filter::matches`], SQL stores by compiling it to
/// a `WHERE` clause with bound parameters).
///
/// Predicates that say "me" (`assignee: me`, [`Filter::UnreadByMe`],
/// [`Filter::FollowedByMe`], [`Filter::FavouriteOfMe`]) refer to the agent
/// the query runs for ([`Query::me`](crate::query::Query::me)), so one saved
/// view shows each agent their own tickets.
///
/// Lists of values mean "one of": `State(vec![Open, Pending])` matches
/// tickets that are Open or Pending, an empty list matches nothing. For
/// optional fields, `None` in the list matches tickets where the field is not
/// set.
///
/// **Merged tickets** (with `merged_into` set) are left out of every result
/// unless the filter mentions [`Filter::Merged`] somewhere (in any position,
/// even under `not`): then the filter alone decides. So `Filter::Merged`
/// lists only merged tickets and `Filter::Merged | !Filter::Merged` lists all.
///
/// ```
/// use helpdesk_core::lifecycle::State;
/// use helpdesk_core::query::{AssigneeMatch, Filter, TagMatch};
///
/// // Open tickets of mine tagged "vip" or "refund", not mentioning "test".
/// let f = Filter::State(vec![State::Open])
///     & Filter::Assignee(AssigneeMatch::Me)
///     & Filter::Tags(TagMatch::HasAny(vec!["vip".into(), "refund".into()]))
///     & !Filter::Text("test".into());
/// let json = serde_json::to_string(&f).unwrap();
/// assert!(json.starts_with(r#"{"and":[{"state":["open"]},{"assignee":"me"}"#));
/// assert_eq!(serde_json::from_str::<Filter>(&json).unwrap(), f);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Filter {
    /// Every ticket (the empty filter).
    #[default]
    All,
    /// All of the filters hold (`and` of nothing is true).
    And(Vec<Filter>),
    /// Any of the filters holds (`or` of nothing is false).
    Or(Vec<Filter>),
    /// The filter does not hold.
    Not(Box<Filter>),
    /// The lifecycle state is one of these.
    State(Vec<State>),
    /// The status label is one of these (compared exactly; `None` = no status).
    Status(Vec<Option<String>>),
    /// Who owns the ticket.
    Assignee(AssigneeMatch),
    /// The team is one of these (`None` = no team).
    Team(Vec<Option<TeamId>>),
    /// The queue is one of these (`None` = no queue).
    Queue(Vec<Option<QueueId>>),
    /// The category is one of these (`None` = no category).
    Category(Vec<Option<CategoryId>>),
    /// The priority is one of these.
    Priority(Vec<Priority>),
    /// The kind of the ticket's channel is one of these.
    Channel(Vec<ChannelKind>),
    /// The ticket kind is one of these.
    Kind(Vec<TicketKind>),
    /// Tags.
    Tags(TagMatch),
    /// The requester is one of these contacts.
    Requester(Vec<ContactId>),
    /// The requester's organization is one of these (`None` = the requester
    /// belongs to no organization). Stores join the contact to answer it.
    Organization(Vec<Option<OrganizationId>>),
    /// Created in the range.
    Created(TimeRange),
    /// Last changed in the range.
    Updated(TimeRange),
    /// The last inbound message arrived in the range (tickets without an
    /// inbound message never match).
    LastInbound(TimeRange),
    /// The next SLA due time ([`SlaDue::next_due`](crate::model::SlaDue::next_due))
    /// is in the range (tickets without a running deadline never match).
    Due(TimeRange),
    /// Unread by me: `unread_by_owner` is set and I am the assignee.
    UnreadByMe,
    /// I follow the ticket.
    FollowedByMe,
    /// The ticket is one of my favourites
    /// ([`Store::set_favourite`](crate::ports::Store::set_favourite)).
    FavouriteOfMe,
    /// Full-text search by word prefixes: every word of the text is a
    /// prefix of some word of the subject or of the text of some message of
    /// the ticket (notes included; the words may come from different
    /// messages). Words are the maximal runs of letters and digits,
    /// lowercased; see [`words`](crate::query::words) for the exact rules
    /// and caps (long words are cut to 64 characters; only the first
    /// 32 words of the search count, and of each subject or message text
    /// the words up to 32,768 distinct words or 256 KiB of them). So `"invo"` finds "Invoice", `"ŻÓŁW"` finds "żółwie",
    /// `"lamp broken"` finds a ticket "Lamp" whose message says "broken",
    /// but `"voice"` does not find "invoice" (not a substring search), and
    /// there is no stemming. A text without words (empty, punctuation
    /// only) matches all.
    Text(String),
    /// The ticket was merged into another (`merged_into` is set). Mentioning
    /// it anywhere turns off the default exclusion of merged tickets.
    Merged,
}

/// Who owns a ticket, for [`Filter::Assignee`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AssigneeMatch {
    /// The agent the query runs for.
    Me,
    /// Nobody (unassigned).
    None,
    /// Somebody (assigned to any agent).
    Any,
    /// This agent.
    Agent(AgentId),
}

/// Tag conditions, for [`Filter::Tags`]. Tags are compared exactly (they
/// are stored trimmed, see [`normalize_tag`](crate::fields::normalize_tag)).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TagMatch {
    /// At least one of the tags (none given: false).
    HasAny(Vec<String>),
    /// Every one of the tags (none given: true).
    HasAll(Vec<String>),
    /// None of the tags (none given: true).
    HasNone(Vec<String>),
}

/// The kind of a [`Channel`], without its details (marketplace name,
/// account), for [`Filter::Channel`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChannelKind {
    /// [`Channel::Email`].
    Email,
    /// [`Channel::Phone`].
    Phone,
    /// [`Channel::Sms`].
    Sms,
    /// [`Channel::Chat`].
    Chat,
    /// [`Channel::Web`].
    Web,
    /// [`Channel::Api`].
    Api,
    /// [`Channel::Marketplace`], any marketplace.
    Marketplace,
}

impl ChannelKind {
    /// All kinds.
    pub const ALL: [ChannelKind; 7] = [
        ChannelKind::Email,
        ChannelKind::Phone,
        ChannelKind::Sms,
        ChannelKind::Chat,
        ChannelKind::Web,
        ChannelKind::Api,
        ChannelKind::Marketplace,
    ];

    /// The kind of `channel`.
    ///
    /// ```
    /// use helpdesk_core::model::Channel;
    /// use helpdesk_core::query::ChannelKind;
    /// let allegro = Channel::Marketplace { marketplace: "allegro".into(), account: None };
    /// assert_eq!(ChannelKind::of(&allegro), ChannelKind::Marketplace);
    /// ```
    pub fn of(channel: &Channel) -> Self {
        match channel {
            Channel::Email => ChannelKind::Email,
            Channel::Phone => ChannelKind::Phone,
            Channel::Sms => ChannelKind::Sms,
            Channel::Chat => ChannelKind::Chat,
            Channel::Web => ChannelKind::Web,
            Channel::Api => ChannelKind::Api,
            Channel::Marketplace { .. } => ChannelKind::Marketplace,
        }
    }
}

/// A half-open time range `[from, until)`; a missing bound is open.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use helpdesk_core::query::TimeRange;
/// let t = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
/// assert!(TimeRange::from(t).contains(t));
/// assert!(!TimeRange::until(t).contains(t));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct TimeRange {
    /// Inclusive lower bound.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<DateTime<Utc>>,
    /// Exclusive upper bound.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<DateTime<Utc>>,
}

impl TimeRange {
    /// `[from, until)`.
    pub fn between(from: DateTime<Utc>, until: DateTime<Utc>) -> Self {
        Self {
            from: Some(from),
            until: Some(until),
        }
    }

    /// At or after `from`.
    pub fn from(from: DateTime<Utc>) -> Self {
        Self {
            from: Some(from),
            until: None,
        }
    }

    /// Before `until`.
    pub fn until(until: DateTime<Utc>) -> Self {
        Self {
            from: None,
            until: Some(until),
        }
    }

    /// Whether `t` is in the range.
    pub fn contains(&self, t: DateTime<Utc>) -> bool {
        self.from.is_none_or(|f| t >= f) && self.until.is_none_or(|u| t < u)
    }

    /// Whether an optional time is in the range (`None` never is).
    pub fn contains_opt(&self, t: Option<DateTime<Utc>>) -> bool {
        t.is_some_and(|t| self.contains(t))
    }
}

impl Filter {
    /// `and` of the filters (flattening nested `and`s).
    pub fn all_of(filters: impl IntoIterator<Item = Filter>) -> Self {
        let mut out = Vec::new();
        for f in filters {
            match f {
                Filter::And(inner) => out.extend(inner),
                Filter::All => {}
                other => out.push(other),
            }
        }
        if out.len() == 1 {
            out.pop().unwrap_or_default()
        } else {
            Filter::And(out)
        }
    }

    /// `or` of the filters (flattening nested `or`s).
    pub fn any_of(filters: impl IntoIterator<Item = Filter>) -> Self {
        let mut out = Vec::new();
        for f in filters {
            match f {
                Filter::Or(inner) => out.extend(inner),
                other => out.push(other),
            }
        }
        if out.len() == 1 {
            out.pop().unwrap_or_default()
        } else {
            Filter::Or(out)
        }
    }

    /// Whether [`Filter::Merged`] occurs anywhere in the tree: then merged
    /// tickets are not excluded by default.
    pub fn mentions_merged(&self) -> bool {
        match self {
            Filter::Merged => true,
            Filter::And(fs) | Filter::Or(fs) => fs.iter().any(Filter::mentions_merged),
            Filter::Not(f) => f.mentions_merged(),
            _ => false,
        }
    }

    /// Nesting depth: 1 for a predicate, 1 + the deepest child for
    /// `and` / `or` / `not`.
    pub fn depth(&self) -> usize {
        match self {
            Filter::And(fs) | Filter::Or(fs) => 1 + fs.iter().map(Filter::depth).max().unwrap_or(0),
            Filter::Not(f) => 1 + f.depth(),
            _ => 1,
        }
    }
}

impl BitAnd for Filter {
    type Output = Filter;
    fn bitand(self, rhs: Filter) -> Filter {
        Filter::all_of([self, rhs])
    }
}

impl BitOr for Filter {
    type Output = Filter;
    fn bitor(self, rhs: Filter) -> Filter {
        Filter::any_of([self, rhs])
    }
}

impl Not for Filter {
    type Output = Filter;
    fn not(self) -> Filter {
        match self {
            Filter::Not(inner) => *inner,
            other => Filter::Not(Box::new(other)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn combinators_flatten() {
        let f = Filter::Merged & Filter::UnreadByMe & Filter::FollowedByMe;
        assert_eq!(
            f,
            Filter::And(vec![
                Filter::Merged,
                Filter::UnreadByMe,
                Filter::FollowedByMe
            ])
        );
        assert_eq!(!!Filter::Merged, Filter::Merged);
        assert_eq!(Filter::All & Filter::Merged, Filter::Merged);
        assert_eq!((Filter::Merged | Filter::UnreadByMe).depth(), 2);
        assert!((!Filter::Merged | Filter::UnreadByMe).mentions_merged());
        assert!(!Filter::UnreadByMe.mentions_merged());
    }
}
