//! Previous / next ticket within a list.

use crate::error::{Error, Result};
use crate::model::{AgentId, TicketId, WorkspaceId};
use crate::ports::Store;
use crate::query::cursor::Cursor;
use crate::query::filter::Filter;
use crate::query::sort::Sort;
use crate::query::{Neighbours, Query};

/// Previous / next of `ticket` in the list of `filter` in `sort`, built on
/// [`query_tickets`](Store::query_tickets): two one-row pages from the
/// ticket's position, forwards in `sort` and forwards in
/// [`Sort::reversed`]. A store that pages with cursors can implement
/// [`Store::neighbours`] by calling this.
pub async fn neighbours_by_paging<S: Store + ?Sized>(
    store: &S,
    workspace: WorkspaceId,
    filter: &Filter,
    sort: &Sort,
    me: AgentId,
    ticket: TicketId,
) -> Result<Neighbours> {
    let current = store
        .ticket(workspace, ticket)
        .await?
        .ok_or_else(|| Error::not_found("ticket", ticket))?;
    let step = |sort: Sort| {
        let after = Cursor::after(&sort, &current);
        Query::new(me)
            .filter(filter.clone())
            .sort(sort)
            .limit(1)
            .after(Some(after))
    };
    let next = store.query_tickets(workspace, &step(sort.clone())).await?;
    let previous = store
        .query_tickets(workspace, &step(sort.reversed()))
        .await?;
    Ok(Neighbours {
        previous: previous.tickets.into_iter().next(),
        next: next.tickets.into_iter().next(),
    })
}
