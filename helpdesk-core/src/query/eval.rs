//! Pure, in-memory evaluation of queries: [`Filter::matches`] on one
//! ticket, and paging, counting and navigation over a set of tickets held in
//! memory. The memory store is built on these; any store that can hand over
//! its tickets can reuse them.

use crate::error::Result;
use crate::model::{AgentId, ContactId, OrganizationId, Ticket, TicketId};
use crate::query::cursor::Cursor;
use crate::query::filter::{AssigneeMatch, ChannelKind, Filter, TagMatch};
use crate::query::sort::Sort;
use crate::query::words::WordSearch;
use crate::query::{Neighbours, Page, Query};
use std::cmp::Ordering;

/// What evaluating a filter needs beyond the ticket row: the data a store
/// joins (the requester's organization, per-agent favourites, message
/// texts).
pub trait Joins {
    /// The organization of a contact, if any.
    fn organization_of(&self, contact: ContactId) -> Option<OrganizationId>;
    /// Whether `ticket` is a favourite of `agent`.
    fn is_favourite(&self, agent: AgentId, ticket: TicketId) -> bool;
    /// Feeds the text ([`Message::text`](crate::model::Message::text)) of
    /// every message of `ticket` to `search` with
    /// [`WordSearch::feed`] (or the [`words`](crate::query::words::words)
    /// of each text, kept from an earlier call, with
    /// [`WordSearch::feed_words`]). It may stop as soon as
    /// [`search.is_complete()`](WordSearch::is_complete).
    fn search_messages(&self, ticket: TicketId, search: &mut WordSearch);
}

/// [`Joins`] with nothing to join: no organizations, no favourites, no
/// messages (text search looks at subjects only).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoJoins;

impl Joins for NoJoins {
    fn organization_of(&self, _: ContactId) -> Option<OrganizationId> {
        None
    }
    fn is_favourite(&self, _: AgentId, _: TicketId) -> bool {
        false
    }
    fn search_messages(&self, _: TicketId, _: &mut WordSearch) {}
}

/// The context a filter is evaluated in: who "me" is, and the joins.
#[derive(Clone, Copy)]
pub struct EvalContext<'a> {
    /// The agent the query runs for.
    pub me: AgentId,
    /// Joined data.
    pub joins: &'a dyn Joins,
}

impl std::fmt::Debug for EvalContext<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EvalContext")
            .field("me", &self.me)
            .finish_non_exhaustive()
    }
}

impl<'a> EvalContext<'a> {
    /// A context for `me` over `joins`.
    pub fn new(me: AgentId, joins: &'a dyn Joins) -> Self {
        Self { me, joins }
    }
}

fn one_of<T: PartialEq>(list: &[T], value: &T) -> bool {
    list.contains(value)
}

impl Filter {
    /// Whether `ticket` is in the result of this filter: the filter holds
    /// and, unless it mentions [`Filter::Merged`], the ticket is not merged.
    ///
    /// ```
    /// use chrono::Utc;
    /// use helpdesk_core::model::{AgentId, Channel, ContactId, Ticket, TicketId, WorkspaceId};
    /// use helpdesk_core::query::{AssigneeMatch, EvalContext, Filter, NoJoins};
    ///
    /// let me = AgentId::new();
    /// let mut t = Ticket::new(WorkspaceId::new(), "Lamp", ContactId::new(), Channel::Email, Utc::now());
    /// t.assignee = Some(me);
    /// let ctx = EvalContext::new(me, &NoJoins);
    /// assert!(Filter::Assignee(AssigneeMatch::Me).matches(&t, &ctx));
    /// assert!(Filter::Text("LAMP".into()).matches(&t, &ctx));
    /// assert!(Filter::Text("la".into()).matches(&t, &ctx), "a word prefix");
    /// assert!(!Filter::Text("amp".into()).matches(&t, &ctx), "not a substring");
    /// t.merged_into = Some(TicketId::new());
    /// assert!(!Filter::All.matches(&t, &ctx));
    /// assert!(Filter::Merged.matches(&t, &ctx));
    /// ```
    pub fn matches(&self, ticket: &Ticket, ctx: &EvalContext<'_>) -> bool {
        (ticket.merged_into.is_none() || self.mentions_merged()) && self.eval(ticket, ctx)
    }

    /// Whether the filter holds on `ticket`, without the default exclusion
    /// of merged tickets.
    pub fn eval(&self, t: &Ticket, ctx: &EvalContext<'_>) -> bool {
        match self {
            Filter::All => true,
            Filter::And(fs) => fs.iter().all(|f| f.eval(t, ctx)),
            Filter::Or(fs) => fs.iter().any(|f| f.eval(t, ctx)),
            Filter::Not(f) => !f.eval(t, ctx),
            Filter::State(list) => one_of(list, &t.state),
            Filter::Status(list) => one_of(list, &t.status),
            Filter::Assignee(m) => match m {
                AssigneeMatch::Me => t.assignee == Some(ctx.me),
                AssigneeMatch::None => t.assignee.is_none(),
                AssigneeMatch::Any => t.assignee.is_some(),
                AssigneeMatch::Agent(a) => t.assignee == Some(*a),
            },
            Filter::Team(list) => one_of(list, &t.team),
            Filter::Queue(list) => one_of(list, &t.queue),
            Filter::Category(list) => one_of(list, &t.category),
            Filter::Priority(list) => one_of(list, &t.priority),
            Filter::Channel(list) => one_of(list, &ChannelKind::of(&t.channel)),
            Filter::Kind(list) => one_of(list, &t.kind),
            Filter::Tags(m) => match m {
                TagMatch::HasAny(tags) => tags.iter().any(|x| t.tags.contains(x)),
                TagMatch::HasAll(tags) => tags.iter().all(|x| t.tags.contains(x)),
                TagMatch::HasNone(tags) => !tags.iter().any(|x| t.tags.contains(x)),
            },
            Filter::Requester(list) => one_of(list, &t.requester),
            Filter::Organization(list) => one_of(list, &ctx.joins.organization_of(t.requester)),
            Filter::Created(r) => r.contains(t.times.created),
            Filter::Updated(r) => r.contains(t.times.updated),
            Filter::LastInbound(r) => r.contains_opt(t.times.last_inbound),
            Filter::Due(r) => r.contains_opt(t.sla.next_due()),
            Filter::UnreadByMe => t.unread_by_owner && t.assignee == Some(ctx.me),
            Filter::FollowedByMe => t.followers.contains(&ctx.me),
            Filter::FavouriteOfMe => ctx.joins.is_favourite(ctx.me, t.id),
            Filter::Text(text) => {
                let mut search = WordSearch::new(text);
                search.feed(&t.subject);
                if !search.is_complete() {
                    ctx.joins.search_messages(t.id, &mut search);
                }
                search.is_complete()
            }
            Filter::Merged => t.merged_into.is_some(),
        }
    }
}

/// One page of `query` over `tickets` (all tickets of one workspace), in
/// memory: filter, keep the rows after the cursor, pick the first
/// `limit` in the sort order. O(n) in the number of tickets plus
/// O(limit log limit); `next` is set only when more rows follow.
pub fn page_in<'t>(
    tickets: impl IntoIterator<Item = &'t Ticket>,
    query: &Query,
    joins: &dyn Joins,
) -> Result<Page> {
    query.validate()?;
    let after = query
        .after
        .as_ref()
        .map(|c| c.position(&query.sort))
        .transpose()?;
    let ctx = EvalContext::new(query.me, joins);
    let keep_merged = query.filter.mentions_merged();
    let sort = &query.sort;
    let mut rows: Vec<&Ticket> = tickets
        .into_iter()
        .filter(|t| {
            after
                .as_ref()
                .is_none_or(|p| sort.compare_to(t, p) == Ordering::Greater)
                && (keep_merged || t.merged_into.is_none())
                && query.filter.eval(t, &ctx)
        })
        .collect();
    let more = rows.len() > query.limit;
    if more {
        rows.select_nth_unstable_by(query.limit, |a, b| sort.compare(a, b));
        rows.truncate(query.limit);
    }
    rows.sort_unstable_by(|a, b| sort.compare(a, b));
    let next = if more {
        rows.last().map(|t| Cursor::after(sort, t))
    } else {
        None
    };
    Ok(Page {
        tickets: rows.into_iter().cloned().collect(),
        next,
    })
}

/// How many of `tickets` match `filter` for `me`, in memory. O(n).
pub fn count_in<'t>(
    tickets: impl IntoIterator<Item = &'t Ticket>,
    filter: &Filter,
    me: AgentId,
    joins: &dyn Joins,
) -> Result<u64> {
    crate::query::check_filter(filter)?;
    let ctx = EvalContext::new(me, joins);
    let keep_merged = filter.mentions_merged();
    Ok(tickets
        .into_iter()
        .filter(|t| (keep_merged || t.merged_into.is_none()) && filter.eval(t, &ctx))
        .count() as u64)
}

/// The tickets just before and just after `current` among the `tickets`
/// matching `filter`, in `sort`, in memory. `current` need not match the
/// filter itself (it may just have left the view). O(n).
pub fn neighbours_in<'t>(
    tickets: impl IntoIterator<Item = &'t Ticket>,
    filter: &Filter,
    sort: &Sort,
    me: AgentId,
    joins: &dyn Joins,
    current: &Ticket,
) -> Result<Neighbours> {
    crate::query::check_filter(filter)?;
    sort.validate()?;
    let ctx = EvalContext::new(me, joins);
    let position = sort.position(current);
    let mut previous: Option<&Ticket> = None;
    let mut next: Option<&Ticket> = None;
    for t in tickets {
        if t.id == current.id || !filter.matches(t, &ctx) {
            continue;
        }
        match sort.compare_to(t, &position) {
            Ordering::Less => {
                if previous.is_none_or(|p| sort.compare(t, p) == Ordering::Greater) {
                    previous = Some(t);
                }
            }
            Ordering::Greater => {
                if next.is_none_or(|n| sort.compare(t, n) == Ordering::Less) {
                    next = Some(t);
                }
            }
            Ordering::Equal => {}
        }
    }
    Ok(Neighbours {
        previous: previous.cloned(),
        next: next.cloned(),
    })
}
