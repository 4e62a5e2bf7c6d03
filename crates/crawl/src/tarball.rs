//! A public metadata repository (tensorflow/tfhub.dev, pytorch/hub) fetched as one gzipped
//! tarball over HTTPS, e.g. GitHub's `codeload.github.com/<owner>/<repo>/tar.gz/refs/heads/<branch>`.
//! The archive is read in memory: each file the reader accepts becomes a [`Document`] named
//! `<url>#<path in the repository>`, with the path relative to the repository root (the
//! archive's top folder removed), exactly as if a checkout had been ingested.

use std::io::Read;
use std::path::{Component, Path, PathBuf};

use macaroni_sources::{is_metadata_file, Document, ReaderKind, MAX_FILE_BYTES};

use crate::http::{Fetched, Fetcher};
use crate::CrawlError;

/// The documents of a tarball that a reader reads, and the entries skipped (too large,
/// unreadable) with the reason.
pub type Archive = (Vec<Document>, Vec<(String, String)>);

/// The documents of the tarball at `url` that `reader` reads.
pub fn documents(fetcher: &Fetcher, url: &str, reader: ReaderKind) -> Result<Archive, CrawlError> {
    let bytes = match fetcher.get(url, None)? {
        Fetched::Body { bytes, .. } => bytes,
        Fetched::NotFound => {
            return Err(CrawlError::Status {
                url: url.into(),
                status: 404,
            })
        }
        Fetched::NotModified => {
            return Err(CrawlError::Status {
                url: url.into(),
                status: 304,
            })
        }
    };
    read_archive(&bytes, url, reader)
}

fn archive_error(url: &str, err: std::io::Error) -> CrawlError {
    CrawlError::Archive {
        url: url.to_string(),
        reason: err.to_string(),
    }
}

/// The files of a `.tar.gz` in memory that `reader` accepts.
pub fn read_archive(bytes: &[u8], url: &str, reader: ReaderKind) -> Result<Archive, CrawlError> {
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(bytes));
    let mut documents = Vec::new();
    let mut skipped = Vec::new();
    for entry in archive.entries().map_err(|e| archive_error(url, e))? {
        let mut entry = entry.map_err(|e| archive_error(url, e))?;
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let Some(relative) = entry.path().ok().and_then(|p| inside_repository(&p)) else {
            continue;
        };
        if !is_metadata_file(reader, &relative) {
            continue;
        }
        let name = relative.to_string_lossy().into_owned();
        if entry.size() > MAX_FILE_BYTES {
            skipped.push((
                name,
                format!("{} bytes, over the {MAX_FILE_BYTES}-byte limit", entry.size()),
            ));
            continue;
        }
        let mut content = Vec::with_capacity(entry.size() as usize);
        if let Err(err) = entry.read_to_end(&mut content) {
            skipped.push((name, err.to_string()));
            continue;
        }
        documents.push(Document {
            uri: format!("{url}#{name}"),
            relative_path: relative,
            bytes: content,
        });
    }
    documents.sort_by(|a, b| a.relative_path.cmp(&b.relative_path));
    Ok((documents, skipped))
}

/// The path below the archive's top folder, refusing anything that climbs out (`..`, absolute).
fn inside_repository(path: &Path) -> Option<PathBuf> {
    let mut parts = path.components();
    match parts.next()? {
        Component::Normal(_) => {}
        _ => return None,
    }
    let rest: PathBuf = parts.clone().collect();
    let safe = parts.all(|c| matches!(c, Component::Normal(_)));
    (safe && !rest.as_os_str().is_empty()).then_some(rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_taken_below_the_top_folder_and_never_outside() {
        assert_eq!(
            inside_repository(Path::new("hub-master/docs/x.md")),
            Some(PathBuf::from("docs/x.md"))
        );
        assert_eq!(inside_repository(Path::new("hub-master")), None);
        assert_eq!(inside_repository(Path::new("top/../../etc/passwd")), None);
        assert_eq!(inside_repository(Path::new("/abs/x.md")), None);
    }

    #[test]
    fn a_broken_archive_is_an_error_not_a_panic() {
        let err = read_archive(b"not a tarball", "http://h/x.tar.gz", ReaderKind::PytorchHub).unwrap_err();
        assert!(err.to_string().contains("http://h/x.tar.gz"), "{err}");
    }
}
