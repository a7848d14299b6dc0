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
///
/// Each file still goes through a temporary file and a rename (a reader never sees half a
/// file), but without an fsync per file: reports are regenerated from the registry at will, and
/// 28 fsyncs per topic dominated batch runs. Registry writes keep theirs.
///
/// With `parallel`, the files are written on every core (a single large topic).
pub fn write_all(dir: &Path, files: &[OutputFile], parallel: bool) -> Result<(), Error> {
    use rayon::prelude::*;
    let write = |file: &OutputFile| {
        let target = dir.join(&file.path);
        let parent = target.parent().unwrap_or(dir).to_path_buf();
        std::fs::create_dir_all(&parent).map_err(|e| Error::io(&parent, "create directory", e))?;
        replace_file(&target, &file.bytes, Durability::RenameOnly)
    };
    if parallel {
        files.par_iter().try_for_each(write)
    } else {
        files.iter().try_for_each(write)
    }
}

/// Whether a replaced file is flushed to disk before the rename.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// fsync, then rename: survives a power cut (registry data).
    Fsync,
    /// Rename only: atomic for readers (generated reports).
    RenameOnly,
}

/// Writes `bytes` to `target` via a temporary file in the same directory, flushed to disk, and
/// a rename.
pub fn write_atomically(target: &Path, bytes: &[u8]) -> Result<(), Error> {
    replace_file(target, bytes, Durability::Fsync)
}

fn replace_file(target: &Path, bytes: &[u8], durability: Durability) -> Result<(), Error> {
    let temporary = temporary_name(target);
    let result = (|| {
        let mut file = std::fs::File::create(&temporary)?;
        file.write_all(bytes)?;
        if durability == Durability::Fsync {
            file.sync_all()?;
        }
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
