//! Control characters in registry and topic text. C0 control characters other than tab and
//! line breaks (U+0000–U+0008, U+000B, U+000C, U+000E–U+001F) and DEL (U+007F) have no place
//! in a citation or a label: XML forbids most of them, so one in a label makes every SVG chart
//! showing it unreadable (browsers show an XML error instead of the chart), and a NUL or an
//! escape sequence in a CSV or Markdown table is corruption or a terminal trick, not text.
//! They are refused when the registry or topic is read, naming the field, the character and
//! where it is.
//!
//! So are the bidirectional formatting characters that open a scope: embeddings, overrides and
//! isolates, and the characters that close them (U+202A–U+202E, U+2066–U+2069). One in a
//! citation or label reorders what follows it wherever the text is shown — a README table, the
//! HTML page, a spreadsheet — so a row can read differently from what it holds (the "Trojan
//! Source" trick, CVE-2021-42574). Right-to-left text needs none of them: every output lays it
//! out by the Unicode bidirectional algorithm. The marks with no scope (U+200E LEFT-TO-RIGHT
//! MARK, U+200F RIGHT-TO-LEFT MARK, U+061C ARABIC LETTER MARK) stay allowed.

/// Whether `byte` is a control character no registry or topic text may hold. UTF-8 encodes
/// every other character with bytes outside this set, so a byte test finds them.
pub fn is_forbidden(byte: u8) -> bool {
    (byte < 0x20 && !matches!(byte, b'\t' | b'\n' | b'\r')) || byte == 0x7F
}

/// Whether `c` is a bidirectional embedding, override or isolate, or the pop that ends one.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Whether `bytes` hold a forbidden control character: a byte that [`is_forbidden`], or the
/// UTF-8 of a [`is_bidi_control`] character. The byte test is written without an early exit so
/// that the compiler vectorises it: it runs over every record of a registry, and almost never
/// finds one. The same pass ORs the bytes together: only a record with a non-ASCII byte is
/// searched for the bidirectional controls (E2 80 AA–AE, E2 81 A6–A9), from each E2 byte,
/// which memchr finds with SIMD.
pub fn any_forbidden(bytes: &[u8]) -> bool {
    let (found, bits) = bytes.iter().fold((false, 0u8), |(found, bits), &byte| {
        (found | is_forbidden(byte), bits | byte)
    });
    found
        || bits >= 0x80
            && memchr::memchr_iter(0xE2, bytes).any(|at| {
                matches!(
                    bytes.get(at + 1..at + 3),
                    Some([0x80, 0xAA..=0xAE] | [0x81, 0xA6..=0xA9])
                )
            })
}

/// The Unicode name of a bidirectional control character.
fn bidi_control_name(c: char) -> &'static str {
    match c {
        '\u{202A}' => "LEFT-TO-RIGHT EMBEDDING",
        '\u{202B}' => "RIGHT-TO-LEFT EMBEDDING",
        '\u{202C}' => "POP DIRECTIONAL FORMATTING",
        '\u{202D}' => "LEFT-TO-RIGHT OVERRIDE",
        '\u{202E}' => "RIGHT-TO-LEFT OVERRIDE",
        '\u{2066}' => "LEFT-TO-RIGHT ISOLATE",
        '\u{2067}' => "RIGHT-TO-LEFT ISOLATE",
        '\u{2068}' => "FIRST STRONG ISOLATE",
        _ => "POP DIRECTIONAL ISOLATE",
    }
}

/// The problem with `text`, if it holds a forbidden control character: the first one, by code
/// point and character position (1-based), and the fix.
pub fn problem(text: &str) -> Option<String> {
    let (at, found) = text
        .chars()
        .enumerate()
        .find(|&(_, c)| c.is_ascii() && is_forbidden(c as u8) || is_bidi_control(c))?;
    if is_bidi_control(found) {
        return Some(format!(
            "contains the bidirectional control character U+{:04X} ({}) at character {}; \
             delete it (it reorders the text after it in the reports' tables and pages, so \
             they would show something else than the registry holds; right-to-left text needs \
             no such character)",
            found as u32,
            bidi_control_name(found),
            at + 1
        ));
    }
    let name = match found {
        '\0' => " (NUL)",
        '\u{1b}' => " (ESC)",
        '\u{7f}' => " (DEL)",
        _ => "",
    };
    Some(format!(
        "contains the control character U+{:04X}{name} at character {}; delete it (no text may \
         hold control characters other than tab and line breaks: they make the reports' SVG \
         and HTML invalid)",
        found as u32,
        at + 1
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tab_and_line_breaks_are_text_other_controls_are_not() {
        for allowed in ["a\tb", "a\nb", "a\r\nb", "é ü ∑ \u{85} \u{a0}", ""] {
            assert!(!any_forbidden(allowed.as_bytes()), "{allowed:?}");
            assert_eq!(problem(allowed), None, "{allowed:?}");
        }
        for byte in (0u8..0x20)
            .filter(|b| !matches!(b, 9 | 10 | 13))
            .chain([0x7F])
        {
            let text = format!("ab{}", byte as char);
            assert!(any_forbidden(text.as_bytes()), "{byte:#x}");
            assert!(problem(&text).is_some(), "{byte:#x}");
        }
    }

    #[test]
    fn bidirectional_controls_are_refused_and_marks_are_not() {
        for allowed in [
            "שלום (עולם)",
            "a\u{200E}b\u{200F}c\u{061C}",
            "— – ≤ ≥ € ‰ \u{2065} \u{206A} \u{2029}",
        ] {
            assert!(!any_forbidden(allowed.as_bytes()), "{allowed:?}");
            assert_eq!(problem(allowed), None, "{allowed:?}");
        }
        for c in ('\u{202A}'..='\u{202E}').chain('\u{2066}'..='\u{2069}') {
            let text = format!("Smith J. {c}ti ecnaniF");
            assert!(any_forbidden(text.as_bytes()), "{c:?}");
            assert!(any_forbidden(&text.as_bytes()[9..12]), "{c:?} alone");
            assert!(
                problem(&text).unwrap().contains(&format!(
                    "U+{:04X} ({}) at character 10;",
                    c as u32,
                    bidi_control_name(c)
                )),
                "{c:?}"
            );
        }
        // A bare E2 at the end of the bytes, or followed by one byte only.
        assert!(!any_forbidden(&[b'a', 0xE2]));
        assert!(!any_forbidden(&[0xE2, 0x80]));
    }

    #[test]
    fn the_problem_names_the_character_and_where_it_is() {
        assert_eq!(
            problem("Smith\u{0} J é\u{1b}[31m").unwrap(),
            "contains the control character U+0000 (NUL) at character 6; delete it (no text may \
             hold control characters other than tab and line breaks: they make the reports' \
             SVG and HTML invalid)"
        );
        // Positions count characters, not bytes.
        assert!(
            problem("éé\u{1}")
                .unwrap()
                .contains("U+0001 at character 3;")
        );
        assert!(
            problem("x\u{7f}")
                .unwrap()
                .contains("U+007F (DEL) at character 2;")
        );
    }
}
