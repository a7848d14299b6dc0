//! Control characters in registry and topic text. C0 control characters other than tab and
//! line breaks (U+0000–U+0008, U+000B, U+000C, U+000E–U+001F) and DEL (U+007F) have no place
//! in a citation or a label: XML forbids most of them, so one in a label makes every SVG chart
//! showing it unreadable (browsers show an XML error instead of the chart), and a NUL or an
//! escape sequence in a CSV or Markdown table is corruption or a terminal trick, not text.
//! They are refused when the registry or topic is read, naming the field, the character and
//! where it is.

/// Whether `byte` is a control character no registry or topic text may hold. UTF-8 encodes
/// every other character with bytes outside this set, so a byte test finds them.
pub fn is_forbidden(byte: u8) -> bool {
    (byte < 0x20 && !matches!(byte, b'\t' | b'\n' | b'\r')) || byte == 0x7F
}

/// Whether any byte of `bytes` is [`is_forbidden`]. Written without an early exit so that the
/// compiler vectorises it: it runs over every record of a registry, and almost never finds one.
pub fn any_forbidden(bytes: &[u8]) -> bool {
    bytes
        .iter()
        .fold(false, |found, &byte| found | is_forbidden(byte))
}

/// The problem with `text`, if it holds a forbidden control character: the first one, by code
/// point and character position (1-based), and the fix.
pub fn problem(text: &str) -> Option<String> {
    let (at, found) = text
        .chars()
        .enumerate()
        .find(|&(_, c)| c.is_ascii() && is_forbidden(c as u8))?;
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
