//! Exporting a list of tickets to CSV.

use super::Helpdesk;
use crate::error::{Error, Result};
use crate::model::{AgentId, ContactId, OrganizationId, Ticket, WorkspaceId};
use crate::ports::{DirectoryRecord, RecordId};
use crate::query::{Column, Filter, Query, Sort};
use std::collections::HashMap;
use std::io::Write;

/// The header text of a column.
fn header(column: &Column) -> String {
    match column {
        Column::Number => "number".into(),
        Column::Subject => "subject".into(),
        Column::Requester => "requester".into(),
        Column::Organization => "organization".into(),
        Column::State => "state".into(),
        Column::Status => "status".into(),
        Column::Assignee => "assignee".into(),
        Column::Team => "team".into(),
        Column::Queue => "queue".into(),
        Column::Category => "category".into(),
        Column::Priority => "priority".into(),
        Column::Channel => "channel".into(),
        Column::Kind => "kind".into(),
        Column::Tags => "tags".into(),
        Column::Created => "created".into(),
        Column::Updated => "updated".into(),
        Column::LastActivity => "last_activity".into(),
        Column::Due => "due".into(),
        Column::Unread => "unread".into(),
        Column::CustomField(name) => name.clone(),
    }
}

/// Names of referenced entities, looked up once per export.
#[derive(Default)]
struct Names {
    contacts: HashMap<ContactId, (String, Option<OrganizationId>)>,
    records: HashMap<RecordId, String>,
}

fn record_name(record: &DirectoryRecord) -> String {
    match record {
        DirectoryRecord::Agent(a) => a.name.clone(),
        DirectoryRecord::Team(t) => t.name.clone(),
        DirectoryRecord::Queue(q) => q.name.clone(),
        DirectoryRecord::Category(c) => c.name.clone(),
        DirectoryRecord::Organization(o) => o.name.clone(),
        DirectoryRecord::SlaPolicy(p) => p.name.clone(),
        DirectoryRecord::Settings(_) => String::new(),
    }
}

impl Helpdesk {
    /// The name of a directory record (its id when it is gone).
    async fn name(
        &self,
        ws: WorkspaceId,
        names: &mut Names,
        id: Option<RecordId>,
    ) -> Result<String> {
        let Some(id) = id else {
            return Ok(String::new());
        };
        if let Some(name) = names.records.get(&id) {
            return Ok(name.clone());
        }
        let name = match self.store.record(ws, id).await? {
            Some(r) => record_name(&r),
            None => format!("{id:?}"),
        };
        names.records.insert(id, name.clone());
        Ok(name)
    }

    /// The requester's email and organization.
    async fn requester(
        &self,
        ws: WorkspaceId,
        names: &mut Names,
        id: ContactId,
    ) -> Result<(String, Option<OrganizationId>)> {
        if let Some(found) = names.contacts.get(&id) {
            return Ok(found.clone());
        }
        let c = self.store.contact(ws, id).await?;
        let found = (
            c.as_ref()
                .and_then(|c| c.emails.first().cloned())
                .unwrap_or_default(),
            c.and_then(|c| c.organization),
        );
        names.contacts.insert(id, found.clone());
        Ok(found)
    }

    async fn cell(
        &self,
        ws: WorkspaceId,
        names: &mut Names,
        t: &Ticket,
        column: &Column,
    ) -> Result<String> {
        let time =
            |d: chrono::DateTime<chrono::Utc>| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        Ok(match column {
            Column::Number => t.number.0.to_string(),
            Column::Subject => t.subject.clone(),
            Column::Requester => self.requester(ws, names, t.requester).await?.0,
            Column::Organization => {
                let org = self.requester(ws, names, t.requester).await?.1;
                self.name(ws, names, org.map(RecordId::Organization))
                    .await?
            }
            Column::State => t.state.to_string(),
            Column::Status => t.status.clone().unwrap_or_default(),
            Column::Assignee => {
                self.name(ws, names, t.assignee.map(RecordId::Agent))
                    .await?
            }
            Column::Team => self.name(ws, names, t.team.map(RecordId::Team)).await?,
            Column::Queue => self.name(ws, names, t.queue.map(RecordId::Queue)).await?,
            Column::Category => {
                self.name(ws, names, t.category.map(RecordId::Category))
                    .await?
            }
            Column::Priority => format!("{:?}", t.priority).to_lowercase(),
            Column::Channel => t.channel.to_string(),
            Column::Kind => format!("{:?}", t.kind).to_lowercase(),
            Column::Tags => t.tags.iter().cloned().collect::<Vec<_>>().join(" "),
            Column::Created => time(t.times.created),
            Column::Updated => time(t.times.updated),
            Column::LastActivity => time(crate::query::last_activity(t)),
            Column::Due => t.sla.next_due().map(time).unwrap_or_default(),
            Column::Unread => t.unread_by_owner.to_string(),
            Column::CustomField(name) => match t.custom_fields.get(name) {
                None => String::new(),
                Some(serde_json::Value::String(s)) => s.clone(),
                Some(v) => v.to_string(),
            },
        })
    }

    /// Writes the tickets matching `filter` (for `me`, in `sort`) as CSV
    /// (RFC 4180 quoting) with a header row of the chosen `columns`,
    /// streaming page by page: memory stays bounded by one page. Returns the
    /// number of rows written (without the header).
    ///
    /// ```
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// use helpdesk_core::engine::{Helpdesk, NewTicket};
    /// use helpdesk_core::model::{AgentId, WorkspaceId};
    /// use helpdesk_core::query::{Column, Filter, Sort, SortKey};
    /// use std::sync::Arc;
    ///
    /// let desk = Helpdesk::builder(Arc::new(helpdesk_memory::MemoryStore::new())).build();
    /// let ws = WorkspaceId::new();
    /// desk.create_ticket(ws, NewTicket::from_customer("ann@example.com", "Lamp, \"broken\"", "x")).await?;
    /// let mut out = Vec::new();
    /// let rows = desk
    ///     .export_csv(ws, &Filter::All, &Sort::asc(SortKey::Number), AgentId::new(),
    ///                 &[Column::Number, Column::Subject, Column::Requester], &mut out)
    ///     .await?;
    /// assert_eq!(rows, 1);
    /// assert_eq!(String::from_utf8(out).unwrap(), "number,subject,requester\n1,\"Lamp, \"\"broken\"\"\",ann@example.com\n");
    /// # Ok::<(), helpdesk_core::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn export_csv<W: Write + Send>(
        &self,
        workspace: WorkspaceId,
        filter: &Filter,
        sort: &Sort,
        me: AgentId,
        columns: &[Column],
        out: W,
    ) -> Result<u64> {
        let io = |e: csv::Error| Error::Storage(Box::new(e));
        let mut writer = csv::Writer::from_writer(out);
        writer
            .write_record(columns.iter().map(header))
            .map_err(io)?;
        let mut names = Names::default();
        let mut query = Query::new(me)
            .filter(filter.clone())
            .sort(sort.clone())
            .limit(200);
        let mut rows = 0u64;
        loop {
            let page = self.store.query_tickets(workspace, &query).await?;
            for t in &page.tickets {
                let mut record = Vec::with_capacity(columns.len());
                for c in columns {
                    record.push(self.cell(workspace, &mut names, t, c).await?);
                }
                writer.write_record(&record).map_err(io)?;
                rows += 1;
            }
            writer.flush().map_err(|e| Error::Storage(Box::new(e)))?;
            match page.next {
                Some(next) => query = query.after(Some(next)),
                None => return Ok(rows),
            }
        }
    }
}
