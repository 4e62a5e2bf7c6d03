//! Finding the files a reader should read under the paths a user gave, and reading them safely.

use std::path::{Path, PathBuf};

use crate::{ReaderKind, Warning, WarningKind};

/// Files larger than this are skipped with a warning: no real metadata file comes close, and a
/// runaway file must not exhaust memory.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// Files that describe a collection of metadata rather than being metadata themselves.
const COLLECTION_NOTES: [&str; 3] = ["PROVENANCE.md", "MANIFEST.json", "LICENSE"];

/// Whether a file found while walking a folder or an archive is one `reader` reads: not a note
/// about the collection, and of a kind the reader accepts.
pub fn is_metadata_file(reader: ReaderKind, path: &Path) -> bool {
    let name = path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
    !COLLECTION_NOTES.contains(&name.as_ref()) && reader.accepts(path)
}

/// One file handed to a reader.
#[derive(Debug, Clone)]
pub struct Document {
    /// Where the file lives, as recorded in provenance (a path, or a URL for crawled files).
    pub uri: String,
    /// The path relative to the folder the user named; readers derive ids from it.
    pub relative_path: PathBuf,
    pub bytes: Vec<u8>,
}

impl Document {
    pub fn from_bytes(uri: &str, relative_path: &Path, bytes: Vec<u8>) -> Document {
        Document {
            uri: uri.to_string(),
            relative_path: relative_path.to_path_buf(),
            bytes,
        }
    }

    /// The file name, for readers that key on it.
    pub fn file_name(&self) -> &str {
        self.relative_path.file_name().and_then(|n| n.to_str()).unwrap_or("")
    }
}

/// Lists the files under `roots` that `reader` accepts, sorted, with their root. A path that is
/// a file is taken as given (whatever its name); folders are walked.
pub fn collect_files(reader: ReaderKind, roots: &[PathBuf]) -> (Vec<(PathBuf, PathBuf)>, Vec<Warning>) {
    let mut files = Vec::new();
    let mut warnings = Vec::new();
    for root in roots {
        if root.is_file() {
            let base = root.parent().map(Path::to_path_buf).unwrap_or_default();
            files.push((base, root.clone()));
            continue;
        }
        if !root.exists() {
            warnings.push(unreadable(root, "no such file or folder".into()));
            continue;
        }
        for entry in walkdir::WalkDir::new(root).sort_by_file_name() {
            match entry {
                Ok(entry) if entry.file_type().is_file() => {
                    let path = entry.path();
                    if is_metadata_file(reader, path) {
                        files.push((root.clone(), path.to_path_buf()));
                    }
                }
                // Links are not followed (they may lead out of the folder, or around in a loop),
                // but one that looks like a metadata file is named rather than passed over.
                Ok(entry) if entry.path_is_symlink() && is_metadata_file(reader, entry.path()) => {
                    warnings.push(unreadable(entry.path(), "a symbolic link; not followed".into()));
                }
                Ok(_) => {}
                Err(err) => {
                    let path = err.path().map(Path::to_path_buf).unwrap_or_else(|| root.clone());
                    warnings.push(unreadable(&path, err.to_string()));
                }
            }
        }
    }
    (files, warnings)
}

/// Reads one file into a [`Document`], refusing files over [`MAX_FILE_BYTES`].
pub fn read_document(root: &Path, path: &Path) -> Result<Document, Warning> {
    let uri = path
        .canonicalize()
        .unwrap_or_else(|_| path.to_path_buf())
        .to_string_lossy()
        .into_owned();
    let size = std::fs::metadata(path)
        .map_err(|e| unreadable(path, e.to_string()))?
        .len();
    if size > MAX_FILE_BYTES {
        return Err(Warning {
            file: uri,
            kind: WarningKind::TooLarge,
            message: format!("{size} bytes, over the {MAX_FILE_BYTES}-byte limit; skipped"),
        });
    }
    let bytes = std::fs::read(path).map_err(|e| unreadable(path, e.to_string()))?;
    let relative = path.strip_prefix(root).unwrap_or(path);
    Ok(Document::from_bytes(&uri, relative, bytes))
}

fn unreadable(path: &Path, message: String) -> Warning {
    Warning {
        file: path.to_string_lossy().into_owned(),
        kind: WarningKind::Unreadable,
        message,
    }
}
