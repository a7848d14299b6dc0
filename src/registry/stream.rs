//! Reading a registry file in blocks, so a large registry is never held whole in memory: each
//! block's complete records are parsed on every core, the incomplete record at its end is
//! carried into the next block, and the next block is read, hashed (when asked) and parsed
//! while a sink takes the rows of the last (keeps them, or checks and drops them).
//!
//! The result is the one [`read_registry`] gives for the whole file: blocks are cut at record
//! boundaries by the same quote-parity rule as chunks (see [`crate::registry::chunks`]), and
//! whenever a block meets a malformed record or irregular quoting, the whole file is read again
//! and parsed sequentially, which is how such problems are reported.

use std::io::{self, Read, Seek, SeekFrom};

use sha2::{Digest, Sha256};

use crate::registry::chunks::split_records;
use crate::registry::diagnostic::Diagnostics;
use crate::registry::header::read_header;
use crate::registry::hex;
use crate::registry::read::{PARALLEL_MIN_BYTES, ReadOutcome, parse_ranges, read_registry};
use crate::registry::row::RowParser;
use crate::registry::topic::Topic;

/// Bytes read per block: large enough to keep both cores busy (a block is cut into eight
/// chunks of 1 MiB), small enough that the raw text and the two blocks of parsed rows in
/// flight stay small. Memory touched for the first time is dear (in this project's VMs, about
/// 0.4 ms a MiB, six times a second touch): 8 MiB blocks hold `validate` of a million findings
/// to 135 MiB, against 209 MiB with 32 MiB blocks, and make it 6% faster.
pub const BLOCK_BYTES: usize = 8 << 20;

/// Reads and parses a registry from `input` in blocks of `block_bytes`; also returns the
/// lowercase hex SHA-256 of its bytes. `path` names the file in messages; `this_year` bounds
/// `year`. Reading starts at the input's first byte; inputs that fit in one block are read
/// whole.
pub fn read_registry_streamed<R: Read + Seek + Send>(
    input: R,
    path: &str,
    topic: &Topic,
    this_year: i32,
    block_bytes: usize,
) -> io::Result<(ReadOutcome, String)> {
    let mut outcome = ReadOutcome::empty(Diagnostics::new(path));
    let mut hasher = Sha256::new();
    let streamed = stream_registry(
        input,
        path,
        topic,
        this_year,
        block_bytes,
        Some(&mut hasher),
        |parts, room| outcome.append(parts, room),
    )?;
    let sha256 = hex(hasher.finalize().as_slice());
    Ok(match streamed {
        Streamed::Blocks => (outcome, sha256),
        Streamed::Whole(outcome) => (outcome, sha256),
    })
}

/// How a streamed read ended.
pub enum Streamed {
    /// Every row and problem went to the sink, block by block, in file order.
    Blocks,
    /// The file was read whole instead (it fits in one block, or a block met a malformed
    /// record or irregular quoting): every row and problem are here, and whatever the sink
    /// received is void.
    Whole(ReadOutcome),
}

/// Reads and parses a registry from `input` in blocks of `block_bytes`, handing each block's
/// rows and problems (parts in file order, the header's problems first) to `sink` together with
/// how many more rows the rest of the file is estimated to hold (after the first block; 0
/// after the others). The sink can keep the rows or check and drop them, so a large registry is
/// checked without holding it. With a `hasher`, the file's bytes go through it, once, whatever
/// the path taken (`validate` needs no hash and skips that work).
pub fn stream_registry<R: Read + Seek + Send>(
    mut input: R,
    path: &str,
    topic: &Topic,
    this_year: i32,
    block_bytes: usize,
    mut hasher: Option<&mut Sha256>,
    mut sink: impl FnMut(Vec<ReadOutcome>, usize) + Send,
) -> io::Result<Streamed> {
    let input_bytes = input.seek(SeekFrom::End(0))?;
    input.seek(SeekFrom::Start(0))?;
    // A block is never larger than the input (plus one byte, to see its end).
    let block_bytes = block_bytes.max(1).min(input_bytes_hint(input_bytes));
    // Room for a block and the part of the previous one carried over (at most a quarter of a
    // block and one record), so the buffer is allocated once.
    let mut buffer = Vec::with_capacity(block_bytes.saturating_mul(2));
    let end = fill(&mut input, &mut buffer, block_bytes)?;
    if end {
        return Ok(read_bytes(&buffer, path, topic, this_year, hasher));
    }
    let mut header_diagnostics = Diagnostics::new(path);
    let Some(start) = read_header(&buffer, &mut header_diagnostics) else {
        return read_whole(input, path, topic, this_year, hasher);
    };
    // A header longer than a block is read whole.
    if start.body_start >= buffer.len() || buffer[start.body_start - 1] != b'\n' {
        return read_whole(input, path, topic, this_year, hasher);
    }
    sink(vec![ReadOutcome::empty(header_diagnostics)], 0);
    let parser = RowParser::new(&start.header, topic, this_year);
    let threads = rayon::current_num_threads();
    let chunk_bytes = (block_bytes / (4 * threads))
        .max(PARALLEL_MIN_BYTES.min(block_bytes / 4))
        .max(1);
    let mut reader = BlockReader {
        buffer,
        block_bytes,
        chunk_bytes,
        end,
        records_from: start.body_start,
        line: start.body_line,
        parser: &parser,
        path,
    };
    let Some(mut block) = reader.parse_hashing(0, hasher.as_deref_mut()) else {
        return read_whole(input, path, topic, this_year, hasher);
    };
    // After the first block, room for the rest of the file's rows as estimated from it.
    let rows = block.parts.iter().map(|p| p.findings.len()).sum();
    let mut room = expected_rows(rows, block.carried_from, input_bytes).saturating_sub(rows);
    loop {
        if reader.end {
            sink(block.parts, room);
            break;
        }
        // The sink takes this block's rows (the cross-row checks run on one core) while the
        // next block is read, hashed and parsed on the other.
        let ((), next) = rayon::join(
            || sink(block.parts, room),
            || {
                let carried = (block.carried_from, block.next_line);
                reader.next(&mut input, carried, hasher.as_deref_mut())
            },
        );
        room = 0;
        block = match next? {
            Some(next) => next,
            None => return read_whole(input, path, topic, this_year, hasher),
        };
    }
    Ok(Streamed::Blocks)
}

/// Reads a registry's body block by block and parses each block's complete records on every
/// core.
struct BlockReader<'a> {
    /// The current block, after the part of the previous block carried over.
    buffer: Vec<u8>,
    block_bytes: usize,
    chunk_bytes: usize,
    /// True once the input's last byte is in `buffer`.
    end: bool,
    /// Where the current block's first record starts in `buffer`.
    records_from: usize,
    /// The line of that record.
    line: u64,
    parser: &'a RowParser<'a>,
    path: &'a str,
}

/// One block's rows and problems, where its incomplete last record starts, and that record's
/// line.
struct Block {
    parts: Vec<ReadOutcome>,
    carried_from: usize,
    next_line: u64,
}

impl BlockReader<'_> {
    /// Parses the complete records of the current block; `None` for irregular quoting, a
    /// record longer than a block, or a malformed record (the caller reads the file whole).
    fn parse(&self) -> Option<Block> {
        let mut ranges = split_records(&self.buffer, self.records_from, self.chunk_bytes);
        let carried_from = if self.end {
            self.buffer.len()
        } else if ranges.len() < 2 {
            return None;
        } else {
            ranges
                .pop()
                .map_or(self.buffer.len(), |carried| carried.start)
        };
        let (parts, next_line) =
            parse_ranges(&self.buffer, &ranges, self.line, self.parser, self.path)?;
        Some(Block {
            parts,
            carried_from,
            next_line,
        })
    }

    /// Drops the current block up to the incomplete record at `carried_from` (on line
    /// `next_line`), reads the next block of `input` after it and parses it, hashing the new
    /// bytes at the same time ([`BlockReader::parse_hashing`]).
    fn next(
        &mut self,
        input: &mut impl Read,
        (carried_from, next_line): (usize, u64),
        hasher: Option<&mut Sha256>,
    ) -> io::Result<Option<Block>> {
        self.line = next_line;
        self.buffer.drain(..carried_from);
        self.records_from = 0;
        let carried = self.buffer.len();
        self.end = fill(input, &mut self.buffer, self.block_bytes)?;
        Ok(self.parse_hashing(carried, hasher))
    }

    /// [`BlockReader::parse`], with the block's bytes from `new_from` (those not hashed with
    /// the previous block) going through `hasher` at the same time. Hashed before the parse,
    /// a block's 8 MB kept the other core idle once it had checked the previous block's rows.
    fn parse_hashing(&self, new_from: usize, hasher: Option<&mut Sha256>) -> Option<Block> {
        let (parsed, ()) = rayon::join(
            || self.parse(),
            || {
                if let Some(hasher) = hasher {
                    hasher.update(&self.buffer[new_from..]);
                }
            },
        );
        parsed
    }
}

/// The whole input's size plus one as a buffer length (or the largest one, where it does not
/// fit).
fn input_bytes_hint(input_bytes: u64) -> usize {
    usize::try_from(input_bytes.saturating_add(1)).unwrap_or(usize::MAX)
}

/// Rows to reserve room for: the first block's rows per byte extrapolated to the whole input,
/// plus a tenth, so the rows are not copied as the list grows (room reserved and never used
/// costs address space, not memory).
fn expected_rows(rows: usize, bytes_read: usize, input_bytes: u64) -> usize {
    let per_byte = rows as f64 / bytes_read.max(1) as f64;
    let expected = per_byte * input_bytes as f64 * 1.1;
    (expected as usize).min(usize::try_from(input_bytes / 2).unwrap_or(usize::MAX))
}

/// Appends up to `block_bytes` more bytes of `input` to `buffer`; true at the end of input.
/// The bytes are read into room reserved beforehand, without zero-filling it first: `take`
/// stops `read_to_end` at the block's end, so it never grows the buffer to look further.
fn fill(input: &mut impl Read, buffer: &mut Vec<u8>, block_bytes: usize) -> io::Result<bool> {
    let start = buffer.len();
    buffer.reserve(block_bytes);
    input.take(block_bytes as u64).read_to_end(buffer)?;
    Ok(buffer.len() - start < block_bytes)
}

/// Reads the whole input again and parses it (the path for malformed files).
fn read_whole<R: Read + Seek>(
    mut input: R,
    path: &str,
    topic: &Topic,
    this_year: i32,
    hasher: Option<&mut Sha256>,
) -> io::Result<Streamed> {
    input.seek(SeekFrom::Start(0))?;
    let mut bytes = Vec::new();
    input.read_to_end(&mut bytes)?;
    Ok(read_bytes(&bytes, path, topic, this_year, hasher))
}

/// Parses a whole input held in memory and, beside that, hashes it if asked; a hasher that saw
/// part of the input (blocks read before a fallback) starts again.
fn read_bytes(
    bytes: &[u8],
    path: &str,
    topic: &Topic,
    this_year: i32,
    hasher: Option<&mut Sha256>,
) -> Streamed {
    let (outcome, ()) = rayon::join(
        || read_registry(bytes, path, topic, this_year),
        || {
            if let Some(hasher) = hasher {
                *hasher = Sha256::new();
                hasher.update(bytes);
            }
        },
    );
    Streamed::Whole(outcome)
}
