//! Queries over tickets (DESIGN.md §8): a [`Filter`] AST, [`Sort`] orders
//! with a unique tiebreak, keyset [`Cursor`]s, saved [`View`]s (workspace-wide
//! and personal, plus the [`BuiltinView`]s), counters and previous / next
//! navigation.
//!
//! Stores answer queries through the [`Store`] methods
//! [`query_tickets`](crate::ports::Store::query_tickets),
//! [`count_tickets`](crate::ports::Store::count_tickets) and
//! [`neighbours`](crate::ports::Store::neighbours); views and favourites are stored with
//! [`save_view`](crate::ports::Store::save_view) and friends and
//! [`set_favourite`](crate::ports::Store::set_favourite). The pure evaluation
//! ([`Filter::matches`], [`Sort::compare`], and the in-memory [`page_in`],
//! [`count_in`], [`neighbours_in`]) lives here so every store can reuse it,
//! and so does the tokeniser of full-text search ([`words`]), so every store
//! finds the same tickets for a [`Filter::Text`].
//!
//! ```
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! use helpdesk_core::engine::{Helpdesk, NewTicket};
//! use helpdesk_core::model::{AgentId, Priority, WorkspaceId};
//! use helpdesk_core::query::{Filter, Query, Sort, SortKey};
//! use std::sync::Arc;
//!
//! let desk = Helpdesk::builder(Arc::new(helpdesk_memory::MemoryStore::new())).build();
//! let (ws, me) = (WorkspaceId::new(), AgentId::new());
//! for i in 0..5 {
//!     let new = NewTicket::from_customer("ann@example.com", &format!("Question {i}"), "Hi")
//!         .priority(if i % 2 == 0 { Priority::High } else { Priority::Low });
//!     desk.create_ticket(ws, new).await?;
//! }
//! let query = Query::new(me)
//!     .filter(Filter::Priority(vec![Priority::High]))
//!     .sort(Sort::asc(SortKey::Number))
//!     .limit(2);
//! let first = desk.store().query_tickets(ws, &query).await?;
//! let numbers: Vec<u64> = first.tickets.iter().map(|t| t.number.0).collect();
//! assert_eq!(numbers, [1, 3]);
//! let second = desk.store().query_tickets(ws, &query.clone().after(first.next)).await?;
//! assert_eq!(second.tickets[0].number.0, 5);
//! assert!(second.next.is_none());
//! assert_eq!(desk.store().count_tickets(ws, &query.filter, me).await?, 3);
//! # Ok::<(), helpdesk_core::Error>(())
//! # }).unwrap();
//! ```
//!
//! [`Store`]: crate::ports::Store

mod counts;
mod cursor;
mod eval;
mod filter;
mod nav;
mod sort;
mod view;
pub mod words;

pub use counts::{ViewCount, count_views, unread_count, visible_views};
pub use cursor::Cursor;
pub use eval::{EvalContext, Joins, NoJoins, count_in, neighbours_in, page_in};
pub use filter::{AssigneeMatch, ChannelKind, Filter, MAX_FILTER_DEPTH, TagMatch, TimeRange};
pub use nav::neighbours_by_paging;
pub use sort::{
    MAX_SORT_KEYS, Position, Sort, SortBy, SortKey, SortOrder, SortValue, last_activity,
};
pub use view::{BuiltinView, Column, MAX_VIEW_NAME_LEN, View, ViewId, ViewOwner};
pub use words::WordSearch;

use crate::error::{Error, Result};
use crate::model::{AgentId, Ticket};

/// The largest page a [`Query`] may ask for.
pub const MAX_PAGE_SIZE: usize = 1000;

/// One page request: which tickets, in which order, for whom, how many, and
/// from where.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    /// Which tickets.
    pub filter: Filter,
    /// In which order.
    pub sort: Sort,
    /// The agent the query runs for (the "me" of the filter).
    pub me: AgentId,
    /// Page size, 1 to [`MAX_PAGE_SIZE`].
    pub limit: usize,
    /// Start after this cursor (the `next` of the previous page); `None` =
    /// the first page.
    pub after: Option<Cursor>,
}

impl Query {
    /// The first page of 50 of every (not merged) ticket, newest first, for
    /// `me`.
    pub fn new(me: AgentId) -> Self {
        Self {
            filter: Filter::All,
            sort: Sort::default(),
            me,
            limit: 50,
            after: None,
        }
    }

    /// The first page of `view` for `me`.
    pub fn of_view(view: &View, me: AgentId) -> Self {
        Self::new(me)
            .filter(view.filter.clone())
            .sort(view.sort.clone())
    }

    /// With this filter.
    pub fn filter(mut self, filter: Filter) -> Self {
        self.filter = filter;
        self
    }

    /// With this sort.
    pub fn sort(mut self, sort: Sort) -> Self {
        self.sort = sort;
        self
    }

    /// With this page size.
    pub fn limit(mut self, limit: usize) -> Self {
        self.limit = limit;
        self
    }

    /// Starting after this cursor.
    pub fn after(mut self, cursor: Option<Cursor>) -> Self {
        self.after = cursor;
        self
    }

    /// Checks the query: limit in range, filter not too deep, sort
    /// acceptable. (The cursor is checked against the sort when decoded.)
    pub fn validate(&self) -> Result<()> {
        if self.limit == 0 || self.limit > MAX_PAGE_SIZE {
            return Err(Error::validation(
                "limit",
                format!("the page size is 1 to {MAX_PAGE_SIZE}"),
            ));
        }
        check_filter(&self.filter)?;
        self.sort.validate()
    }
}

/// Refuses filters deeper than [`MAX_FILTER_DEPTH`].
pub(crate) fn check_filter(filter: &Filter) -> Result<()> {
    if filter.depth() > MAX_FILTER_DEPTH {
        return Err(Error::validation(
            "filter",
            format!("filters nest at most {MAX_FILTER_DEPTH} levels"),
        ));
    }
    Ok(())
}

/// One page of tickets.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Page {
    /// The tickets, in the query's order.
    pub tickets: Vec<Ticket>,
    /// Where the next page starts; `None` when this is the last page.
    pub next: Option<Cursor>,
}

/// The tickets before and after one ticket in a list.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Neighbours {
    /// The ticket just before, if any.
    pub previous: Option<Ticket>,
    /// The ticket just after, if any.
    pub next: Option<Ticket>,
}
