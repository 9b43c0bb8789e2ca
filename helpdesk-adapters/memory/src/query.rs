//! Queries, views and favourites of the memory store, on the pure
//! evaluation of `helpdesk_core::query`. Every query scans the workspace's
//! tickets: O(n) per page, count or navigation (plus O(limit log limit) to
//! order a page); a text filter also splits into words the subject and
//! the messages of each ticket it looks at (with the core tokeniser,
//! `helpdesk_core::query::words`, on the fly: nothing is cached).

use crate::workspace::Workspace;
use helpdesk_core::model::{AgentId, ContactId, OrganizationId, TicketId};
use helpdesk_core::query::{
    self, Filter, Joins, Neighbours, Page, Query, Sort, View, ViewId, ViewOwner, WordSearch,
};
use helpdesk_core::{Error, Result};

impl Joins for Workspace {
    fn organization_of(&self, contact: ContactId) -> Option<OrganizationId> {
        self.contacts.get(&contact).and_then(|c| c.organization)
    }

    fn is_favourite(&self, agent: AgentId, ticket: TicketId) -> bool {
        self.favourites
            .get(&agent)
            .is_some_and(|set| set.contains(&ticket))
    }

    fn search_messages(&self, ticket: TicketId, search: &mut WordSearch) {
        let Some(ids) = self.messages_by_ticket.get(&ticket) else {
            return;
        };
        for m in ids.iter().filter_map(|id| self.messages.get(id)) {
            search.feed(&m.text);
            if search.is_complete() {
                return;
            }
        }
    }
}

impl Workspace {
    pub(crate) fn query_tickets(&self, query: &Query) -> Result<Page> {
        query::page_in(self.tickets.values().map(|t| &**t), query, self)
    }

    pub(crate) fn count_tickets(&self, filter: &Filter, me: AgentId) -> Result<u64> {
        query::count_in(self.tickets.values().map(|t| &**t), filter, me, self)
    }

    pub(crate) fn neighbours(
        &self,
        filter: &Filter,
        sort: &Sort,
        me: AgentId,
        ticket: TicketId,
    ) -> Result<Neighbours> {
        let current = self
            .tickets
            .get(&ticket)
            .ok_or_else(|| Error::not_found("ticket", ticket))?;
        query::neighbours_in(
            self.tickets.values().map(|t| &**t),
            filter,
            sort,
            me,
            self,
            current,
        )
    }

    pub(crate) fn views_of(&self, owner: ViewOwner) -> Vec<View> {
        let mut out: Vec<View> = self
            .views
            .values()
            .filter(|v| v.owner == owner)
            .cloned()
            .collect();
        out.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
        out
    }

    pub(crate) fn delete_view(&mut self, id: ViewId) -> Result<()> {
        self.views
            .remove(&id)
            .map(|_| ())
            .ok_or_else(|| Error::not_found("view", id))
    }

    pub(crate) fn set_favourite(
        &mut self,
        agent: AgentId,
        ticket: TicketId,
        favourite: bool,
    ) -> Result<()> {
        if !self.tickets.contains_key(&ticket) {
            return Err(Error::not_found("ticket", ticket));
        }
        if favourite {
            self.favourites.entry(agent).or_default().insert(ticket);
        } else if let Some(set) = self.favourites.get_mut(&agent) {
            set.remove(&ticket);
        }
        Ok(())
    }

    pub(crate) fn favourites_of(&self, agent: AgentId) -> Vec<TicketId> {
        let mut out: Vec<(u64, TicketId)> = self
            .favourites
            .get(&agent)
            .map(|set| {
                set.iter()
                    .filter_map(|id| self.tickets.get(id).map(|t| (t.number.0, *id)))
                    .collect()
            })
            .unwrap_or_default();
        out.sort_unstable();
        out.into_iter().map(|(_, id)| id).collect()
    }
}
