//! # helpdesk-smtp
//!
//! The SMTP [`Transport`](helpdesk_core::ports::Transport) of the helpdesk
//! engine: outgoing e-mail is rendered by [`helpdesk_core::mail::compose`]
//! and sent, byte for byte, with [lettre] over rustls (ring provider).
//! Register it under the `"email"` channel key:
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use helpdesk_core::engine::{EngineConfig, Helpdesk};
//! use helpdesk_memory::MemoryStore;
//! use helpdesk_smtp::{Security, SmtpConfig, SmtpTransport};
//! use std::sync::Arc;
//!
//! let smtp = SmtpTransport::new(
//!     SmtpConfig::new("smtp.example.com")
//!         .security(Security::StartTls)
//!         .credentials("support@example.com", "app-password")
//!         .default_from("support@example.com")
//!         .from_name("ACME Support")
//!         .loop_header("X-Helpdesk-Loop", "acme-7f3a")
//!         .message_id_domain("mail.example.com"),
//! )?;
//! let desk = Helpdesk::builder(Arc::new(MemoryStore::new()))
//!     .config(EngineConfig::default().default_from("support@example.com"))
//!     .transport("email", Arc::new(smtp))
//!     .build();
//! // Queued replies and notifications leave through SMTP:
//! let report = desk.dispatch_outbox().await?;
//! println!("{} sent, {} to retry, {} failed", report.sent, report.retried, report.failed);
//! # Ok(())
//! # }
//! ```
//!
//! Settings, error mapping and known limits: [`SmtpConfig`].
//!
//! [lettre]: https://docs.rs/lettre/0.11

mod config;
mod error;
mod transport;

pub use config::{DEFAULT_TIMEOUT, Security, SmtpConfig};
pub use error::ConfigError;
pub use transport::SmtpTransport;
