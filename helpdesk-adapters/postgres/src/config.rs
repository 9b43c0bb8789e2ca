//! [`PgConfig`]: how [`PgStore::connect`](crate::PgStore::connect) opens its pool.

use serde::Deserialize;
use sqlx::postgres::PgConnectOptions;
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// The default schema of the store's tables.
pub const DEFAULT_SCHEMA: &str = "helpdesk";

#[doc = include_str!("docs.md")]
#[derive(Clone, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct PgConfig {
    url: String,
    schema: String,
    max_connections: u32,
    #[serde(with = "secs")]
    acquire_timeout: Duration,
}

mod secs {
    use serde::{Deserialize, Deserializer};
    use std::time::Duration;

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        u64::deserialize(d).map(Duration::from_secs)
    }
}

impl Default for PgConfig {
    fn default() -> Self {
        Self {
            url: String::new(),
            schema: DEFAULT_SCHEMA.to_string(),
            max_connections: 10,
            acquire_timeout: Duration::from_secs(30),
        }
    }
}

impl PgConfig {
    /// A configuration for the database at `url`, with the defaults
    /// (schema `helpdesk`, 10 connections, 30 s acquire timeout).
    pub fn new(url: impl Into<String>) -> Self {
        Self::builder(url).build()
    }

    /// A builder starting from the defaults.
    pub fn builder(url: impl Into<String>) -> PgConfigBuilder {
        PgConfigBuilder {
            config: Self {
                url: url.into(),
                ..Self::default()
            },
        }
    }

    /// The schema of the store's tables.
    pub fn schema(&self) -> &str {
        &self.schema
    }

    /// The most connections the pool opens.
    pub fn max_connections(&self) -> u32 {
        self.max_connections
    }

    /// How long a call waits for a free connection.
    pub fn acquire_timeout(&self) -> Duration {
        self.acquire_timeout
    }

    /// The connection options parsed from the URL.
    pub(crate) fn connect_options(&self) -> Result<PgConnectOptions, sqlx::Error> {
        PgConnectOptions::from_str(&self.url)
    }
}

/// Builds a [`PgConfig`]; see there.
#[derive(Debug, Clone)]
pub struct PgConfigBuilder {
    config: PgConfig,
}

impl PgConfigBuilder {
    /// The connection URL.
    pub fn url(mut self, url: impl Into<String>) -> Self {
        self.config.url = url.into();
        self
    }

    /// The schema of the store's tables (default `helpdesk`).
    pub fn schema(mut self, schema: impl Into<String>) -> Self {
        self.config.schema = schema.into();
        self
    }

    /// The most connections the pool opens (default 10, at least 1).
    pub fn max_connections(mut self, n: u32) -> Self {
        self.config.max_connections = n.max(1);
        self
    }

    /// How long a call waits for a free connection (default 30 s).
    pub fn acquire_timeout(mut self, timeout: Duration) -> Self {
        self.config.acquire_timeout = timeout;
        self
    }

    /// The configuration.
    pub fn build(self) -> PgConfig {
        self.config
    }
}

/// Never prints the URL or the password: only where it points.
impl fmt::Debug for PgConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("PgConfig");
        match self.connect_options() {
            Ok(options) => {
                d.field("host", &options.get_host())
                    .field("port", &options.get_port())
                    .field("database", &options.get_database());
            }
            Err(_) => {
                d.field("url", &"<unparsable, hidden>");
            }
        }
        d.field("schema", &self.schema)
            .field("max_connections", &self.max_connections)
            .field("acquire_timeout", &self.acquire_timeout)
            .finish_non_exhaustive()
    }
}

/// Checks a schema name: a plain lowercase identifier, so it can be put into
/// SQL text (quoted) safely.
pub(crate) fn valid_schema(schema: &str) -> bool {
    let mut chars = schema.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && schema.len() <= 63
        && !schema.starts_with("pg_")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_names() {
        assert!(valid_schema("helpdesk"));
        assert!(valid_schema("_x1"));
        assert!(!valid_schema(""));
        assert!(!valid_schema("1x"));
        assert!(!valid_schema("Help"));
        assert!(!valid_schema("a\"; drop table x; --"));
        assert!(!valid_schema("pg_catalog"));
        assert!(!valid_schema(&"a".repeat(64)));
    }

    #[test]
    fn deserialises_with_defaults() {
        let c: PgConfig =
            serde_json::from_str(r#"{"url":"postgres://u:p@h/db","acquire_timeout":5}"#).unwrap();
        assert_eq!(c.schema(), "helpdesk");
        assert_eq!(c.acquire_timeout(), Duration::from_secs(5));
        assert_eq!(c.max_connections(), 10);
    }
}
