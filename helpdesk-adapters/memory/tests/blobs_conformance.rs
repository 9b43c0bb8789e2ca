//! The blob contract (`helpdesk_core::conformance::blobs_round_trip`)
//! against the in-memory blob store the memory engine uses.

use helpdesk_core::ports::MemoryBlobs;
use std::sync::Arc;

#[tokio::test]
async fn memory_blobs_keep_the_contract() {
    helpdesk_core::conformance::blobs_round_trip(Arc::new(MemoryBlobs::new())).await;
}
