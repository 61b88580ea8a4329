//! Finding snapshots in a cluster's history, once per provider process.
//!
//! A refresh reads every snapshot resource at once, and the API has no way
//! to look up one snapshot: only the whole history, page by page, newest
//! first. So the pages one lookup fetches are kept and serve the lookups
//! that follow; a lookup reads further only when the name is not in the
//! pages read so far. Twenty snapshots on one cluster cost one scan, not
//! twenty.

use tokio::sync::Mutex;

use crate::ncloud::model::SnapshotHistoryEntry;
use crate::ncloud::{CallOptions, Client, Error, MAX_PAGE_SIZE};

/// The history of one cluster, read as far as lookups have needed.
pub struct HistoryIndex {
    cluster: String,
    scan: Mutex<Scan>,
}

#[derive(Default)]
struct Scan {
    entries: Vec<SnapshotHistoryEntry>,
    pages_read: u32,
    complete: bool,
}

impl HistoryIndex {
    /// An index of `cluster`'s history with nothing read yet.
    pub fn new(cluster: &str) -> HistoryIndex {
        HistoryIndex {
            cluster: cluster.to_string(),
            scan: Mutex::new(Scan::default()),
        }
    }

    /// The newest entry named `name`, reading pages only as far as needed.
    pub async fn find(
        &self,
        client: &Client,
        name: &str,
        options: &CallOptions,
    ) -> Result<Option<SnapshotHistoryEntry>, Error> {
        let mut scan = self.scan.lock().await;
        let mut checked = 0;
        loop {
            if let Some(entry) = scan.entries[checked..]
                .iter()
                .find(|e| e.snapshot_name == name)
            {
                return Ok(Some(entry.clone()));
            }
            checked = scan.entries.len();
            if scan.complete {
                return Ok(None);
            }
            let page_no = scan.pages_read + 1;
            let page = client
                .snapshot_history(&self.cluster, page_no, MAX_PAGE_SIZE, options)
                .await?
                .value;
            let received = page.snapshot_history_response_list.len();
            scan.entries.extend(page.snapshot_history_response_list);
            scan.pages_read = page_no;
            let last_page = page.paging.is_last || page_no as i64 >= page.paging.total_page;
            scan.complete = last_page || received == 0;
        }
    }
}
