//! AsciiDoc posts into a document. Like reStructuredText, the text is
//! rewritten line for line into Markdown and read as such: the `= Title`
//! line is the title, the author and revision lines under it (and a
//! `:revdate:` attribute) give the publication date, `==` sections become
//! headings and `.Block titles` small ones; attribute entries (`:name:
//! value`), conditionals (`ifdef::`), comments and block delimiters are
//! never prose; `link:URL[text]` and `URL[text]` read as their text; each
//! line of a `|===` table is a row of its own.

use super::{Document, markdown, parse_date};

/// Reads an AsciiDoc document.
pub(super) fn document(text: &str) -> Document {
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let (title, mut published) = header(&mut lines);
    let mut in_comment = false;
    let mut in_table = false;
    for line in &mut lines {
        let trimmed = line.trim();
        if trimmed == "////" {
            in_comment = !in_comment;
            line.clear();
            continue;
        }
        if in_comment || trimmed.starts_with("//") {
            line.clear();
            continue;
        }
        if trimmed.starts_with("|===") {
            in_table = !in_table;
            line.clear();
            continue;
        }
        if let Some(value) = attribute(trimmed, "revdate") {
            published = published.or_else(|| parse_date(value));
        }
        *line = rewrite(line, in_table);
    }
    let markdown_text = lines.join("\n") + "\n";
    let (blocks, strong) = markdown::read(&markdown_text, 0);
    Document {
        published,
        title,
        link: None,
        blocks,
        warnings: Vec::new(),
        strong,
    }
}

/// The document header: `= Title` on the first line that is not blank or
/// an attribute, then an author line and a revision line (`v1.0, 2024-06-07`
/// or a bare date), all blanked. Returns the title and the revision date.
fn header(lines: &mut [String]) -> (Option<String>, Option<chrono::NaiveDate>) {
    let Some(at) = lines
        .iter()
        .position(|l| !l.trim().is_empty() && !l.starts_with(':'))
    else {
        return (None, None);
    };
    let Some(title) = lines[at].strip_prefix("= ").map(|t| t.trim().to_owned()) else {
        return (None, None);
    };
    lines[at].clear();
    let mut published = None;
    for line in lines.iter_mut().skip(at + 1).take(2) {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with(':') {
            break;
        }
        let revision = trimmed.rsplit(',').next().unwrap_or(trimmed).trim();
        published = published.or_else(|| parse_date(revision));
        line.clear();
    }
    ((!title.is_empty()).then_some(title), published)
}

/// The value of the attribute entry `:name: value`, if `line` is it.
fn attribute<'a>(line: &'a str, name: &str) -> Option<&'a str> {
    line.strip_prefix(':')?
        .strip_prefix(name)?
        .strip_prefix(':')
        .map(str::trim)
}

/// One body line in Markdown.
fn rewrite(line: &str, in_table: bool) -> String {
    let trimmed = line.trim();
    let is_attribute = trimmed.starts_with(':')
        && trimmed[1..].find(':').is_some_and(|end| {
            trimmed[1..=end]
                .chars()
                .all(|c| c.is_alphanumeric() || c == '-' || c == '_' || c == '!')
        });
    let directive = [
        "ifdef::",
        "ifndef::",
        "endif::",
        "ifeval::",
        "include::",
        "image::",
        "toc::",
    ]
    .iter()
    .any(|d| trimmed.starts_with(d));
    let delimiter = trimmed
        .get(..4)
        .is_some_and(|head| ["----", "....", "====", "****", "____", "++++"].contains(&head))
        && trimmed
            .chars()
            .all(|c| c == trimmed.chars().next().unwrap_or(' '));
    if is_attribute || directive || delimiter || trimmed.starts_with("[[") {
        return String::new();
    }
    if trimmed.starts_with('[') && trimmed.ends_with(']') {
        return String::new();
    }
    let level = trimmed.chars().take_while(|c| *c == '=').count();
    if (2..=6).contains(&level) && trimmed[level..].starts_with(' ') {
        return format!("{} {}", "#".repeat(level), links(trimmed[level..].trim()));
    }
    if let Some(block_title) = trimmed.strip_prefix('.')
        && block_title.starts_with(char::is_alphanumeric)
    {
        return format!("#### {}", links(block_title));
    }
    if in_table {
        let cells: Vec<String> = trimmed
            .split('|')
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(links)
            .collect();
        return if cells.is_empty() {
            String::new()
        } else {
            format!("{}  ", cells.join(" | "))
        };
    }
    links(line)
}

/// `link:URL[text]`, `https://URL[text]` and `xref:…[text]` as their text.
fn links(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(open) = rest.find('[') {
        let before = &rest[..open];
        let token_start = before.rfind(char::is_whitespace).map_or(0, |i| i + 1);
        let token = &before[token_start..];
        let is_link = ["link:", "xref:", "mailto:", "http://", "https://"]
            .iter()
            .any(|p| token.starts_with(p));
        match rest[open..].find(']') {
            Some(close) if is_link => {
                out.push_str(&before[..token_start]);
                let text = &rest[open + 1..open + close];
                let text = text.split(',').next().unwrap_or("").trim_end_matches('^');
                out.push_str(if text.is_empty() { token } else { text });
                rest = &rest[open + close + 1..];
            }
            _ => {
                out.push_str(&rest[..=open]);
                rest = &rest[open + 1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::super::testing::{block, date, heading};
    use super::*;

    #[test]
    fn header_attributes_sections_and_links() {
        let text = "\
= Storage Conf 2031 CFP
A. Writer
2031-06-07
:jbake-type: post

ifdef::env-github[:outfilesuffix: .adoc]

The https://example.org/cfp[Call for Presentations] is open until July 5!

== Important dates

|===
| Proposals due | June 30
| Conference | 3-4 October
|===
";
        let doc = document(text);
        assert_eq!(doc.title.as_deref(), Some("Storage Conf 2031 CFP"));
        assert_eq!(doc.published, date(2031, 6, 7));
        assert_eq!(
            doc.blocks,
            [
                block(8, "The Call for Presentations is open until July 5!"),
                heading(10, "Important dates"),
                block(13, "Proposals due | June 30"),
                block(14, "Conference | 3-4 October"),
            ]
        );
    }
}
