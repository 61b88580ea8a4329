//! The state file behind `--state`: what the clusters hold, kept across
//! restarts.
//!
//! Each change is written to a temporary file beside the target and renamed
//! over it, so a crash or a kill mid-write leaves the previous state whole
//! rather than a truncated file the next start cannot read.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::store::ClusterData;

/// The state file's layout version; bumped if the layout ever changes.
const VERSION: u32 = 1;

/// The file's content.
#[derive(Debug, Serialize, Deserialize)]
struct SavedState {
    version: u32,
    clusters: BTreeMap<String, ClusterData>,
}

/// The state file could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum PersistError {
    /// Reading, writing or renaming failed.
    #[error("state file {path}: {source}")]
    Io {
        /// The file involved.
        path: PathBuf,
        /// What went wrong.
        source: std::io::Error,
    },
    /// The file is not a state file this emulator can read.
    #[error("state file {path} is not readable state: {reason}")]
    Format {
        /// The file involved.
        path: PathBuf,
        /// Why it could not be read.
        reason: String,
    },
}

/// Reads the state saved at `path`; `None` if there is no file yet.
pub fn load(path: &Path) -> Result<Option<BTreeMap<String, ClusterData>>, PersistError> {
    let text = match fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(io_error(path, source)),
    };
    let saved: SavedState = serde_json::from_str(&text).map_err(|error| PersistError::Format {
        path: path.to_owned(),
        reason: error.to_string(),
    })?;
    if saved.version != VERSION {
        return Err(PersistError::Format {
            path: path.to_owned(),
            reason: format!("layout version {} (expected {VERSION})", saved.version),
        });
    }
    Ok(Some(saved.clusters))
}

/// Writes `clusters` to `path` atomically: a temporary file, then a rename.
pub fn save(path: &Path, clusters: BTreeMap<String, ClusterData>) -> Result<(), PersistError> {
    let saved = SavedState {
        version: VERSION,
        clusters,
    };
    let text = serde_json::to_vec_pretty(&saved).map_err(|error| PersistError::Format {
        path: path.to_owned(),
        reason: error.to_string(),
    })?;
    let temporary = temporary_path(path);
    write_synced(&temporary, &text).map_err(|source| io_error(&temporary, source))?;
    fs::rename(&temporary, path).map_err(|source| io_error(path, source))
}

fn write_synced(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = fs::File::create(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// A name beside `path`, so the rename stays on one file system.
fn temporary_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_owned();
    name.push(format!(".tmp-{}", std::process::id()));
    path.with_file_name(name)
}

fn io_error(path: &Path, source: std::io::Error) -> PersistError {
    PersistError::Io {
        path: path.to_owned(),
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saved_state_loads_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        assert!(load(&path).unwrap().is_none());

        let mut data = ClusterData::fresh(false);
        data.access_key_id = Some("AKID".into());
        data.next_idx = 7;
        let clusters: BTreeMap<String, ClusterData> = [("42".to_owned(), data)].into();
        save(&path, clusters.clone()).unwrap();
        assert_eq!(load(&path).unwrap(), Some(clusters));

        let leftovers: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(
            leftovers.len(),
            1,
            "the temporary file was not renamed away"
        );
    }

    #[test]
    fn unreadable_state_is_an_error_not_an_empty_start() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        for text in ["{not json", r#"{"version":99,"clusters":{}}"#] {
            fs::write(&path, text).unwrap();
            assert!(
                matches!(load(&path), Err(PersistError::Format { .. })),
                "{text}"
            );
        }
    }
}
