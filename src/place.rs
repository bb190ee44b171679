//! Places in files: turning a byte offset into the `file:line:column` that
//! every message about bad input names, and TOML errors into placed ones.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// A position in a text file, 1-based, as editors show it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Place {
    pub path: PathBuf,
    pub line: usize,
    pub column: usize,
}

impl Place {
    /// The place of byte `offset` in `text`, read from `path`. Scans the
    /// text: for many places in one file, use a [`LineIndex`].
    #[must_use]
    pub fn at(path: &Path, text: &str, offset: usize) -> Place {
        LineIndex::new(text).place(path, text, offset)
    }

    /// The place a span starts at.
    #[must_use]
    pub fn of_span(path: &Path, text: &str, span: &Range<usize>) -> Place {
        Place::at(path, text, span.start)
    }

    /// `file:line`, without the column: where a fact came from.
    #[must_use]
    pub fn line_ref(&self) -> String {
        format!("{}:{}", self.path.display(), self.line)
    }
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.path.display(), self.line, self.column)
    }
}

/// Where each line of a text starts, so that many offsets can be placed
/// without rescanning the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    /// Indexes the lines of `text`.
    #[must_use]
    pub fn new(text: &str) -> LineIndex {
        let breaks = text.bytes().enumerate().filter(|(_, b)| *b == b'\n');
        let starts = std::iter::once(0)
            .chain(breaks.map(|(i, _)| i + 1))
            .collect();
        LineIndex { starts }
    }

    /// The 1-based line that byte `offset` is on.
    #[must_use]
    pub fn line(&self, offset: usize) -> usize {
        self.starts.partition_point(|&start| start <= offset).max(1)
    }

    /// The place of byte `offset` of `text` (the text this index was built
    /// from), read from `path`.
    #[must_use]
    pub fn place(&self, path: &Path, text: &str, offset: usize) -> Place {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.line(offset);
        let line_start = self.starts[line - 1];
        let column = text[line_start..offset].chars().count() + 1;
        Place {
            path: path.to_owned(),
            line,
            column,
        }
    }
}

/// A message about a place in a file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{place}: {message}")]
pub struct Placed {
    pub place: Place,
    pub message: String,
}

impl Placed {
    /// A message at `span` of `text`.
    #[must_use]
    pub fn new(path: &Path, text: &str, span: &Range<usize>, message: impl Into<String>) -> Placed {
        Placed {
            place: Place::of_span(path, text, span),
            message: message.into(),
        }
    }

    /// A TOML syntax or schema error, with a "did you mean" for a
    /// misspelt key.
    #[must_use]
    pub fn from_toml(path: &Path, text: &str, error: &toml::de::Error) -> Placed {
        let span = error.span().unwrap_or(0..0);
        let message = error.message().trim_end().replace('\n', " ");
        Placed::new(path, text, &span, with_suggestion(&message))
    }
}

/// Adds "did you mean `x`?" to serde's "unknown field `y`, expected one of
/// `a`, `b`" when one expected name is close to the given one.
fn with_suggestion(message: &str) -> String {
    let Some(rest) = message.strip_prefix("unknown field `") else {
        return message.to_owned();
    };
    let Some((given, expected)) = rest.split_once('`') else {
        return message.to_owned();
    };
    let best = expected
        .split('`')
        .skip(1)
        .step_by(2)
        .map(|name| (strsim::jaro_winkler(given, name), name))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0));
    match best {
        Some((_, name)) => format!("unknown key `{given}`: did you mean `{name}`?"),
        None => format!("unknown key `{given}`{expected}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_count_lines_and_characters_from_one() {
        let text = "a = 1\nbé = 2\n";
        let path = Path::new("x.toml");
        assert_eq!(Place::at(path, text, 0).to_string(), "x.toml:1:1");
        assert_eq!(Place::at(path, text, 10).to_string(), "x.toml:2:4");
        assert_eq!(Place::at(path, text, 6).to_string(), "x.toml:2:1");
        assert_eq!(Place::at(path, text, 5).to_string(), "x.toml:1:6");
        assert_eq!(Place::at(path, text, 99).to_string(), "x.toml:3:1");
        // Inside a multi-byte character: the character's own column.
        assert_eq!(Place::at(path, text, 8).to_string(), "x.toml:2:2");
    }

    #[test]
    fn a_misspelt_key_gets_a_suggestion() {
        let message = "unknown field `deadline_timzone`, expected one of `calendar_name`, `deadline_timezone`";
        assert_eq!(
            with_suggestion(message),
            "unknown key `deadline_timzone`: did you mean `deadline_timezone`?"
        );
        let far = "unknown field `zzz`, expected `name`";
        assert_eq!(with_suggestion(far), "unknown key `zzz`, expected `name`");
    }
}
