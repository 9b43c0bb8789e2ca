//! Loopback ports for the servers the adapters' integration tests start
//! (Dovecot for IMAP, aiosmtpd for SMTP). Each test crate includes this
//! file (`#[path = ...] mod free_port;`): there is no test-support crate.

use std::net::TcpListener;

/// A free loopback port that no other server of this test binary was
/// given: tests run in parallel, and a server stopped to be restarted keeps
/// its port while nothing listens there, so a port is never handed out
/// twice (two servers on one port made a test connect to the wrong one, or
/// to none).
pub(crate) fn free_port() -> u16 {
    static GIVEN: std::sync::Mutex<std::collections::BTreeSet<u16>> =
        std::sync::Mutex::new(std::collections::BTreeSet::new());
    loop {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free loopback port");
        if GIVEN
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(port)
        {
            return port;
        }
    }
}
