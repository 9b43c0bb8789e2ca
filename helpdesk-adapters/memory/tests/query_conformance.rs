//! The query conformance suite against the in-memory store.

use helpdesk_memory::MemoryStore;
use std::sync::Arc;

helpdesk_core::conformance_query_tests!(async { Arc::new(MemoryStore::new()) });

/// The suite also runs with the store behind `Arc<dyn Store>` twice over
/// (the forwarding impls).
mod behind_pointers {
    use super::*;
    use helpdesk_core::ports::DynStore;

    helpdesk_core::conformance_query_tests!(async {
        let inner: Arc<DynStore> = Arc::new(MemoryStore::new());
        Arc::new(inner)
    });

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn boxed_store_answers_queries() {
        let boxed: Box<DynStore> = Box::new(MemoryStore::new());
        helpdesk_core::query_conformance::query_navigation(Arc::new(boxed)).await;
    }
}
