//! Writing a report's files atomically: each file goes to a temporary name in its directory,
//! is flushed to disk, then renamed over the old one, so a reader never sees half a file.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::Error;

/// One generated file, relative to the report directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputFile {
    /// Path below the report directory (`/`-separated).
    pub path: String,
    /// Contents.
    pub bytes: Vec<u8>,
}

impl OutputFile {
    /// A file from text.
    pub fn text(path: impl Into<String>, text: String) -> OutputFile {
        OutputFile {
            path: path.into(),
            bytes: text.into_bytes(),
        }
    }
}

/// Writes every file below `dir`, creating directories as needed. Files are written only after
/// all of them were generated in memory, so an error leaves the previous report in place.
pub fn write_all(dir: &Path, files: &[OutputFile]) -> Result<(), Error> {
    for file in files {
        let target = dir.join(&file.path);
        let parent = target.parent().unwrap_or(dir).to_path_buf();
        std::fs::create_dir_all(&parent).map_err(|e| Error::io(&parent, "create directory", e))?;
        write_atomically(&target, &file.bytes)?;
    }
    Ok(())
}

/// Writes `bytes` to `target` via a temporary file in the same directory and a rename.
pub fn write_atomically(target: &Path, bytes: &[u8]) -> Result<(), Error> {
    let temporary = temporary_name(target);
    let result = (|| {
        let mut file = std::fs::File::create(&temporary)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&temporary, target)
    })();
    result.map_err(|e| {
        let _ = std::fs::remove_file(&temporary);
        Error::io(target, "write", e)
    })
}

fn temporary_name(target: &Path) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    target.with_file_name(format!(".{name}.tmp-{}", std::process::id()))
}
