//! A first tour of the helpdesk engine on the in-memory store:
//! create a ticket, reply, add a note, set it pending with a reopen date,
//! let `run_due` reopen it, merge two tickets, forward the conversation to
//! a supplier, set a task, look at the customer's public link, close it
//! with a macro, and print the conversation with its event history.
//!
//! ```text
//! cargo run --example quickstart
//! ```

use chrono::{Duration, TimeZone, Utc};
use helpdesk::MemoryStore;
use helpdesk::engine::{
    Entry, Forward, Helpdesk, Macro, MacroState, NewTask, NewTicket, Reply, TaskChange,
};
use helpdesk::fields::TicketUpdate;
use helpdesk::model::{Actor, Agent, AgentId, Priority, WorkspaceId};
use helpdesk::ports::{Clock, DirectoryRecord, ManualClock, RecordingTransport};
use std::sync::Arc;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), helpdesk::Error> {
    // A clock we can move, so the tour can jump two days ahead.
    let start = Utc
        .with_ymd_and_hms(2026, 11, 23, 9, 0, 0)
        .single()
        .expect("a valid date");
    let clock = Arc::new(ManualClock::new(start));
    // Outgoing email is recorded instead of sent (see helpdesk-smtp for SMTP).
    let email = Arc::new(RecordingTransport::new());
    let desk = Helpdesk::builder(Arc::new(MemoryStore::new()))
        .clock(clock.clone())
        .transport("email", email.clone())
        .build();

    let ws = WorkspaceId::new();
    let agnes = AgentId::new();
    desk.put_record(
        ws,
        DirectoryRecord::Agent(Agent {
            id: agnes,
            workspace: ws,
            name: "Agnes".into(),
            email: Some("agnes@shop.example".into()),
            active: true,
        }),
    )
    .await?;
    let me = Actor::Agent(agnes);

    println!("== A customer writes in");
    let ticket = desk
        .create_ticket(
            ws,
            NewTicket::from_customer(
                "ann@example.com",
                "My lamp flickers",
                "Hello, the lamp I bought last week flickers. Order 1042.",
            ),
        )
        .await?;
    println!(
        "ticket {} '{}' is {}",
        ticket.number, ticket.subject, ticket.state
    );

    println!("\n== Agnes takes it, tags it, replies and leaves a note");
    desk.take(ws, ticket.id, agnes).await?;
    desk.update(
        ws,
        ticket.id,
        me,
        TicketUpdate::default()
            .priority(Priority::High)
            .add_tag("lamp")
            .status("In progress"),
    )
    .await?;
    clock.advance(Duration::minutes(12));
    desk.reply(
        ws,
        ticket.id,
        agnes,
        Reply::text("Sorry about that, Ann! Could you send a photo of the label?"),
    )
    .await?;
    desk.add_note(ws, ticket.id, agnes, "Batch 7 lamps had a bad driver.")
        .await?;
    let report = desk.dispatch_outbox().await?;
    println!(
        "outbox: {} sent (the note never leaves); transport saw {} message(s)",
        report.sent,
        email.sent().len()
    );

    println!("\n== Waiting for the customer, reopen in two days if she is silent");
    let reopen_at = clock.now() + Duration::days(2);
    let pending = desk.set_pending(ws, ticket.id, me, Some(reopen_at)).await?;
    println!(
        "ticket {} is {} until {}",
        pending.number, pending.state, reopen_at
    );

    clock.advance(Duration::days(2) + Duration::minutes(1));
    let due = desk.run_due(clock.now()).await?;
    let reopened = desk.ticket(ws, ticket.id).await?;
    println!(
        "run_due: {} job(s) ran, {} ticket(s) reopened; ticket {} is {}",
        due.jobs_run,
        due.reopened.len(),
        reopened.number,
        reopened.state
    );

    println!("\n== Ann writes again in a new ticket; Agnes merges it and closes");
    let again = desk
        .create_ticket(
            ws,
            NewTicket::from_customer(
                "ANN@example.com",
                "Photo of the label",
                "Here is the photo you asked for.",
            )
            .tag("photo"),
        )
        .await?;
    let merged = desk.merge(ws, ticket.id, &[again.id], me).await?;
    println!(
        "ticket {} merged into {}; tags now {:?}",
        again.number, merged.number, merged.tags
    );

    println!("\n== Agnes asks the supplier and sets herself a task; Ann follows her link");
    let forward = desk
        .forward(
            ws,
            ticket.id,
            agnes,
            Forward::conversation()
                .to("quality@lamps-supplier.example")
                .text("Batch 7 again: could you check the driver?"),
        )
        .await?;
    println!(
        "forwarded to {:?}, shown to agents only ({:?})",
        forward.to, forward.visibility
    );
    let task = desk
        .add_task(
            ws,
            ticket.id,
            agnes,
            NewTask::titled("Call the supplier if they have not answered")
                .assignee(agnes)
                .due(clock.now() + Duration::days(3)),
        )
        .await?;
    println!(
        "Agnes's tasks: {:?}",
        desk.open_tasks(ws, agnes)
            .await?
            .iter()
            .map(|t| t.title.as_str())
            .collect::<Vec<_>>()
    );
    let token = desk.public_token(ws, &desk.conversation(ws, ticket.id).await?.ticket);
    let public = desk.public_ticket(ws, &token).await?;
    println!(
        "Ann's public link shows ticket {} ({}) with {} messages: no notes, no forward",
        public.number,
        public.state,
        public.messages.len()
    );
    // Ann forwarded that mail to a neighbour: the old link is closed, a new
    // one made.
    let revoked = desk.revoke_public_links(ws, ticket.id, me).await?;
    let still_open = desk.public_ticket(ws, &token).await.is_ok();
    let fresh = desk.public_token(ws, &revoked);
    println!(
        "after revoking: the old link opens: {still_open}; the new one shows {} messages",
        desk.public_ticket(ws, &fresh).await?.messages.len()
    );
    desk.change_task(ws, ticket.id, task.id, agnes, TaskChange::done())
        .await?;

    println!("\n== Agnes closes it with a macro: a reply and the state in one step");
    let solved = Macro::new("Solved")
        .reply("Hello,\n\na new lamp is on its way. Ticket #{{ ticket_number }} is closed.")
        .state(MacroState::Closed);
    let closed = desk
        .apply_macro(ws, ticket.id, agnes, &solved)
        .await?
        .ticket;
    println!("ticket {} is {}", closed.number, closed.state);

    println!(
        "\n== Conversation of ticket {} with its history",
        closed.number
    );
    let conversation = desk.conversation(ws, ticket.id).await?;
    let from_merged = |id| {
        if id == again.id {
            format!("(from {}) ", again.number)
        } else {
            String::new()
        }
    };
    for entry in &conversation.entries {
        let at = entry.at().format("%a %H:%M");
        match entry {
            Entry::Message(m) => println!(
                "{at}  {}[{:?}/{:?}] {}",
                from_merged(m.ticket),
                m.direction,
                m.visibility,
                m.text.lines().next().unwrap_or("")
            ),
            Entry::Event(e) => println!("{at}    {}- {}", from_merged(e.ticket), e.kind.name()),
        }
    }
    println!(
        "\n{} messages, {} events; done.",
        conversation.messages().count(),
        conversation.events().count()
    );
    Ok(())
}
