//! Text for a terminal: what another agency wrote must not drive the terminal it is printed
//! on. Control characters (C0 but newline and tab, DEL, C1, so every escape sequence's
//! introducer) and the invisible characters that reorder or hide text (bidi embeddings,
//! overrides and isolates, direction marks) are shown as visible escapes such as `\x1b` or
//! `\u{202e}` instead. Pure; used by every command line that prints stored text.

use std::fmt::Write;

/// `text` with every character that could steer a terminal or reorder what it shows made
/// visible; newlines and tabs are kept, so multi-line output stays readable.
pub fn printable(text: &str) -> String {
    escape(text, false)
}

/// Like [`printable`], but newlines and tabs are escaped too: for a value printed on one line
/// among others, which must not start a line of its own.
pub fn printable_line(text: &str) -> String {
    escape(text, true)
}

fn escape(text: &str, one_line: bool) -> String {
    if !text.chars().any(|c| unsafe_char(c, one_line)) {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if !unsafe_char(c, one_line) {
            out.push(c);
        } else if (c as u32) <= 0xff {
            let _ = write!(out, "\\x{:02x}", c as u32);
        } else {
            let _ = write!(out, "\\u{{{:04x}}}", c as u32);
        }
    }
    out
}

fn unsafe_char(c: char, one_line: bool) -> bool {
    match c {
        '\n' | '\t' => one_line,
        // C0, DEL and C1: ESC and CSI introduce every terminal escape sequence, CR overwrites.
        '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}' => true,
        // Bidi marks, embeddings, overrides and isolates; zero-width and line/paragraph
        // separators that some terminals treat as line breaks.
        '\u{61c}' | '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => {
            true
        }
        '\u{feff}' => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_made_visible() {
        let cases: [(&str, &str, &str); 9] = [
            ("plain text", "plain text", "plain text"),
            ("Malmö – Østerbro", "Malmö – Østerbro", "Malmö – Østerbro"),
            ("a\x1b[2Jb", "a\\x1b[2Jb", "a\\x1b[2Jb"),
            (
                "title\x1b]0;pwned\x07",
                "title\\x1b]0;pwned\\x07",
                "title\\x1b]0;pwned\\x07",
            ),
            ("ok\rfake", "ok\\x0dfake", "ok\\x0dfake"),
            ("c1 \u{9b}31m", "c1 \\x9b31m", "c1 \\x9b31m"),
            ("del\u{7f}", "del\\x7f", "del\\x7f"),
            ("txt.\u{202e}exe", "txt.\\u{202e}exe", "txt.\\u{202e}exe"),
            (
                "two\nlines\tand tab",
                "two\nlines\tand tab",
                "two\\x0alines\\x09and tab",
            ),
        ];
        for (input, kept, line) in cases {
            assert_eq!(printable(input), kept, "{input:?}");
            assert_eq!(printable_line(input), line, "{input:?}");
        }
    }

    #[test]
    fn nothing_that_steers_a_terminal_survives() {
        let all: String = (0u32..0x3000).filter_map(char::from_u32).collect();
        let out = printable(&all);
        assert!(
            !out.chars()
                .any(|c| c != '\n' && c != '\t' && unsafe_char(c, false))
        );
        assert!(!out.contains('\u{1b}') && !out.contains('\u{9b}') && !out.contains('\u{202e}'));
    }
}
