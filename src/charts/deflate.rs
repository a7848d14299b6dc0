//! The zlib stream of a PNG's filtered rows, written fast.
//!
//! The scheme is the compressor of `fdeflate` 0.3.7 (image-rs, MIT OR Apache-2.0), the png
//! crate's fast mode: one deflate block with a Huffman code fixed in advance, every byte a
//! literal except runs of zeros, which are matches at distance 1. There is no search for
//! matches, so a row costs one pass over its bytes.
//!
//! The code is evsynth's own, trained on its charts (`bench/train_png_code.py`). fdeflate's
//! was trained on photographs' filtered rows, whose bytes are mostly near zero, and gives them
//! codes of 2 to 5 bits; a chart's anti-aliased edges and text make bytes of every value about
//! as often, which that code writes in 12 bits. Trained on the shipped topic's charts, the BCG
//! example's and five generated topics' (each group weighing the same), the code writes the
//! PNGs 21% smaller than fdeflate's code (2026-12-06), at the same speed.
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
//! (2026-12-06). Tests inflate the streams with two other implementations (miniz_oxide's and
//! fdeflate's).

use simd_adler32::Adler32;

/// Code lengths of the literal/length alphabet (symbols 0–285), trained on evsynth's charts by
/// `bench/train_png_code.py` (2026-12-06). Every symbol has a code, so any byte can be
/// written; the zero byte's is the shortest (its code is all zero bits, which
/// [`ZlibRows::write_run`] relies on). The distance alphabet has one code (distance 1), of one
/// bit.
const CODE_LENGTHS: [u8; 286] = [
    3, 8, 7, 8, 8, 7, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 9, 8, 8, 8, 8, 8, 8, 8, 8, 8, 9, 9, 9, 9,
    9, 8, 8, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 8, 9, 10, 9, 9, 9, 9, 9, 9, 9,
    9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 8, 9, 9, 8,
    9, 9, 10, 9, 9, 9, 9, 9, 9, 9, 9, 9, 10, 9, 9, 9, 9, 9, 9, 9, 9, 10, 9, 9, 8, 9, 9, 9, 9, 9, 9,
    9, 8, 8, 9, 9, 8, 8, 9, 9, 9, 9, 9, 8, 9, 9, 9, 9, 9, 9, 8, 9, 9, 9, 9, 9, 9, 9, 9, 9, 8, 9, 9,
    9, 9, 9, 9, 9, 9, 9, 8, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 8, 9, 9, 8, 8, 9, 9, 9, 9, 9, 9, 9, 9, 8,
    9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 8, 9, 9, 9, 9, 9, 9, 9, 9, 8, 9, 8, 8, 9, 8, 8, 9, 9, 9, 8,
    7, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 7, 8, 8, 7, 7, 7, 8,
    7, 7, 13, 15, 15, 15, 14, 15, 7, 14, 14, 7, 8, 14, 9, 9, 8, 9, 10, 8, 9, 11, 8, 9, 9, 10, 10,
    9, 9, 9, 9, 3,
];

/// The zlib header: deflate, 32 KiB window, no dictionary, the fastest level.
const ZLIB_HEADER: [u8; 2] = [0x78, 0x01];

/// The header of the one deflate block, which declares `CODE_LENGTHS`.
const BLOCK_HEADER: BlockHeader = block_header(&CODE_LENGTHS);

/// Bits of the block header: BFINAL, BTYPE, HLIT, HDIST, HCLEN, the 19 code lengths (3 bits
/// each) of the code-length code, then the 286 literal/length code lengths and the one
/// distance code length, 4 bits each.
const BLOCK_HEADER_BITS: usize = 1 + 2 + 5 + 5 + 4 + 19 * 3 + (286 + 1) * 4;

/// The order in which a dynamic block header gives the code-length code's lengths (RFC 1951,
/// 3.2.7).
const CODE_LENGTH_ORDER: [usize; 19] = [
    16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15,
];

/// A dynamic block header's bits, in deflate's order (least significant bit first).
struct BlockHeader {
    bytes: [u8; BLOCK_HEADER_BITS.div_ceil(8)],
}

/// The header of a final dynamic block whose literal/length code has `lengths` and whose
/// distance code has one code of one bit. The code lengths are written with a code-length code
/// that gives each length 0–15 four bits (a complete code: the header is about 100 bytes
/// longer than the shortest, against tens of kilobytes saved by the trained code) and leaves
/// out the repeat codes 16–18.
const fn block_header(lengths: &[u8; 286]) -> BlockHeader {
    let mut header = BlockHeader {
        bytes: [0; BLOCK_HEADER_BITS.div_ceil(8)],
    };
    let mut at = 0;
    // BFINAL = 1, BTYPE = 2 (dynamic Huffman codes).
    at = push_bits(&mut header.bytes, at, 1, 1);
    at = push_bits(&mut header.bytes, at, 2, 2);
    // HLIT = 286 − 257, HDIST = 1 − 1, HCLEN = 19 − 4.
    at = push_bits(&mut header.bytes, at, 286 - 257, 5);
    at = push_bits(&mut header.bytes, at, 0, 5);
    at = push_bits(&mut header.bytes, at, 19 - 4, 4);
    let mut index = 0;
    while index < CODE_LENGTH_ORDER.len() {
        let length = if CODE_LENGTH_ORDER[index] < 16 { 4 } else { 0 };
        at = push_bits(&mut header.bytes, at, length, 3);
        index += 1;
    }
    // With every length 0–15 given 4 bits, length l's canonical code is l itself; Huffman codes
    // are written from their most significant bit.
    let mut symbol = 0;
    while symbol < lengths.len() {
        assert!(lengths[symbol] >= 1 && lengths[symbol] <= 15);
        let code = (lengths[symbol] as u32).reverse_bits() >> 28;
        at = push_bits(&mut header.bytes, at, code, 4);
        symbol += 1;
    }
    // The one distance code (distance 1) has length 1.
    at = push_bits(&mut header.bytes, at, 1u32.reverse_bits() >> 28, 4);
    assert!(at == BLOCK_HEADER_BITS);
    header
}

/// Writes the low `count` bits of `value` into `bytes` from bit `at` on, least significant
/// first; returns the bit after them.
const fn push_bits<const N: usize>(
    bytes: &mut [u8; N],
    at: usize,
    value: u32,
    count: usize,
) -> usize {
    let mut bit = 0;
    while bit < count {
        if (value >> bit) & 1 == 1 {
            bytes[(at + bit) / 8] |= 1 << ((at + bit) % 8);
        }
        bit += 1;
    }
    at + count
}

/// For each rest 0–257 of a run after its first zero, whether it is written as literal zeros
/// rather than as a match: always below 3 (a match's shortest length), else when the zeros'
/// codes are no longer than the match's length code, extra bits and distance bit.
const RUN_AS_LITERALS: [bool; 258] = run_as_literals();

const fn run_as_literals() -> [bool; 258] {
    let mut literals = [true; 258];
    let mut rest = 3;
    while rest < 258 {
        let index = LENGTH_INDEX[rest] as usize;
        let match_bits = CODE_LENGTHS[257 + index] as usize + LENGTH_EXTRA_BITS[index] as usize + 1;
        let literal_bits = rest * CODE_LENGTHS[0] as usize;
        literals[rest] = literal_bits <= match_bits;
        // `write_run` writes the literal zeros in one write of at most 64 bits.
        assert!(!literals[rest] || literal_bits <= 64);
        rest += 1;
    }
    literals
}

// The zero byte's code is all zero bits: `write_run` writes literal zeros as plain zero bits.
const _: () = assert!(CODES[0] == 0);

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
        let mut stream = Self::bare(capacity.max(ZLIB_HEADER.len() + BLOCK_HEADER.bytes.len()));
        stream.out.extend_from_slice(&ZLIB_HEADER);
        let whole = BLOCK_HEADER_BITS / 8;
        stream.out.extend_from_slice(&BLOCK_HEADER.bytes[..whole]);
        stream.write_bits(
            u64::from(BLOCK_HEADER.bytes[whole]),
            (BLOCK_HEADER_BITS % 8) as u8,
        );
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
    /// symbol, its extra bits and the distance's one-bit code); a rest that is shorter as
    /// literal zeros ([`RUN_AS_LITERALS`]) as those.
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
        if !RUN_AS_LITERALS[rest] {
            let index = usize::from(LENGTH_INDEX[rest]);
            let symbol = 257 + index;
            self.write_bits(u64::from(CODES[symbol]), CODE_LENGTHS[symbol]);
            let extra = (rest - usize::from(LENGTH_BASES[index])) as u64;
            self.write_bits(extra, LENGTH_EXTRA_BITS[index] + 1);
        } else {
            // The literal zero's code is all zero bits, so `rest` of them are that many times
            // its length in zero bits (at most 64, as `RUN_AS_LITERALS` is built).
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

    /// The stream inflated by two independent implementations, miniz_oxide's and fdeflate's,
    /// which must agree.
    fn inflate(stream: &[u8]) -> Vec<u8> {
        let by_miniz = miniz_oxide::inflate::decompress_to_vec_zlib(stream).unwrap();
        let by_fdeflate = fdeflate::decompress_to_vec(stream).unwrap();
        assert_eq!(by_miniz, by_fdeflate);
        by_miniz
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
        /// Any writes inflate back to their data.
        #[test]
        fn streams_inflate_to_the_data(pieces in prop::collection::vec(piece(), 0..8)) {
            prop_assert_eq!(inflate(&our_stream(&pieces)), expand(&pieces));
        }

        /// Every byte value, each run length and repeated rows, in any mix, inflate back.
        #[test]
        fn any_bytes_inflate_to_the_data(
            data in prop::collection::vec(any::<u8>(), 0..3000),
            lead in any::<u8>(),
            zeros in 0usize..20_000,
        ) {
            let pieces = [
                Piece::Data(data.clone()),
                Piece::LeadAndZeros(lead, zeros),
                Piece::Data(data),
            ];
            prop_assert_eq!(inflate(&our_stream(&pieces)), expand(&pieces));
        }
    }

    /// The edges of the run encoding: short rests after the first zero are literals, longer
    /// ones matches, 258 is the longest match; the checksum of a byte and zeros written
    /// without reading them, after data (a = 1 + 255 + 255 + 3 = 514, then b grows by 514 per
    /// zero).
    #[test]
    fn runs_at_the_edges_of_the_encoding() {
        let runs = (1..=40).chain([258, 259, 260, 261, 262, 263, 264, 265, 516, 517, 6000, 6001]);
        for run in runs {
            let mut data = vec![7u8; 3];
            data.extend(std::iter::repeat_n(0, run));
            data.push(9);
            let pieces = [Piece::Data(data.clone())];
            assert_eq!(inflate(&our_stream(&pieces)), data, "run of {run}");
        }
        let pieces = [Piece::Data(vec![255, 255]), Piece::LeadAndZeros(3, 100_000)];
        let stream = our_stream(&pieces);
        let checksum = u32::from_be_bytes(stream[stream.len() - 4..].try_into().unwrap());
        let (a, b) = (514u64, 256 + 511 + 514 + 100_000 * 514u64);
        assert_eq!(checksum, ((b % 65_521) << 16 | a) as u32);
    }
}
