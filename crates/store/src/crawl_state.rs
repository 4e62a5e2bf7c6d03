//! What a crawl remembers between runs: where the listing stopped (so a killed crawl resumes
//! there) and, per item, the revision last stored (so an unchanged item is skipped). The state
//! is written in the same transaction as the records it describes: after a crash the database
//! holds either a page's records and the checkpoint past it, or neither.

use rusqlite::{params, OptionalExtension};

use crate::{apply, ApplySummary, Result, SourceBatch, Store};

/// What was stored of one crawled item.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CrawlItem {
    pub source: String,
    pub item: String,
    pub sha: Option<String>,
    pub last_modified: Option<String>,
    pub card_etag: Option<String>,
}

/// Where a crawl's listing stands.
#[derive(Debug, Clone, PartialEq)]
pub enum Checkpoint {
    /// The next page to fetch.
    Next(String),
    /// The listing was read to the end.
    Done,
}

impl Store {
    /// The checkpoint of `crawl`, if it ever stored one.
    pub fn crawl_checkpoint(&self, crawl: &str) -> Result<Option<Checkpoint>> {
        let next: Option<Option<String>> = self
            .conn
            .query_row(
                "SELECT next_url FROM crawl_checkpoints WHERE crawl = ?1",
                [crawl],
                |r| r.get(0),
            )
            .optional()?;
        Ok(next.map(|n| n.map_or(Checkpoint::Done, Checkpoint::Next)))
    }

    /// Forgets a crawl's checkpoint, so the next run starts from the first page.
    pub fn reset_crawl_checkpoint(&self, crawl: &str) -> Result<()> {
        self.conn
            .execute("DELETE FROM crawl_checkpoints WHERE crawl = ?1", [crawl])?;
        Ok(())
    }

    pub fn crawl_item(&self, source: &str, item: &str) -> Result<Option<CrawlItem>> {
        Ok(self
            .conn
            .query_row(
                "SELECT sha, last_modified, card_etag FROM crawl_items WHERE source = ?1 AND item = ?2",
                [source, item],
                |r| {
                    Ok(CrawlItem {
                        source: source.to_string(),
                        item: item.to_string(),
                        sha: r.get(0)?,
                        last_modified: r.get(1)?,
                        card_etag: r.get(2)?,
                    })
                },
            )
            .optional()?)
    }

    /// Applies one page of a crawl: its records, its items' revisions and the checkpoint past
    /// it, all in one transaction. The sources in `partial` were read only in part (see
    /// [`Store::apply_keeping`]).
    pub fn apply_crawled(
        &mut self,
        batches: &[SourceBatch],
        partial: &std::collections::BTreeSet<String>,
        items: &[CrawlItem],
        crawl: &str,
        checkpoint: &Checkpoint,
        now: &str,
    ) -> Result<ApplySummary> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let summary = apply::apply(&tx, batches, partial, &std::collections::HashMap::new(), now)?;
        {
            let mut upsert = tx.prepare_cached(
                "INSERT INTO crawl_items (source, item, sha, last_modified, card_etag, fetched_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (source, item) DO UPDATE SET sha = excluded.sha,
                     last_modified = excluded.last_modified, card_etag = excluded.card_etag,
                     fetched_at = excluded.fetched_at",
            )?;
            for item in items {
                upsert.execute(params![
                    item.source,
                    item.item,
                    item.sha,
                    item.last_modified,
                    item.card_etag,
                    now
                ])?;
            }
        }
        let next = match checkpoint {
            Checkpoint::Next(url) => Some(url.as_str()),
            Checkpoint::Done => None,
        };
        tx.execute(
            "INSERT INTO crawl_checkpoints (crawl, next_url, updated_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (crawl) DO UPDATE SET next_url = excluded.next_url, updated_at = excluded.updated_at",
            params![crawl, next, now],
        )?;
        tx.commit()?;
        Ok(summary)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_and_its_checkpoint_land_together() {
        let mut store = Store::open_in_memory().unwrap();
        assert_eq!(store.crawl_checkpoint("hf").unwrap(), None);
        let item = CrawlItem {
            source: "huggingface".into(),
            item: "a/b".into(),
            sha: Some("abc".into()),
            ..CrawlItem::default()
        };
        let next = Checkpoint::Next("http://x/api/models?cursor=2".into());
        store
            .apply_crawled(
                &[],
                &Default::default(),
                std::slice::from_ref(&item),
                "hf",
                &next,
                "2026-11-27T00:00:00Z",
            )
            .unwrap();
        assert_eq!(store.crawl_checkpoint("hf").unwrap(), Some(next));
        assert_eq!(store.crawl_item("huggingface", "a/b").unwrap(), Some(item));
        store
            .apply_crawled(
                &[],
                &Default::default(),
                &[],
                "hf",
                &Checkpoint::Done,
                "2026-11-27T00:00:01Z",
            )
            .unwrap();
        assert_eq!(store.crawl_checkpoint("hf").unwrap(), Some(Checkpoint::Done));
        store.reset_crawl_checkpoint("hf").unwrap();
        assert_eq!(store.crawl_checkpoint("hf").unwrap(), None);
    }
}
