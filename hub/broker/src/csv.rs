//! CSV as the exports of the hub and the agents write it (RFC 4180): a field with a comma, a
//! quote or a line break is quoted, and its quotes doubled. Each export writes its own head
//! line and line ends; what a field holds beyond that (a spreadsheet formula guard, say) is
//! the export's to decide.

use std::borrow::Cow;

/// One field, quoted when it must be.
pub fn field(text: &str) -> Cow<'_, str> {
    if text.contains([',', '"', '\r', '\n']) {
        Cow::Owned(format!("\"{}\"", text.replace('"', "\"\"")))
    } else {
        Cow::Borrowed(text)
    }
}

/// Fields joined into one line, each quoted when it must be, without the line end.
pub fn line<S: AsRef<str>>(fields: &[S]) -> String {
    let written: Vec<Cow<'_, str>> = fields.iter().map(|f| field(f.as_ref())).collect();
    written.join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_with_commas_and_quotes_are_quoted() {
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("two\nlines"), "\"two\nlines\"");
        assert_eq!(line(&["a", "b,c", ""]), "a,\"b,c\",");
    }
}
