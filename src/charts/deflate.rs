//! The zlib stream of a PNG's filtered rows, written fast.
//!
//! This is the compressor of `fdeflate` 0.3.7 (image-rs, MIT OR Apache-2.0), the png crate's
//! fast mode: one deflate block with a Huffman code fixed in advance (trained by its authors on
//! filtered PNG rows, whose bytes are mostly near zero), every byte a literal except runs of
//! zeros, which are matches at distance 1. The code lengths and the block header below are
//! fdeflate's `HUFFMAN_LENGTHS` and header bytes.
//!
//! Two changes serve chart rows, which are mostly background:
//! - a row that repeats the row above (under the `Up` filter: its filter byte, then zeros) is
//!   a [`LeadAndZeros`], encoded once per image: its bits are copied 64 at a time, without
//!   reading the row, and the checksum is updated by arithmetic;
//! - a run of zeros in a row is skipped 32 bytes at a time.
//!
//! A run's length symbol comes from a table built at compile time, as in fdeflate (a binary
//! search in a first version cost as much as the two changes saved). With the encoder
//! whitening each row as it writes it (`png_encode`), a batch's user CPU fell by a tenth
//! (2026-12-06). The stream written here is byte for byte the one fdeflate writes for the
//! same data, which a test checks against fdeflate itself.

use simd_adler32::Adler32;

/// Code lengths of the literal/length alphabet (symbols 0–285), fdeflate's `HUFFMAN_LENGTHS`.
/// The distance alphabet has one code (distance 1), of one bit.
const CODE_LENGTHS: [u8; 286] = [
    2, 3, 4, 5, 5, 6, 6, 7, 7, 7, 8, 8, 8, 8, 8, 9, 9, 9, 9, 9, 9, 9, 10, 10, 10, 10, 10, 10, 10,
    10, 10, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 11, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12,
    12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12,
    12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12,
    12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12,
    12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12,
    12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12,
    12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12,
    12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 11, 11, 11, 11, 11, 11, 11,
    11, 11, 11, 10, 11, 10, 10, 10, 10, 10, 10, 10, 10, 10, 9, 9, 9, 9, 9, 8, 9, 8, 8, 8, 8, 8, 7,
    7, 7, 6, 6, 6, 5, 4, 3, 12, 12, 12, 9, 9, 11, 10, 11, 11, 10, 11, 11, 11, 11, 11, 11, 12, 11,
    12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 9,
];

/// The zlib header (deflate, 32 KiB window, no dictionary) and the dynamic block header that
/// declares `CODE_LENGTHS`: 53 whole bytes, then 5 bits of the last one.
const HEADER: [u8; 54] = [
    120, 1, 237, 192, 3, 160, 36, 89, 150, 198, 241, 255, 119, 238, 141, 200, 204, 167, 114, 75,
    99, 174, 109, 219, 182, 109, 219, 182, 109, 219, 182, 109, 105, 140, 158, 150, 74, 175, 158,
    50, 51, 34, 238, 249, 118, 183, 106, 122, 166, 135, 59, 107, 213, 15,
];

/// Bit-reversed canonical Huffman codes of `CODE_LENGTHS` (deflate writes codes from their
/// most significant bit into a stream read from the least).
const CODES: [u16; 286] = canonical_codes(&CODE_LENGTHS);

/// The symbol of end of block.
const END_OF_BLOCK: usize = 256;
/// The length symbol of a match of 258 bytes, the longest.
const LONGEST_MATCH_SYMBOL: usize = 285;
/// The shortest length of each length symbol 257–285 (RFC 1951, 3.2.5).
const LENGTH_BASES: [u16; 29] = [
    3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131,
    163, 195, 227, 258,
];
/// The extra bits of each length symbol 257–285 (RFC 1951, 3.2.5).
const LENGTH_EXTRA_BITS: [u8; 29] = [
    0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
];
/// The index into `LENGTH_BASES` of each match length 0–257 (the lengths below 3 have none
/// and read 0).
const LENGTH_INDEX: [u8; 258] = length_indices();

/// The modulus of the Adler-32 checksum.
const ADLER_MODULUS: u64 = 65_521;

/// For each length 3–257, the last length symbol whose base is at most it.
const fn length_indices() -> [u8; 258] {
    let mut indices = [0u8; 258];
    let mut length = 3;
    while length < 258 {
        let mut index = 0;
        while index + 1 < LENGTH_BASES.len() && LENGTH_BASES[index + 1] as usize <= length {
            index += 1;
        }
        indices[length] = index as u8;
        length += 1;
    }
    indices
}

/// Canonical Huffman codes for `lengths`, each reversed into the order deflate writes it.
const fn canonical_codes<const N: usize>(lengths: &[u8; N]) -> [u16; N] {
    let mut codes = [0u16; N];
    let mut code = 0u32;
    let mut length = 1;
    while length <= 16 {
        let mut symbol = 0;
        while symbol < N {
            if lengths[symbol] == length {
                codes[symbol] = (code as u16).reverse_bits() >> (16 - length);
                code += 1;
            }
            symbol += 1;
        }
        code <<= 1;
        length += 1;
    }
    assert!(
        code == 2 << 16,
        "the code lengths are not a complete prefix code"
    );
    codes
}

/// A zlib stream being written: the bytes so far, the bits not yet a whole word, and the
/// checksum of the data.
pub(crate) struct ZlibRows {
    out: Vec<u8>,
    bits: u64,
    nbits: u8,
    checksum: Adler32,
}

impl ZlibRows {
    /// Starts a stream whose output is expected to need about `capacity` bytes.
    pub(crate) fn new(capacity: usize) -> Self {
        let mut stream = Self::bare(capacity.max(HEADER.len()));
        stream.out.extend_from_slice(&HEADER[..53]);
        stream.write_bits(u64::from(HEADER[53]), 5);
        stream
    }

    /// An empty stream without its headers: bits to be copied into streams later.
    fn bare(capacity: usize) -> Self {
        Self {
            out: Vec::with_capacity(capacity),
            bits: 0,
            nbits: 0,
            checksum: Adler32::new(),
        }
    }

    /// Appends the low `count` (at most 64) bits of `bits`, whose higher bits are zero; each
    /// whole 64-bit word goes to the output.
    #[inline(always)]
    fn write_bits(&mut self, bits: u64, count: u8) {
        debug_assert!(count <= 64);
        self.bits |= bits << self.nbits;
        self.nbits += count;
        if self.nbits >= 64 {
            self.out.extend_from_slice(&self.bits.to_le_bytes());
            self.nbits -= 64;
            self.bits = bits.checked_shr(u32::from(count - self.nbits)).unwrap_or(0);
        }
    }

    /// Appends one literal byte.
    #[inline(always)]
    fn write_literal(&mut self, byte: u8) {
        let symbol = usize::from(byte);
        self.write_bits(u64::from(CODES[symbol]), CODE_LENGTHS[symbol]);
    }

    /// Appends a run of `run` ≥ 1 zeros: a literal zero, then matches at distance 1 (a length
    /// symbol, its extra bits and the distance's one-bit code); up to 4 more zeros as literals.
    #[inline]
    fn write_run(&mut self, run: usize) {
        debug_assert!(run > 0);
        self.write_literal(0);
        let mut rest = run - 1;
        while rest >= 258 {
            self.write_bits(
                u64::from(CODES[LONGEST_MATCH_SYMBOL]),
                CODE_LENGTHS[LONGEST_MATCH_SYMBOL] + 1,
            );
            rest -= 258;
        }
        if rest > 4 {
            let index = usize::from(LENGTH_INDEX[rest]);
            let symbol = 257 + index;
            self.write_bits(u64::from(CODES[symbol]), CODE_LENGTHS[symbol]);
            let extra = (rest - usize::from(LENGTH_BASES[index])) as u64;
            self.write_bits(extra, LENGTH_EXTRA_BITS[index] + 1);
        } else {
            // The literal zero's code is `00`, so `rest` of them are 2·rest zero bits.
            debug_assert_eq!((CODES[0], CODE_LENGTHS[0]), (0, 2));
            self.write_bits(0, rest as u8 * CODE_LENGTHS[0]);
        }
    }

    /// Appends `data`. Zeros are counted 8 bytes at a time, aligned to the start of `data`,
    /// and written as a run when a non-zero byte ends them; the last `data.len() % 8` bytes
    /// are literals (fdeflate's layout, kept so the streams agree).
    pub(crate) fn write(&mut self, data: &[u8]) {
        self.checksum.write(data);
        let words = data.len() / 8;
        let word = |index: usize| {
            u64::from_le_bytes(data[index * 8..index * 8 + 8].try_into().expect("8 bytes"))
        };
        let mut run = 0usize;
        let mut index = 0;
        while index < words {
            if run > 0 {
                // Inside a run of zeros: skip 32 bytes at a time while they stay zero.
                while index + 4 <= words
                    && (word(index) | word(index + 1) | word(index + 2) | word(index + 3)) == 0
                {
                    run += 32;
                    index += 4;
                }
                if index == words {
                    break;
                }
            }
            let chunk = &data[index * 8..index * 8 + 8];
            let value = word(index);
            index += 1;
            if value == 0 {
                run += 8;
                continue;
            }
            let mut from = 0;
            if run > 0 {
                let trailing = value.trailing_zeros() as usize / 8;
                self.write_run(run + trailing);
                run = 0;
                if trailing > 0 {
                    let leading = value.leading_zeros() as usize / 8;
                    for &byte in &chunk[trailing..8 - leading] {
                        self.write_literal(byte);
                    }
                    run = leading;
                    continue;
                }
                from = trailing;
            }
            let leading = value.leading_zeros() as usize / 8;
            if leading > 0 {
                for &byte in &chunk[from..8 - leading] {
                    self.write_literal(byte);
                }
                run = leading;
                continue;
            }
            self.write_eight(chunk);
        }
        if run > 0 {
            self.write_run(run);
        }
        for &byte in &data[words * 8..] {
            self.write_literal(byte);
        }
    }

    /// Appends 8 bytes as literals, four codes (at most 48 bits) to a write.
    #[inline(always)]
    fn write_eight(&mut self, chunk: &[u8]) {
        for half in chunk.chunks_exact(4) {
            let mut bits = 0u64;
            let mut shift = 0;
            for &byte in half {
                let symbol = usize::from(byte);
                bits |= u64::from(CODES[symbol]) << shift;
                shift += CODE_LENGTHS[symbol];
            }
            self.write_bits(bits, shift);
        }
    }

    /// Appends a byte and zeros whose bits were encoded in advance, without reading them: the
    /// same stream as `write` of the byte and the zeros.
    pub(crate) fn write_lead_and_zeros(&mut self, piece: &LeadAndZeros) {
        self.checksum_lead_and_zeros(piece.lead, piece.zeros);
        for &word in &piece.words {
            self.write_bits(word, 64);
        }
        self.write_bits(piece.tail, piece.tail_bits);
    }

    /// Adds `lead` and `count` zeros to the checksum by arithmetic. Adler-32 keeps a = 1 + the
    /// sum of the bytes and b = the sum of the a's after each byte (both modulo 65,521): a
    /// zero leaves a unchanged and adds a to b.
    fn checksum_lead_and_zeros(&mut self, lead: u8, count: usize) {
        let sums = self.checksum.finish();
        let (a, b) = (u64::from(sums & 0xFFFF), u64::from(sums >> 16));
        let a = (a + u64::from(lead)) % ADLER_MODULUS;
        let b = (b + a + (count as u64 % ADLER_MODULUS) * a) % ADLER_MODULUS;
        self.checksum = Adler32::from_checksum(((b as u32) << 16) | a as u32);
    }

    /// The symbols of `count` zeros as `write` gives them: a run of the whole 8-byte words,
    /// then the rest as literals.
    fn encode_zeros(&mut self, count: usize) {
        let whole = count - count % 8;
        if whole > 0 {
            self.write_run(whole);
        }
        for _ in whole..count {
            self.write_literal(0);
        }
    }

    /// Ends the block, pads to a byte and appends the checksum: the finished stream.
    pub(crate) fn finish(mut self) -> Vec<u8> {
        self.write_bits(u64::from(CODES[END_OF_BLOCK]), CODE_LENGTHS[END_OF_BLOCK]);
        if !self.nbits.is_multiple_of(8) {
            self.write_bits(0, 8 - self.nbits % 8);
        }
        let whole_bytes = usize::from(self.nbits / 8);
        self.out
            .extend_from_slice(&self.bits.to_le_bytes()[..whole_bytes]);
        self.out
            .extend_from_slice(&self.checksum.finish().to_be_bytes());
        self.out
    }
}

/// A byte followed by zeros (a repeated PNG row under the `Up` filter), encoded once: whole
/// 64-bit words of its bits, then the rest.
pub(crate) struct LeadAndZeros {
    lead: u8,
    zeros: usize,
    words: Vec<u64>,
    tail: u64,
    tail_bits: u8,
}

impl LeadAndZeros {
    /// Encodes `lead` and then `zeros` zeros as `write` of them would.
    pub(crate) fn new(lead: u8, zeros: usize) -> Self {
        let mut bare = ZlibRows::bare(0);
        bare.write_literal(lead);
        bare.encode_zeros(zeros);
        let words = bare
            .out
            .chunks_exact(8)
            .map(|word| u64::from_le_bytes(word.try_into().expect("8 bytes")))
            .collect();
        Self {
            lead,
            zeros,
            words,
            tail: bare.bits,
            tail_bits: bare.nbits,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// fdeflate's compressor, the code this module follows: the oracle for the bytes.
    fn fdeflate_stream(pieces: &[Piece]) -> Vec<u8> {
        let mut compressor = fdeflate::Compressor::new(Vec::new()).unwrap();
        for piece in pieces {
            match piece {
                Piece::Data(data) => compressor.write_data(data).unwrap(),
                Piece::LeadAndZeros(lead, count) => {
                    compressor.write_data(&[*lead]).unwrap();
                    compressor.write_data(&vec![0; *count]).unwrap();
                }
            }
        }
        compressor.finish().unwrap()
    }

    fn our_stream(pieces: &[Piece]) -> Vec<u8> {
        let mut stream = ZlibRows::new(0);
        for piece in pieces {
            match piece {
                Piece::Data(data) => stream.write(data),
                Piece::LeadAndZeros(lead, count) => {
                    stream.write_lead_and_zeros(&LeadAndZeros::new(*lead, *count))
                }
            }
        }
        stream.finish()
    }

    /// miniz_oxide's inflater, a third implementation, reads the stream back.
    fn inflate(stream: &[u8]) -> Vec<u8> {
        miniz_oxide::inflate::decompress_to_vec_zlib(stream).unwrap()
    }

    #[derive(Debug, Clone)]
    enum Piece {
        Data(Vec<u8>),
        LeadAndZeros(u8, usize),
    }

    fn expand(pieces: &[Piece]) -> Vec<u8> {
        pieces
            .iter()
            .flat_map(|piece| match piece {
                Piece::Data(data) => data.clone(),
                Piece::LeadAndZeros(lead, count) => std::iter::once(*lead)
                    .chain(std::iter::repeat_n(0, *count))
                    .collect(),
            })
            .collect()
    }

    /// Bytes that are mostly runs of zeros of every length (across 8-, 32- and 258-byte
    /// boundaries) between short stretches of ink.
    fn chart_like_bytes() -> impl Strategy<Value = Vec<u8>> {
        prop::collection::vec(
            prop_oneof![
                (0usize..700).prop_map(|n| vec![0u8; n]),
                prop::collection::vec(any::<u8>(), 0..40),
            ],
            0..12,
        )
        .prop_map(|parts| parts.concat())
    }

    fn piece() -> impl Strategy<Value = Piece> {
        prop_oneof![
            chart_like_bytes().prop_map(Piece::Data),
            (any::<u8>(), 0usize..7000).prop_map(|(lead, count)| Piece::LeadAndZeros(lead, count)),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]
        /// The same bytes as fdeflate for the same writes, and they inflate to the data.
        #[test]
        fn streams_match_fdeflate_and_inflate_to_the_data(
            pieces in prop::collection::vec(piece(), 0..8)
        ) {
            let ours = our_stream(&pieces);
            prop_assert_eq!(&ours, &fdeflate_stream(&pieces));
            prop_assert_eq!(inflate(&ours), expand(&pieces));
        }
    }

    /// The edges of the run encoding: runs of 1–4 after the first zero are literals, 5 and
    /// more are matches, 258 is the longest match; the checksum of a byte and zeros written
    /// without reading them, after data (a = 1 + 255 + 255 + 3 = 514, then b grows by 514 per
    /// zero).
    #[test]
    fn runs_at_the_edges_of_the_encoding() {
        for run in [
            1, 2, 3, 4, 5, 6, 8, 9, 258, 259, 260, 263, 516, 517, 6000, 6001,
        ] {
            let mut data = vec![7u8; 3];
            data.extend(std::iter::repeat_n(0, run));
            data.push(9);
            let pieces = [Piece::Data(data.clone())];
            let ours = our_stream(&pieces);
            assert_eq!(ours, fdeflate_stream(&pieces), "run of {run}");
            assert_eq!(inflate(&ours), data, "run of {run}");
        }
        let pieces = [Piece::Data(vec![255, 255]), Piece::LeadAndZeros(3, 100_000)];
        let stream = our_stream(&pieces);
        let checksum = u32::from_be_bytes(stream[stream.len() - 4..].try_into().unwrap());
        let (a, b) = (514u64, 256 + 511 + 514 + 100_000 * 514u64);
        assert_eq!(checksum, ((b % 65_521) << 16 | a) as u32);
    }
}
