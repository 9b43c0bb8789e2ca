//! The data of one workspace, and the two-phase apply of a commit
//! (check everything, then write everything) that makes commits atomic.

use chrono::{DateTime, Utc};
use helpdesk_core::model::{
    Actor, AgentId, Contact, ContactId, Direction, Event, JobId, Message, MessageId, OutboxId,
    Task, TaskId, Ticket, TicketId, WorkspaceId, normalize_email, normalized_email,
};
use helpdesk_core::ports::{
    Commit, CommitOutcome, ContactWrite, DirectoryRecord, IngestRecord, Job, JobKind, JobWrite,
    MessageUpdate, OutboxItem, OutboxStatus, OutboxWrite, RecordId, TicketWrite,
};
use helpdesk_core::query::{View, ViewId};
use helpdesk_core::{Error, Result};
// foldhash: several times faster than SipHash on these keys, and still
// seeded per map.
use foldhash::{HashMap, HashSet};

/// Everything stored for one workspace.
#[derive(Debug, Default)]
pub(crate) struct Workspace {
    // Tickets and messages are boxed: the tables move only pointers when
    // they grow.
    pub(crate) tickets: HashMap<TicketId, Box<Ticket>>,
    pub(crate) by_number: HashMap<u64, TicketId>,
    pub(crate) last_number: u64,
    pub(crate) messages: HashMap<MessageId, Box<Message>>,
    pub(crate) messages_by_ticket: HashMap<TicketId, Vec<MessageId>>,
    pub(crate) events_by_ticket: HashMap<TicketId, Vec<Event>>,
    pub(crate) contacts: HashMap<ContactId, Contact>,
    pub(crate) contact_by_email: HashMap<String, ContactId>,
    pub(crate) records: HashMap<RecordId, DirectoryRecord>,
    pub(crate) outbox: HashMap<OutboxId, OutboxItem>,
    pub(crate) outbox_by_ticket: HashMap<TicketId, Vec<OutboxId>>,
    pub(crate) jobs: HashMap<(TicketId, JobKind), Job>,
    pub(crate) tasks: HashMap<TaskId, Task>,
    pub(crate) tasks_by_ticket: HashMap<TicketId, Vec<TaskId>>,
    pub(crate) email_ids: HashMap<String, MessageId>,
    /// Ingest records by mailbox, then dedupe key: the ticket and the
    /// message the mail landed as (the rest of the record is its keys).
    pub(crate) ingested: HashMap<String, HashMap<String, (TicketId, MessageId)>>,
    /// Automatic messages per recipient address: when, and which message.
    pub(crate) automatic_sent: HashMap<String, Vec<(DateTime<Utc>, MessageId)>>,
    pub(crate) suppressions: HashMap<String, DateTime<Utc>>,
    pub(crate) checkpoints: HashMap<String, helpdesk_core::ports::MailboxCheckpoint>,
    /// Saved views (see `crate::query`).
    pub(crate) views: HashMap<ViewId, View>,
    /// Favourite tickets per agent.
    pub(crate) favourites: HashMap<AgentId, HashSet<TicketId>>,
}

pub(crate) fn record_id(record: &DirectoryRecord) -> Result<(RecordId, WorkspaceId)> {
    Ok(match record {
        DirectoryRecord::Agent(a) => (RecordId::Agent(a.id), a.workspace),
        DirectoryRecord::Team(t) => (RecordId::Team(t.id), t.workspace),
        DirectoryRecord::Queue(q) => (RecordId::Queue(q.id), q.workspace),
        DirectoryRecord::Category(c) => (RecordId::Category(c.id), c.workspace),
        DirectoryRecord::Organization(o) => (RecordId::Organization(o.id), o.workspace),
        DirectoryRecord::SlaPolicy(p) => (RecordId::SlaPolicy(p.id), p.workspace),
        DirectoryRecord::Settings(s) => (RecordId::Settings(s.workspace), s.workspace),
        other => {
            return Err(Error::validation(
                "directory",
                format!("record kind not supported by the memory store: {other:?}"),
            ));
        }
    })
}

fn foreign(what: &str) -> Error {
    Error::validation(
        "workspace",
        format!("a {what} of another workspace is in the commit"),
    )
}

impl Workspace {
    /// The messages of `ticket`, in time order (then by id).
    pub(crate) fn messages_of(&self, ticket: TicketId) -> Vec<&Message> {
        let mut out: Vec<&Message> = self
            .messages_by_ticket
            .get(&ticket)
            .into_iter()
            .flatten()
            .filter_map(|id| self.messages.get(id).map(|m| &**m))
            .collect();
        out.sort_by_key(|m| (m.created_at, m.id));
        out
    }

    /// Erases the automatic-message log entries of `messages`.
    fn forget_automatic(&mut self, messages: &[MessageId]) {
        for sent in self.automatic_sent.values_mut() {
            sent.retain(|(_, m)| !messages.contains(m));
        }
        self.automatic_sent.retain(|_, sent| !sent.is_empty());
    }

    fn has_job(&self, id: JobId) -> bool {
        self.jobs.values().any(|j| j.id == id)
    }

    /// Phase one: every check that can fail. Reads only.
    fn check(&self, ws: WorkspaceId, commit: &Commit) -> Result<()> {
        // Most commits write a ticket or two, which linear checks handle
        // without sets; bulk commits get sets.
        let bulk = commit.tickets.len() > 16;
        let mut seen: Option<HashSet<TicketId>> = bulk.then(HashSet::default);
        for (i, write) in commit.tickets.iter().enumerate() {
            let t = write.ticket();
            if t.workspace != ws {
                return Err(foreign("ticket"));
            }
            let repeated = match seen.as_mut() {
                Some(set) => !set.insert(t.id),
                None => commit
                    .tickets
                    .get(..i)
                    .unwrap_or_default()
                    .iter()
                    .any(|w| w.ticket().id == t.id),
            };
            if repeated {
                return Err(Error::validation(
                    "tickets",
                    format!("ticket {} is written twice", t.id),
                ));
            }
            match write {
                TicketWrite::Create(t) => {
                    if self.tickets.contains_key(&t.id) {
                        return Err(Error::Conflict(format!("ticket {} already exists", t.id)));
                    }
                    if t.number.0 != 0
                        && (self.by_number.contains_key(&t.number.0)
                            || t.number.0 > self.last_number)
                    {
                        return Err(Error::Conflict(format!(
                            "ticket number {} is taken or was never reserved",
                            t.number
                        )));
                    }
                }
                TicketWrite::Update {
                    ticket,
                    expected_version,
                } => match self.tickets.get(&ticket.id) {
                    None => return Err(Error::not_found("ticket", ticket.id)),
                    Some(stored) if stored.version != *expected_version => {
                        return Err(Error::Conflict(format!(
                            "ticket {} is at version {}, not {expected_version}",
                            ticket.id, stored.version
                        )));
                    }
                    Some(stored) if stored.number != ticket.number => {
                        return Err(Error::validation(
                            "number",
                            "a ticket's number never changes",
                        ));
                    }
                    Some(_) => {}
                },
            }
        }
        // A ticket is known when stored or written by this commit (an
        // update's ticket is stored, checked above).
        let ticket_known = |id: &TicketId| {
            self.tickets.contains_key(id)
                || match &seen {
                    Some(set) => set.contains(id),
                    None => commit.tickets.iter().any(|w| w.ticket().id == *id),
                }
        };
        // Repeats within the commit: most commits write one or two
        // messages, which a linear check handles without a set.
        let many: Option<HashSet<MessageId>> =
            (commit.messages.len() > 16).then(|| commit.messages.iter().map(|m| m.id).collect());
        if many
            .as_ref()
            .is_some_and(|set| set.len() != commit.messages.len())
        {
            return Err(Error::Conflict("a message is written twice".into()));
        }
        let new_message = |id: &MessageId| match &many {
            Some(set) => set.contains(id),
            None => commit.messages.iter().any(|m| m.id == *id),
        };
        for (i, m) in commit.messages.iter().enumerate() {
            if m.workspace != ws {
                return Err(foreign("message"));
            }
            if !ticket_known(&m.ticket) {
                return Err(Error::not_found("ticket", m.ticket));
            }
            let repeated = many.is_none()
                && commit
                    .messages
                    .get(..i)
                    .unwrap_or_default()
                    .iter()
                    .any(|x| x.id == m.id);
            if self.messages.contains_key(&m.id) || repeated {
                return Err(Error::Conflict(format!("message {} already exists", m.id)));
            }
        }
        for u in &commit.message_updates {
            match u {
                MessageUpdate::SendState { id, .. } => {
                    if !self.messages.contains_key(id) && !new_message(id) {
                        return Err(Error::not_found("message", id));
                    }
                }
                MessageUpdate::Redact(m) => {
                    if m.workspace != ws {
                        return Err(foreign("message"));
                    }
                    match self.messages.get(&m.id) {
                        Some(stored) if stored.ticket == m.ticket => {}
                        Some(_) => {
                            return Err(Error::validation(
                                "message",
                                "a message never changes ticket",
                            ));
                        }
                        None => return Err(Error::not_found("message", m.id)),
                    }
                }
            }
        }
        for e in &commit.event_redactions {
            if e.workspace != ws {
                return Err(foreign("event"));
            }
            let known = self
                .events_by_ticket
                .get(&e.ticket)
                .is_some_and(|events| events.iter().any(|x| x.id == e.id));
            if !known {
                return Err(Error::not_found("event", e.id));
            }
        }
        let deleted: HashSet<TicketId> = commit.deletions.iter().copied().collect();
        for id in &commit.deletions {
            if !self.tickets.contains_key(id) {
                return Err(Error::not_found("ticket", id));
            }
            if let Some(other) = self.tickets.values().find(|t| {
                !deleted.contains(&t.id) && (t.parent == Some(*id) || t.merged_into == Some(*id))
            }) {
                return Err(Error::validation(
                    "deletions",
                    format!("ticket {} still points at {id}", other.number),
                ));
            }
        }
        for e in &commit.events {
            if e.workspace != ws {
                return Err(foreign("event"));
            }
            if !ticket_known(&e.ticket) {
                return Err(Error::not_found("ticket", e.ticket));
            }
        }
        let mut new_outbox = HashSet::default();
        for w in &commit.outbox {
            match w {
                OutboxWrite::Enqueue(item) => {
                    if item.workspace != ws {
                        return Err(foreign("outbox row"));
                    }
                    if !ticket_known(&item.ticket) {
                        return Err(Error::not_found("ticket", item.ticket));
                    }
                    if self.outbox.contains_key(&item.id) || !new_outbox.insert(item.id) {
                        return Err(Error::Conflict(format!(
                            "outbox row {} already exists",
                            item.id
                        )));
                    }
                }
                OutboxWrite::Delivered { id }
                | OutboxWrite::Retry { id, .. }
                | OutboxWrite::Failed { id, .. }
                | OutboxWrite::Cancel { id } => match self.outbox.get(id) {
                    Some(row) if row.status == OutboxStatus::Pending => {}
                    Some(row) => {
                        return Err(Error::Conflict(format!(
                            "outbox row {id} is {:?}, not pending",
                            row.status
                        )));
                    }
                    None => return Err(Error::not_found("outbox row", id)),
                },
            }
        }
        let mut completed = HashSet::default();
        for w in &commit.jobs {
            match w {
                JobWrite::Schedule(job) => {
                    if job.workspace != ws {
                        return Err(foreign("job"));
                    }
                    if !ticket_known(&job.ticket) {
                        return Err(Error::not_found("ticket", job.ticket));
                    }
                }
                JobWrite::Cancel { .. } => {}
                JobWrite::Complete(id) => {
                    if !self.has_job(*id) || !completed.insert(*id) {
                        return Err(Error::Conflict(format!("job {id} is no longer scheduled")));
                    }
                }
            }
        }
        let mut claimed: HashMap<String, ContactId> = HashMap::default();
        // (A contact written in this commit owns exactly the addresses it is
        // written with: one it gives up may go to another contact in the same
        // commit, whatever the order of the writes.)
        let rewritten: HashSet<ContactId> = commit
            .contacts
            .iter()
            .map(|w| {
                let (ContactWrite::Create(c) | ContactWrite::Update(c)) = w;
                c.id
            })
            .collect();
        for w in &commit.contacts {
            let (ContactWrite::Create(c) | ContactWrite::Update(c)) = w;
            if c.workspace != ws {
                return Err(foreign("contact"));
            }
            match w {
                ContactWrite::Create(c) if self.contacts.contains_key(&c.id) => {
                    return Err(Error::Conflict(format!("contact {} already exists", c.id)));
                }
                ContactWrite::Update(c) => match self.contacts.get(&c.id) {
                    None => return Err(Error::not_found("contact", c.id)),
                    Some(stored) if stored.version != c.version => {
                        return Err(Error::Conflict(format!(
                            "contact {} changed since it was read (version {} read, {} stored)",
                            c.id, c.version, stored.version
                        )));
                    }
                    Some(_) => {}
                },
                ContactWrite::Create(_) => {}
            }
            for email in &c.emails {
                let email = normalized_email(email);
                let owner = claimed.get(email.as_ref()).or_else(|| {
                    self.contact_by_email
                        .get(email.as_ref())
                        .filter(|owner| !rewritten.contains(*owner))
                });
                if let Some(owner) = owner
                    && *owner != c.id
                {
                    return Err(Error::Conflict(format!(
                        "{email} belongs to another contact"
                    )));
                }
                claimed.insert(email.into_owned(), c.id);
            }
        }
        for r in &commit.directory {
            if record_id(r)?.1 != ws {
                return Err(foreign("directory record"));
            }
        }
        for (i, record) in commit.ingest_keys.iter().enumerate() {
            let twice = commit.ingest_keys[..i]
                .iter()
                .any(|r| r.mailbox == record.mailbox && r.key == record.key);
            if twice
                || self
                    .ingested
                    .get(&record.mailbox)
                    .is_some_and(|keys| keys.contains_key(&record.key))
            {
                return Err(Error::Conflict(format!(
                    "mail {} was already ingested in {}",
                    record.key, record.mailbox
                )));
            }
            if !ticket_known(&record.ticket) {
                return Err(Error::not_found("ticket", record.ticket));
            }
        }
        for (ticket, id) in &commit.deleted_tasks {
            if self.tasks.get(id).is_none_or(|t| t.ticket != *ticket) {
                return Err(Error::not_found("task", id));
            }
        }
        for task in &commit.tasks {
            if task.workspace != ws {
                return Err(foreign("task"));
            }
            if !ticket_known(&task.ticket) {
                return Err(Error::not_found("ticket", task.ticket));
            }
            if self
                .tasks
                .get(&task.id)
                .is_some_and(|stored| stored.ticket != task.ticket)
            {
                return Err(Error::validation(
                    "tasks",
                    format!("task {} belongs to another ticket", task.id),
                ));
            }
        }
        Ok(())
    }

    /// Checks, then applies. Nothing is written unless every check passes.
    pub(crate) fn apply(&mut self, ws: WorkspaceId, commit: Commit) -> Result<CommitOutcome> {
        self.check(ws, &commit)?;
        let mut outcome = CommitOutcome::default();
        // (Tickets are large: no room for more than are written.)
        outcome.tickets.reserve_exact(commit.tickets.len());
        for write in commit.tickets {
            let ticket = match write {
                TicketWrite::Create(mut t) => {
                    if t.number.0 == 0 {
                        self.last_number += 1;
                        t.number = helpdesk_core::model::TicketNumber(self.last_number);
                    }
                    t.version = 1;
                    self.by_number.insert(t.number.0, t.id);
                    t
                }
                TicketWrite::Update {
                    mut ticket,
                    expected_version,
                } => {
                    ticket.version = expected_version + 1;
                    ticket
                }
            };
            self.tickets.insert(ticket.id, Box::new(ticket.clone()));
            outcome.tickets.push(ticket);
        }
        for m in commit.messages {
            self.messages_by_ticket
                .entry(m.ticket)
                .or_insert_with(|| Vec::with_capacity(4))
                .push(m.id);
            if let Some(id) = &m.email.message_id {
                self.email_ids.entry(id.clone()).or_insert(m.id);
            }
            if m.direction == Direction::Outbound && m.author == Actor::System {
                for address in m.to.iter().chain(m.cc.iter()) {
                    let address = normalized_email(address);
                    match self.automatic_sent.get_mut(address.as_ref()) {
                        Some(sent) => sent.push((m.created_at, m.id)),
                        None => {
                            self.automatic_sent
                                .insert(address.into_owned(), vec![(m.created_at, m.id)]);
                        }
                    }
                }
            }
            self.messages.insert(m.id, Box::new(m));
        }
        for update in commit.message_updates {
            match update {
                MessageUpdate::SendState {
                    id,
                    state,
                    message_id,
                } => {
                    if let Some(m) = self.messages.get_mut(&id) {
                        m.send_state = Some(state);
                        if let Some(id) = message_id {
                            self.email_ids.entry(id.clone()).or_insert(m.id);
                            m.email.message_id = Some(id);
                        }
                    }
                }
                MessageUpdate::Redact(m) => {
                    let id = m.id;
                    self.email_ids.retain(|_, v| *v != id);
                    self.forget_automatic(&[id]);
                    self.messages.insert(id, m);
                }
            }
        }
        for e in commit.event_redactions {
            if let Some(slot) = self
                .events_by_ticket
                .get_mut(&e.ticket)
                .and_then(|events| events.iter_mut().find(|x| x.id == e.id))
            {
                *slot = e;
            }
        }
        for e in commit.events {
            // (A new ticket gets a few events at once: room for them.)
            self.events_by_ticket
                .entry(e.ticket)
                .or_insert_with(|| Vec::with_capacity(4))
                .push(e);
        }
        for w in commit.outbox {
            match w {
                OutboxWrite::Enqueue(item) => {
                    self.outbox_by_ticket
                        .entry(item.ticket)
                        .or_default()
                        .push(item.id);
                    self.outbox.insert(item.id, item);
                }
                OutboxWrite::Delivered { id } => {
                    if let Some(row) = self.outbox.get_mut(&id) {
                        row.status = OutboxStatus::Sent;
                        row.attempts += 1;
                        row.lease_until = None;
                    }
                }
                OutboxWrite::Retry {
                    id,
                    not_before,
                    error,
                } => {
                    if let Some(row) = self.outbox.get_mut(&id) {
                        row.attempts += 1;
                        row.not_before = not_before;
                        row.last_error = Some(error);
                        row.lease_until = None;
                    }
                }
                OutboxWrite::Failed { id, error } => {
                    if let Some(row) = self.outbox.get_mut(&id) {
                        row.status = OutboxStatus::Failed;
                        row.attempts += 1;
                        row.last_error = Some(error);
                        row.lease_until = None;
                    }
                }
                OutboxWrite::Cancel { id } => {
                    if let Some(row) = self.outbox.get_mut(&id) {
                        row.status = OutboxStatus::Cancelled;
                        row.lease_until = None;
                    }
                }
            }
        }
        for w in commit.jobs {
            match w {
                JobWrite::Schedule(job) => {
                    self.jobs.insert((job.ticket, job.kind), job);
                }
                JobWrite::Cancel { ticket, kind } => {
                    self.jobs.remove(&(ticket, kind));
                }
                JobWrite::Complete(id) => self.jobs.retain(|_, j| j.id != id),
            }
        }
        // (Every written contact's old addresses go first, so that one moved
        // from a contact written later in the commit is not dropped.)
        for w in &commit.contacts {
            let (ContactWrite::Create(c) | ContactWrite::Update(c)) = w;
            if let Some(old) = self.contacts.get(&c.id) {
                for email in &old.emails {
                    self.contact_by_email
                        .remove(normalized_email(email).as_ref());
                }
            }
        }
        for w in commit.contacts {
            // (An update was checked to hold the version stored before the
            // commit: one on from it, however many times the commit writes
            // the contact.)
            let c = match w {
                ContactWrite::Create(mut c) => {
                    c.version = 1;
                    c
                }
                ContactWrite::Update(mut c) => {
                    c.version = c.version.saturating_add(1);
                    c
                }
            };
            for email in &c.emails {
                self.contact_by_email.insert(normalize_email(email), c.id);
            }
            self.contacts.insert(c.id, c);
        }
        for record in commit.ingest_keys {
            let IngestRecord {
                mailbox,
                key,
                ticket,
                message,
            } = record;
            // (The record's strings become the keys: nothing is copied.)
            match self.ingested.get_mut(&mailbox) {
                Some(keys) => {
                    keys.insert(key, (ticket, message));
                }
                None => {
                    let mut keys = HashMap::default();
                    keys.insert(key, (ticket, message));
                    self.ingested.insert(mailbox, keys);
                }
            }
        }
        for checkpoint in commit.checkpoints {
            let keep = self.checkpoints.get(&checkpoint.mailbox).is_some_and(|c| {
                c.uid_validity == checkpoint.uid_validity && c.last_uid >= checkpoint.last_uid
            });
            if !keep {
                self.checkpoints
                    .insert(checkpoint.mailbox.clone(), checkpoint);
            }
        }
        for (address, until) in commit.suppressions {
            self.suppressions.insert(normalize_email(&address), until);
        }
        for task in commit.tasks {
            if !self.tasks.contains_key(&task.id) {
                self.tasks_by_ticket
                    .entry(task.ticket)
                    .or_default()
                    .push(task.id);
            }
            self.tasks.insert(task.id, task);
        }
        for (ticket, id) in commit.deleted_tasks {
            self.tasks.remove(&id);
            if let Some(ids) = self.tasks_by_ticket.get_mut(&ticket) {
                ids.retain(|t| *t != id);
            }
        }
        for id in commit.deletions {
            for task in self.tasks_by_ticket.remove(&id).unwrap_or_default() {
                self.tasks.remove(&task);
            }
            if let Some(t) = self.tickets.remove(&id) {
                self.by_number.remove(&t.number.0);
            }
            let messages = self.messages_by_ticket.remove(&id).unwrap_or_default();
            self.forget_automatic(&messages);
            for m in messages {
                self.messages.remove(&m);
                self.email_ids.retain(|_, v| *v != m);
            }
            self.events_by_ticket.remove(&id);
            for o in self.outbox_by_ticket.remove(&id).unwrap_or_default() {
                self.outbox.remove(&o);
            }
            self.jobs.retain(|(ticket, _), _| *ticket != id);
            for keys in self.ingested.values_mut() {
                keys.retain(|_, (ticket, _)| *ticket != id);
            }
            for set in self.favourites.values_mut() {
                set.remove(&id);
            }
        }
        for r in commit.directory {
            if let Ok((id, _)) = record_id(&r) {
                self.records.insert(id, r);
            }
        }
        Ok(outcome)
    }
}
