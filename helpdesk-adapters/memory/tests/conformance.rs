//! The store conformance suite against the in-memory store.

use helpdesk_memory::MemoryStore;
use std::sync::Arc;

helpdesk_core::conformance_tests!(async { Arc::new(MemoryStore::new()) });

/// The suite also runs with the store behind `Arc<dyn Store>` twice over and
/// behind a `Box`.
mod behind_pointers {
    use super::*;
    use helpdesk_core::ports::DynStore;

    helpdesk_core::conformance_tests!(async {
        let inner: Arc<DynStore> = Arc::new(MemoryStore::new());
        Arc::new(inner)
    });

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn boxed_store_passes_create_and_get() {
        let boxed: Box<DynStore> = Box::new(MemoryStore::new());
        helpdesk_core::conformance::create_and_get(Arc::new(boxed)).await;
    }
}
