//! Writing a report's files atomically: each file goes to a temporary name in its directory,
//! is flushed to disk, then renamed over the old one, so a reader never sees half a file.

use std::io::{ErrorKind, Write};
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

/// Writes every file below `dir`, creating directories as needed: [`stage_all`], then each
/// renamed into place.
pub fn write_all(dir: &Path, files: &[OutputFile], parallel: bool) -> Result<(), Error> {
    stage_all(dir, files, parallel)?
        .into_iter()
        .try_for_each(StagedFile::commit)
}

/// Writes every file below `dir` under a temporary name, creating directories as needed, for
/// the caller to rename into place once all were written: a write that fails (a full disk)
/// removes the temporaries written so far, and the previous report stays whole instead of
/// becoming half new, half old. Files are written only after all of them were generated (in
/// memory, or staged as they were made: see [`StagedFile`]).
///
/// Each file goes through a temporary file and a rename (a reader never sees half a file), but
/// without an fsync per file: reports are regenerated from the registry at will, and 28 fsyncs
/// per topic dominated batch runs. Registry writes keep theirs.
///
/// With `parallel`, the files are written on every core (a single large topic).
pub fn stage_all(
    dir: &Path,
    files: &[OutputFile],
    parallel: bool,
) -> Result<Vec<StagedFile>, Error> {
    use rayon::prelude::*;
    let stage = |file: &OutputFile| {
        StagedFile::create(dir.join(&file.path), Durability::RenameOnly, |out| {
            out.write_all(&file.bytes)
        })
    };
    if parallel {
        files.par_iter().map(stage).collect()
    } else {
        files.iter().map(stage).collect()
    }
}

/// A file written under a temporary name in its directory, to be renamed over its target:
/// [`StagedFile::commit`] renames it; dropped uncommitted, it is removed. Every replaced file
/// goes this way; large report tables are staged as they are made (streamed, not held in
/// memory) and committed once the whole report was generated, so an error still leaves the
/// previous report as it was.
#[derive(Debug)]
pub struct StagedFile {
    temporary: PathBuf,
    target: PathBuf,
    committed: bool,
}

impl StagedFile {
    /// Creates `dir/path` under a temporary name and fills it with `write` (buffered).
    pub fn write(
        dir: &Path,
        path: &str,
        write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
    ) -> Result<StagedFile, Error> {
        StagedFile::create(dir.join(path), Durability::RenameOnly, |file| {
            let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
            write(&mut out)?;
            out.flush()
        })
    }

    /// The temporary file of `target`, filled by `fill` (and flushed to disk with `Fsync`).
    /// The target's directory is created when missing: tried only when the file cannot be
    /// created, which spares two system calls per file of a report (30 files in 3 directories).
    fn create(
        target: PathBuf,
        durability: Durability,
        fill: impl FnOnce(&mut std::fs::File) -> std::io::Result<()>,
    ) -> Result<StagedFile, Error> {
        let staged = StagedFile {
            temporary: temporary_name(&target),
            target,
            committed: false,
        };
        let mut file = match std::fs::File::create(&staged.temporary) {
            Err(e) if matches!(e.kind(), ErrorKind::NotFound | ErrorKind::NotADirectory) => {
                let parent = staged.target.parent().unwrap_or(Path::new("."));
                std::fs::create_dir_all(parent)
                    .map_err(|e| Error::io(parent, "create directory", e))?;
                std::fs::File::create(&staged.temporary)
            }
            created => created,
        }
        .map_err(|e| Error::io(&staged.target, "write", e))?;
        let result = (|| {
            fill(&mut file)?;
            if durability == Durability::Fsync {
                file.sync_all()?;
            }
            Ok(())
        })();
        // On error `staged` is dropped, which removes the temporary file.
        result.map_err(|e: std::io::Error| Error::io(&staged.target, "write", e))?;
        Ok(staged)
    }

    /// Renames the file into place.
    pub fn commit(mut self) -> Result<(), Error> {
        std::fs::rename(&self.temporary, &self.target)
            .map_err(|e| Error::io(&self.target, "write", e))?;
        self.committed = true;
        Ok(())
    }
}

impl Drop for StagedFile {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_file(&self.temporary);
        }
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
    StagedFile::create(target.to_path_buf(), durability, |file| {
        file.write_all(bytes)
    })?
    .commit()
}

fn temporary_name(target: &Path) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    target.with_file_name(format!(".{name}.tmp-{}", std::process::id()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_staged_file_replaces_its_target_only_when_committed() {
        let dir = tempfile::tempdir().unwrap();
        let tables = dir.path().join("tables");
        std::fs::create_dir_all(&tables).unwrap();
        std::fs::write(tables.join("t.csv"), "old\n").unwrap();

        let staged =
            StagedFile::write(dir.path(), "tables/t.csv", |out| out.write_all(b"new\n")).unwrap();
        // Written aside: the old file is still what readers see.
        assert_eq!(
            std::fs::read_to_string(tables.join("t.csv")).unwrap(),
            "old\n"
        );
        assert_eq!(names(&tables).len(), 2);
        staged.commit().unwrap();
        assert_eq!(
            std::fs::read_to_string(tables.join("t.csv")).unwrap(),
            "new\n"
        );
        assert_eq!(names(&tables), ["t.csv"]);
    }

    #[test]
    fn a_staged_file_dropped_or_failed_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("t.csv"), "old\n").unwrap();
        let staged = StagedFile::write(dir.path(), "t.csv", |out| out.write_all(b"new\n")).unwrap();
        drop(staged);
        assert_eq!(names(dir.path()), ["t.csv"]);

        let failed = StagedFile::write(dir.path(), "t.csv", |out| {
            out.write_all(b"half")?;
            Err(std::io::Error::other("disk full"))
        });
        let error = failed.unwrap_err().to_string();
        assert!(
            error.contains("t.csv") && error.contains("disk full"),
            "{error}"
        );
        assert_eq!(names(dir.path()), ["t.csv"]);
        assert_eq!(
            std::fs::read_to_string(dir.path().join("t.csv")).unwrap(),
            "old\n"
        );
    }
}
