//! Writing registries without losing data.
//!
//! - **Append** (`add`): the file is opened for appending and locked (advisory `flock`, shared
//!   by every evsynth process); the registry is re-read under the lock, checked with the new
//!   rows, and the new rows are written with one `write` call at the end, then `fsync`ed.
//!   Existing bytes are never rewritten and the file is never truncated — except to undo our
//!   own partial write after an I/O error (full disk), back to its length before the append.
//! - **Rewrite** (`fmt`, `init`): a temporary file in the same directory, `fsync`, then rename.
//!   Rewrites take the same lock, and an appender that finds the path renamed under it reopens.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use crate::error::Error;

/// A registry file opened for appending and held under an exclusive lock.
pub struct LockedRegistry {
    file: File,
    /// The file's bytes when the lock was taken.
    pub bytes: Vec<u8>,
}

impl LockedRegistry {
    /// Opens `path` for appending, waits for the exclusive lock, and reads the current bytes.
    pub fn open(path: &Path) -> Result<LockedRegistry, Error> {
        crate::registry::ensure_plain_file(path)
            .map_err(|e| Error::topic_file(path, "open for appending", e))?;
        loop {
            let mut file = OpenOptions::new()
                .read(true)
                .append(true)
                .open(path)
                .map_err(|e| Error::io(path, "open for appending", e))?;
            file.lock().map_err(|e| Error::io(path, "lock", e))?;
            // A rewrite (fmt) may have renamed a new file over the path while we waited: the
            // lock we hold is then on the old inode, and appending there would lose the rows.
            let current = std::fs::metadata(path).map_err(|e| Error::io(path, "inspect", e))?;
            let locked = file.metadata().map_err(|e| Error::io(path, "inspect", e))?;
            if current.ino() != locked.ino() || current.dev() != locked.dev() {
                continue;
            }
            let mut bytes = Vec::with_capacity(locked.len() as usize);
            file.seek(SeekFrom::Start(0))
                .and_then(|_| file.read_to_end(&mut bytes))
                .map_err(|e| Error::io(path, "read", e))?;
            return Ok(LockedRegistry { file, bytes });
        }
    }

    /// The line end the file uses (its header's), which appended rows keep.
    pub fn line_end(&self) -> LineEnd {
        LineEnd::of(&self.bytes)
    }

    /// The bytes to append so that `rows` (each ending in the file's line end) start on a line
    /// of their own, even if the file does not end with a newline.
    pub fn chunk_for(&self, rows: &str) -> Vec<u8> {
        let mut chunk = Vec::with_capacity(rows.len() + 2);
        if let Some(&last) = self.bytes.last()
            && last != b'\n'
        {
            chunk.extend_from_slice(self.line_end().as_str().as_bytes());
        }
        chunk.extend_from_slice(rows.as_bytes());
        chunk
    }

    /// Replaces the file with `bytes` (temporary file + rename) while still holding the lock,
    /// so no append can land between the read and the rename.
    pub fn replace(self, path: &Path, bytes: &[u8]) -> Result<(), Error> {
        crate::render::output::write_atomically(path, bytes)
    }

    /// Appends `chunk` in one write, flushes it to disk, and releases the lock. On failure the
    /// file is cut back to its length before the append, so it never holds half a row.
    pub fn append(mut self, path: &Path, chunk: &[u8]) -> Result<(), Error> {
        let before = self.bytes.len() as u64;
        let result = self
            .file
            .write_all(chunk)
            .and_then(|()| self.file.sync_all());
        if let Err(error) = result {
            let _ = self.file.set_len(before);
            let _ = self.file.sync_all();
            return Err(Error::io(path, "append to", error));
        }
        Ok(())
    }
}

/// How a file's lines end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineEnd {
    /// `\n` (and for an empty file or one without a line end yet).
    Lf,
    /// `\r\n`, as spreadsheets on Windows save CSV.
    CrLf,
}

impl LineEnd {
    /// The line end of `bytes`' first line.
    pub fn of(bytes: &[u8]) -> LineEnd {
        match memchr::memchr(b'\n', bytes) {
            Some(at) if at > 0 && bytes[at - 1] == b'\r' => LineEnd::CrLf,
            _ => LineEnd::Lf,
        }
    }

    /// The line end as text.
    pub fn as_str(self) -> &'static str {
        match self {
            LineEnd::Lf => "\n",
            LineEnd::CrLf => "\r\n",
        }
    }
}

/// Creates a new file with `bytes`, failing if it exists.
pub fn create_new(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| Error::io(path, "create", e))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|e| Error::io(path, "write", e))
}

/// Serialises one row of fields as a CSV line (minimal quoting) ending in `line_end`.
pub fn csv_line(fields: &[&str], line_end: LineEnd) -> String {
    let terminator = match line_end {
        LineEnd::Lf => csv::Terminator::Any(b'\n'),
        LineEnd::CrLf => csv::Terminator::CRLF,
    };
    let mut writer = csv::WriterBuilder::new()
        .terminator(terminator)
        .from_writer(Vec::new());
    // Writing to a Vec cannot fail.
    let _ = writer.write_record(fields);
    String::from_utf8(writer.into_inner().unwrap_or_default()).unwrap_or_default()
}
