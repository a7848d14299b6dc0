//! Writing a report's files atomically: each file goes to a temporary name in its directory,
//! then is renamed over the old one (registry writes are flushed to disk first), so a reader
//! never sees half a file. A file that already holds its new bytes is left as it is.

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
/// A file that already holds exactly the new bytes (a rerun over an unchanged registry: the
/// report is deterministic) is left as it is, not staged: no write, no new inode, and its
/// modification time still tells when its content last changed.
///
/// With `parallel`, the files are written on every core (a single large topic).
pub fn stage_all(
    dir: &Path,
    files: &[OutputFile],
    parallel: bool,
) -> Result<Vec<StagedFile>, Error> {
    use rayon::prelude::*;
    let stage = |file: &OutputFile| {
        let target = dir.join(&file.path);
        if holds(&target, &file.bytes) {
            return Ok(None);
        }
        StagedFile::create(target, Durability::RenameOnly, |out| {
            out.write_all(&file.bytes)
        })
        .map(Some)
    };
    let staged: Result<Vec<Option<StagedFile>>, Error> = if parallel {
        files.par_iter().map(stage).collect()
    } else {
        files.iter().map(stage).collect()
    };
    Ok(staged?.into_iter().flatten().collect())
}

/// Whether `path` is a regular file (not a link) holding exactly `bytes`: what a report run
/// leaves alone and what `report --check` counts as up to date.
pub fn holds(path: &Path, bytes: &[u8]) -> bool {
    holds_read(path, &mut &bytes[..], bytes.len() as u64)
}

/// Whether `path` is a regular file (not a link) of `len` bytes holding the `len` bytes that
/// `expected` gives.
fn holds_read(path: &Path, expected: &mut dyn std::io::Read, len: u64) -> bool {
    let regular_of_len =
        std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_file() && m.len() == len);
    regular_of_len && std::fs::File::open(path).is_ok_and(|file| same_bytes(file, expected, len))
}

/// Whether `file` (of `len` bytes) and `expected` give the same `len` bytes and `file` no
/// more: compared 64 KiB at a time, stopping at the first difference.
fn same_bytes(mut file: std::fs::File, expected: &mut dyn std::io::Read, len: u64) -> bool {
    use std::io::Read;
    const BLOCK: u64 = 64 << 10;
    let block = BLOCK.min(len.max(1)) as usize;
    let (mut ours, mut theirs) = (vec![0u8; block], vec![0u8; block]);
    let mut rest = len;
    while rest > 0 {
        let want = BLOCK.min(rest) as usize;
        if file.read_exact(&mut ours[..want]).is_err()
            || expected.read_exact(&mut theirs[..want]).is_err()
            || ours[..want] != theirs[..want]
        {
            return false;
        }
        rest -= want as u64;
    }
    // Nothing past the expected end (the file did not grow since its size was read).
    matches!(file.read(&mut ours[..1]), Ok(0))
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
    /// Streams `dir/path`'s new bytes from `write`, comparing them with the bytes the target
    /// holds as they come and writing nothing while they agree: a rerun over an unchanged
    /// report reads each table once and writes none ([`Streamed::Unchanged`]). At the first
    /// difference (or with no target) the file is staged under a temporary name, the agreeing
    /// part copied from the target, and the rest written after it ([`Streamed::Staged`]).
    /// (Before, every table was written whole to a temporary file and then read back beside
    /// its target: 0.07 s of a million findings' rerun.)
    pub fn stream(
        dir: &Path,
        path: &str,
        write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
    ) -> Result<Streamed, Error> {
        let target = dir.join(path);
        let mut out = UnlessHeld::new(target.clone());
        write(&mut out).and_then(|()| out.finish()).map_err(|e| {
            out.failure
                .take()
                .unwrap_or_else(|| Error::io(&target, "write", e))
        })
    }

    /// The temporary file of `target`, filled by `fill` (and flushed to disk with `Fsync`).
    fn create(
        target: PathBuf,
        durability: Durability,
        fill: impl FnOnce(&mut std::fs::File) -> std::io::Result<()>,
    ) -> Result<StagedFile, Error> {
        let (staged, mut file) = StagedFile::open(target)?;
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

    /// The staged file of `target`, created empty, and the file to fill. The target's directory
    /// is created when missing: tried only when the file cannot be created, which spares two
    /// system calls per file of a report (30 files in 3 directories).
    fn open(target: PathBuf) -> Result<(StagedFile, std::fs::File), Error> {
        let staged = StagedFile {
            temporary: temporary_name(&target),
            target,
            committed: false,
        };
        let file = match std::fs::File::create(&staged.temporary) {
            Err(e) if matches!(e.kind(), ErrorKind::NotFound | ErrorKind::NotADirectory) => {
                let parent = staged.target.parent().unwrap_or(Path::new("."));
                std::fs::create_dir_all(parent)
                    .map_err(|e| Error::io(parent, "create directory", e))?;
                std::fs::File::create(&staged.temporary)
            }
            created => created,
        }
        .map_err(|e| Error::io(&staged.target, "write", e))?;
        Ok((staged, file))
    }

    /// Renames the file into place.
    pub fn commit(mut self) -> Result<(), Error> {
        std::fs::rename(&self.temporary, &self.target)
            .map_err(|e| Error::io(&self.target, "write", e))?;
        self.committed = true;
        Ok(())
    }
}

/// What streaming a table ([`StagedFile::stream`]) did.
#[derive(Debug)]
pub enum Streamed {
    /// The target already held the same bytes: nothing was written, and it is left as it is.
    Unchanged,
    /// The new bytes are staged, to be committed.
    Staged(StagedFile),
}

/// A writer that compares the bytes given with a target file's and stages a replacement only
/// from the first difference on (see [`StagedFile::stream`]).
struct UnlessHeld {
    target: PathBuf,
    /// The target (a regular file) and its length, while the bytes given agree with it.
    held: Option<(std::fs::File, u64)>,
    /// How many bytes agreed so far.
    agreed: u64,
    /// The target's next bytes, read to compare.
    scratch: Vec<u8>,
    /// The replacement, once the bytes differ.
    staged: Option<(StagedFile, std::io::BufWriter<std::fs::File>)>,
    /// Why the replacement could not be created (its directory, say), as reported.
    failure: Option<Error>,
}

impl UnlessHeld {
    fn new(target: PathBuf) -> UnlessHeld {
        let held = std::fs::symlink_metadata(&target)
            .ok()
            .filter(|m| m.file_type().is_file())
            .and_then(|m| Some((std::fs::File::open(&target).ok()?, m.len())));
        UnlessHeld {
            target,
            held,
            agreed: 0,
            scratch: Vec::new(),
            staged: None,
            failure: None,
        }
    }

    /// Whether `bytes` are the target's next bytes (read from it when they fit in its length).
    fn agrees(&mut self, bytes: &[u8]) -> bool {
        use std::io::Read;
        let Some((held, len)) = self.held.as_mut() else {
            return false;
        };
        if self.agreed + bytes.len() as u64 > *len {
            return false;
        }
        self.scratch.resize(bytes.len(), 0);
        held.read_exact(&mut self.scratch).is_ok() && self.scratch == bytes
    }

    /// Stages the replacement, starting with the bytes that agreed (copied from the target);
    /// a no-op once staged.
    fn diverge(&mut self) -> std::io::Result<&mut std::io::BufWriter<std::fs::File>> {
        if self.staged.is_none() {
            let (staged, file) = StagedFile::open(self.target.clone()).map_err(|e| {
                let message = e.to_string();
                self.failure = Some(e);
                std::io::Error::other(message)
            })?;
            let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
            if self.agreed > 0 {
                use std::io::Read;
                let held = std::fs::File::open(&self.target)?;
                let copied = std::io::copy(&mut held.take(self.agreed), &mut out)?;
                if copied != self.agreed {
                    return Err(std::io::Error::new(
                        ErrorKind::UnexpectedEof,
                        "the previous file shrank while it was compared",
                    ));
                }
            }
            self.held = None;
            self.staged = Some((staged, out));
        }
        match self.staged.as_mut() {
            Some((_, out)) => Ok(out),
            None => Err(std::io::Error::other("no staged file")),
        }
    }

    /// Unchanged when every byte agreed and the target has no more; else the staged file,
    /// flushed.
    fn finish(&mut self) -> std::io::Result<Streamed> {
        use std::io::Read;
        if self.staged.is_none()
            && let Some((held, len)) = self.held.as_mut()
            && self.agreed == *len
            && matches!(held.read(&mut [0u8; 1]), Ok(0))
        {
            return Ok(Streamed::Unchanged);
        }
        self.diverge()?.flush()?;
        match self.staged.take() {
            Some((staged, _)) => Ok(Streamed::Staged(staged)),
            None => Err(std::io::Error::other("no staged file")),
        }
    }
}

impl Write for UnlessHeld {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        if self.staged.is_none() && self.agrees(bytes) {
            self.agreed += bytes.len() as u64;
            return Ok(bytes.len());
        }
        self.diverge()?.write_all(bytes)?;
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self.staged.as_mut() {
            Some((_, out)) => out.flush(),
            None => Ok(()),
        }
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

    /// The staged file of a stream whose bytes differ from the target's.
    fn staged(streamed: Streamed) -> StagedFile {
        match streamed {
            Streamed::Staged(file) => file,
            Streamed::Unchanged => panic!("expected a staged file"),
        }
    }

    #[test]
    fn a_staged_file_replaces_its_target_only_when_committed() {
        let dir = tempfile::tempdir().unwrap();
        let tables = dir.path().join("tables");
        std::fs::create_dir_all(&tables).unwrap();
        std::fs::write(tables.join("t.csv"), "old\n").unwrap();

        let staged = staged(
            StagedFile::stream(dir.path(), "tables/t.csv", |out| out.write_all(b"new\n")).unwrap(),
        );
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
        // A missing directory is created.
        let fresh = staged_in(dir.path(), "new/dir/t.csv", b"x\n");
        fresh.commit().unwrap();
        assert_eq!(
            std::fs::read(dir.path().join("new/dir/t.csv")).unwrap(),
            b"x\n"
        );
    }

    fn staged_in(dir: &Path, path: &str, bytes: &[u8]) -> StagedFile {
        staged(StagedFile::stream(dir, path, |out| out.write_all(bytes)).unwrap())
    }

    #[test]
    fn a_staged_file_dropped_or_failed_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("t.csv"), "old\n").unwrap();
        drop(staged_in(dir.path(), "t.csv", b"new\n"));
        assert_eq!(names(dir.path()), ["t.csv"]);

        // Failing after the bytes differ (staged), and while they still agree (not staged).
        for written in [&b"half"[..], b"ol"] {
            let failed = StagedFile::stream(dir.path(), "t.csv", |out| {
                out.write_all(written)?;
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

    proptest::proptest! {
        /// Streamed in any pieces, new bytes are found unchanged exactly when the target holds
        /// them, and otherwise staged whole: the part that agreed (copied from the target) and
        /// the rest. Targets are missing, shorter, longer, or differ anywhere.
        #[test]
        fn a_stream_is_unchanged_exactly_when_the_target_holds_its_bytes(
            old in proptest::option::of(proptest::collection::vec(0u8..3, 0..40)),
            new in proptest::collection::vec(0u8..3, 0..40),
            cuts in proptest::collection::vec(0usize..40, 0..5),
        ) {
            let dir = tempfile::tempdir().unwrap();
            let target = dir.path().join("t.csv");
            if let Some(old) = &old {
                std::fs::write(&target, old).unwrap();
            }
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(new.len())).collect();
            cuts.sort_unstable();
            let streamed = StagedFile::stream(dir.path(), "t.csv", |out| {
                let mut from = 0;
                for cut in cuts.iter().copied().chain(std::iter::once(new.len())) {
                    out.write_all(&new[from..cut])?;
                    from = cut;
                }
                Ok(())
            })
            .unwrap();
            match streamed {
                Streamed::Unchanged => {
                    proptest::prop_assert_eq!(old.as_ref(), Some(&new));
                    proptest::prop_assert_eq!(names(dir.path()), ["t.csv"]);
                }
                Streamed::Staged(file) => {
                    proptest::prop_assert_ne!(old.as_ref(), Some(&new));
                    file.commit().unwrap();
                    proptest::prop_assert_eq!(std::fs::read(&target).unwrap(), new);
                    proptest::prop_assert_eq!(names(dir.path()), ["t.csv"]);
                }
            }
        }
    }

    /// A file is left alone only when it is a regular file with exactly the new bytes: same
    /// size but other bytes, a longer or shorter file, or a link to a file with those bytes
    /// are all written.
    #[test]
    fn only_a_regular_file_with_the_same_bytes_holds_them() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        let bytes: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &bytes).unwrap();
        assert!(holds(&path, &bytes));
        let mut other = bytes.clone();
        other[150_000] ^= 1;
        assert!(
            !holds(&path, &other),
            "same size, one byte past the first block"
        );
        assert!(!holds(&path, &bytes[..bytes.len() - 1]));
        assert!(!holds(&dir.path().join("missing"), b""));
        std::fs::write(&path, b"").unwrap();
        assert!(holds(&path, b""));
        let link = dir.path().join("link");
        std::fs::write(&path, &bytes).unwrap();
        std::os::unix::fs::symlink(&path, &link).unwrap();
        assert!(!holds(&link, &bytes));
    }

    /// Staging the same bytes again stages nothing; a staged file with its target's bytes is
    /// not renamed over it (the target keeps its inode); one with other bytes is.
    #[test]
    fn unchanged_files_are_left_as_they_are() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().unwrap();
        let files = [
            OutputFile::text("a.md", "same\n".to_string()),
            OutputFile::text("charts/b.svg", "<svg/>".to_string()),
        ];
        write_all(dir.path(), &files, false).unwrap();
        let inode = |name: &str| std::fs::metadata(dir.path().join(name)).unwrap().ino();
        let before = (inode("a.md"), inode("charts/b.svg"));
        assert!(stage_all(dir.path(), &files, false).unwrap().is_empty());
        assert_eq!((inode("a.md"), inode("charts/b.svg")), before);

        std::fs::write(dir.path().join("t.csv"), "x,y\n").unwrap();
        let table = inode("t.csv");
        let same = StagedFile::stream(dir.path(), "t.csv", |out| out.write_all(b"x,y\n")).unwrap();
        assert!(matches!(same, Streamed::Unchanged));
        assert_eq!(inode("t.csv"), table);
        staged_in(dir.path(), "t.csv", b"x,z\n").commit().unwrap();
        // A link to a file holding the bytes is replaced by a regular file.
        std::os::unix::fs::symlink(dir.path().join("t.csv"), dir.path().join("l.csv")).unwrap();
        staged_in(dir.path(), "l.csv", b"x,z\n").commit().unwrap();
        assert!(
            std::fs::symlink_metadata(dir.path().join("l.csv"))
                .unwrap()
                .is_file()
        );
        std::fs::remove_file(dir.path().join("l.csv")).unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.path().join("t.csv")).unwrap(),
            "x,z\n"
        );
        assert_eq!(names(dir.path()), ["a.md", "charts", "t.csv"]);
    }
}
