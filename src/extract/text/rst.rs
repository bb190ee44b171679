//! reStructuredText posts into a document. The text is rewritten line for
//! line into Markdown (so every block keeps its line) and read as such:
//! section titles underlined with `=`, `-`, `^`, `~`… become headings;
//! post metadata — Nikola's `.. title:` / `.. date:` comment lines, ABlog's
//! `.. post:: DATE` — gives the title and publication date and is never
//! prose; other directives (`.. note::`) keep their content, unindented;
//! comments and link targets (`.. _name: url`) are dropped.

use super::{Document, collapse, markdown, parse_date};

/// Characters RST underlines section titles with.
const UNDERLINES: &[char] = &[
    '=', '-', '^', '~', '"', '\'', '*', '+', '#', '`', ':', '.', '_',
];

/// Reads a reStructuredText document.
pub(super) fn document(text: &str) -> Document {
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let meta = metadata(&mut lines);
    let title = headings(&mut lines);
    directives(&mut lines);
    let markdown_text = lines.join("\n") + "\n";
    let (blocks, strong) = markdown::read(&markdown_text, 0);
    Document {
        published: meta.published,
        title: meta.title.or(title),
        link: None,
        blocks,
        warnings: Vec::new(),
        strong,
    }
}

#[derive(Default)]
struct Metadata {
    title: Option<String>,
    published: Option<chrono::NaiveDate>,
}

/// Reads and blanks the post metadata lines: `.. title: …`, `.. date: …`
/// (Nikola), `.. post:: DATE` with its `:option:` lines (ABlog).
fn metadata(lines: &mut [String]) -> Metadata {
    let mut meta = Metadata::default();
    let mut in_post = false;
    for line in lines.iter_mut() {
        let trimmed = line.trim();
        if in_post && trimmed.starts_with(':') {
            line.clear();
            continue;
        }
        in_post = false;
        if let Some(date) = trimmed.strip_prefix(".. post::") {
            meta.published = meta.published.or_else(|| parse_loose_date(date));
            in_post = true;
            line.clear();
        } else if let Some((key, value)) = nikola_field(trimmed) {
            match key {
                "title" => meta.title = meta.title.take().or_else(|| Some(collapse(value))),
                "date" => meta.published = meta.published.or_else(|| parse_loose_date(value)),
                _ => {}
            }
            line.clear();
        }
    }
    meta.title = meta.title.filter(|t| !t.is_empty());
    meta
}

/// `.. key: value` with a one-word key (Nikola's metadata comments).
fn nikola_field(line: &str) -> Option<(&str, &str)> {
    let rest = line.strip_prefix(".. ")?;
    let (key, value) = rest.split_once(':')?;
    let simple = !key.is_empty() && key.chars().all(|c| c.is_ascii_lowercase() || c == '_');
    (simple && !value.starts_with(':')).then_some((key, value.trim()))
}

/// `2022-07-29 12:00:00 UTC`, `Jan 05, 2020`, `2020/01/05`.
fn parse_loose_date(value: &str) -> Option<chrono::NaiveDate> {
    let value = value.trim();
    parse_date(value)
        .or_else(|| parse_date(&value.replace('/', "-")))
        .or_else(|| {
            ["%b %d, %Y", "%B %d, %Y", "%d %B %Y", "%d %b %Y"]
                .iter()
                .find_map(|f| chrono::NaiveDate::parse_from_str(value, f).ok())
        })
}

/// Whether a line is an RST adornment: one punctuation character repeated.
fn adornment(line: &str) -> Option<char> {
    let line = line.trim_end();
    let first = line.chars().next()?;
    (line.len() >= 3 && UNDERLINES.contains(&first) && line.chars().all(|c| c == first))
        .then_some(first)
}

/// Turns underlined (and overlined) titles into Markdown headings, levels
/// in the order their adornments first appear. Returns the first title.
fn headings(lines: &mut [String]) -> Option<String> {
    let mut styles: Vec<char> = Vec::new();
    let mut first = None;
    for i in 1..lines.len() {
        let Some(style) = adornment(&lines[i]) else {
            continue;
        };
        let title = lines[i - 1].trim().to_owned();
        if title.is_empty() || adornment(&title).is_some() || lines[i - 1].starts_with(' ') {
            continue;
        }
        if i >= 2 && adornment(&lines[i - 2]) == Some(style) {
            lines[i - 2].clear();
        }
        let level = styles.iter().position(|s| *s == style).unwrap_or_else(|| {
            styles.push(style);
            styles.len() - 1
        });
        first.get_or_insert_with(|| title.clone());
        lines[i - 1] = format!("{} {title}", "#".repeat((level + 1).min(6)));
        lines[i].clear();
    }
    first
}

/// Blanks directive lines, comments and link targets, and unindents what
/// a directive holds so that it reads as prose, not as code.
fn directives(lines: &mut [String]) {
    let mut i = 0;
    while i < lines.len() {
        let trimmed = lines[i].trim_start();
        if !trimmed.starts_with("..") || lines[i].starts_with(' ') {
            i += 1;
            continue;
        }
        let keeps_content = trimmed.contains("::") && !trimmed.starts_with(".. _");
        lines[i].clear();
        i += 1;
        while i < lines.len() && (lines[i].trim().is_empty() || lines[i].starts_with([' ', '\t'])) {
            if keeps_content {
                let unindented = lines[i].trim_start().to_owned();
                lines[i] = unindented;
            } else {
                lines[i].clear();
            }
            if lines[i].trim().is_empty() && i + 1 < lines.len() && !lines[i + 1].starts_with(' ') {
                break;
            }
            i += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{block, date, heading};
    use super::*;

    #[test]
    fn metadata_headings_and_directives() {
        let text = "\
.. title: Storage sprint in Graz
.. date: 2031-07-29 12:00:00 UTC
.. tags: sprints

Dates
=====

.. note::

   Proposals are due on **June 9**.

.. _target: https://example.org/

Venue
-----

The sprint runs 19-23 September.
";
        let doc = document(text);
        assert_eq!(doc.title.as_deref(), Some("Storage sprint in Graz"));
        assert_eq!(doc.published, date(2031, 7, 29));
        assert_eq!(
            doc.blocks,
            [
                heading(5, "Dates"),
                block(10, "Proposals are due on June 9."),
                heading(14, "Venue"),
                block(17, "The sprint runs 19-23 September."),
            ]
        );
    }

    #[test]
    fn ablog_post_directive_is_the_date() {
        let doc = document(".. post:: Jan 05, 2031\n   :tags: cfp\n\nHello.\n");
        assert_eq!(doc.published, date(2031, 1, 5));
        assert_eq!(doc.blocks, [block(4, "Hello.")]);
    }
}
