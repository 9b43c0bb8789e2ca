//! The [`Blobs`] port on PostgreSQL: attachment bytes in the store's
//! `blobs` table (migration `0006_blobs`), each under a random key.

use crate::error::PgError;
use crate::schema::sql;
use crate::store::PgStore;
use async_trait::async_trait;
use helpdesk_core::Bytes;
use helpdesk_core::error::BoxError;
use helpdesk_core::model::{Attachment, WorkspaceId};
use helpdesk_core::ports::Blobs;

#[async_trait]
impl Blobs for PgStore {
    async fn put(
        &self,
        workspace: WorkspaceId,
        _attachment: &Attachment,
        bytes: Bytes,
    ) -> Result<String, BoxError> {
        let key = uuid::Uuid::new_v4().simple().to_string();
        sqlx::query(sql(&self.queries().blob_put))
            .bind(workspace.as_uuid())
            .bind(&key)
            .bind(bytes.as_ref())
            .execute(self.pool())
            .await
            .map_err(|e| Box::new(PgError::from(e)) as BoxError)?;
        Ok(key)
    }

    async fn get(&self, workspace: WorkspaceId, key: &str) -> Result<Option<Bytes>, BoxError> {
        let bytes: Option<Vec<u8>> = sqlx::query_scalar(sql(&self.queries().blob_get))
            .bind(workspace.as_uuid())
            .bind(key)
            .fetch_optional(self.pool())
            .await
            .map_err(|e| Box::new(PgError::from(e)) as BoxError)?;
        Ok(bytes.map(Bytes::from))
    }

    async fn delete(&self, workspace: WorkspaceId, key: &str) -> Result<(), BoxError> {
        sqlx::query(sql(&self.queries().blob_delete))
            .bind(workspace.as_uuid())
            .bind(key)
            .execute(self.pool())
            .await
            .map_err(|e| Box::new(PgError::from(e)) as BoxError)?;
        Ok(())
    }
}
