//! Counters for badges, and the views an agent sees.

use crate::error::Result;
use crate::model::{AgentId, WorkspaceId};
use crate::ports::Store;
use crate::query::filter::Filter;
use crate::query::view::{BuiltinView, View, ViewId, ViewOwner};

/// The number of tickets in one view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ViewCount {
    /// The view.
    pub view: ViewId,
    /// How many tickets it lists for the agent.
    pub count: u64,
}

/// The counts of `views` for `me` (one
/// [`count_tickets`](Store::count_tickets) per view; in the memory store each
/// is a scan of the workspace's tickets, O(views × tickets)).
pub async fn count_views<S: Store + ?Sized>(
    store: &S,
    workspace: WorkspaceId,
    me: AgentId,
    views: &[View],
) -> Result<Vec<ViewCount>> {
    let mut out = Vec::with_capacity(views.len());
    for view in views {
        out.push(ViewCount {
            view: view.id,
            count: store.count_tickets(workspace, &view.filter, me).await?,
        });
    }
    Ok(out)
}

/// The overall unread counter of `agent`: tickets assigned to them with
/// `unread_by_owner` set (merged tickets left out).
pub async fn unread_count<S: Store + ?Sized>(
    store: &S,
    workspace: WorkspaceId,
    agent: AgentId,
) -> Result<u64> {
    store
        .count_tickets(workspace, &Filter::UnreadByMe, agent)
        .await
}

/// Every view `agent` sees: the built-in ones, then the workspace-wide
/// saved views, then the agent's personal views (each group as the store
/// lists it: by name, then id).
pub async fn visible_views<S: Store + ?Sized>(
    store: &S,
    workspace: WorkspaceId,
    agent: AgentId,
) -> Result<Vec<View>> {
    let mut out = BuiltinView::views();
    out.extend(store.views(workspace, ViewOwner::Workspace).await?);
    out.extend(store.views(workspace, ViewOwner::Agent(agent)).await?);
    Ok(out)
}
