//! Raw emails (a mailing-list archive's message, headers included) into a
//! document, parsed with mail-parser: the `Subject:` is the title (its
//! `Re:`/`Fwd:` and `[TAG]` prefixes removed), the `Date:` the publication
//! date, and the body — the first text part, decoded — is read as plain
//! text. Header lines are never prose. Quoted replies (`>`) are kept, each
//! block marked with its quote depth, because a reply often quotes the
//! announcement it updates; attribution lines ("On Tue, … wrote:") and the
//! signature after `-- ` are left out.

use chrono::NaiveDate;
use mail_parser::MessageParser;

use super::{Block, Document, collapse, markdown};

/// Whether `text` starts like a raw email: header lines (`Name: value`,
/// folded continuation lines, or an mbox `From ` line) up to the first
/// blank line, among them `From:` and `Subject:` or `Date:`.
pub(super) fn looks_like_email(text: &str) -> bool {
    let mut names = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            break;
        }
        if n > 400 {
            return false;
        }
        if line.starts_with([' ', '\t']) || (n == 0 && line.starts_with("From ")) {
            continue;
        }
        let Some((name, _)) = line.split_once(':') else {
            return false;
        };
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return false;
        }
        names.push(name.to_ascii_lowercase());
    }
    let has = |n: &str| names.iter().any(|h| h == n);
    has("from") && (has("subject") || has("date"))
}

/// Reads a raw email.
pub(super) fn document(raw: &str) -> Document {
    let Some(message) = MessageParser::default().parse(raw.as_bytes()) else {
        return super::from_markdown(raw);
    };
    let published = message
        .date()
        .and_then(|d| NaiveDate::from_ymd_opt(i32::from(d.year), d.month.into(), d.day.into()));
    let title = message
        .subject()
        .map(clean_subject)
        .filter(|s| !s.is_empty());
    let body = message
        .body_text(0)
        .map(|b| b.replace("\r\n", "\n"))
        .unwrap_or_default();
    let first_line = body_line(raw, &body);
    Document {
        published,
        title,
        link: None,
        blocks: body_blocks(&body, first_line),
        warnings: Vec::new(),
        strong: Vec::new(),
    }
}

/// The line of `raw` on which the body starts: where its first words
/// appear, else the line after the headers.
fn body_line(raw: &str, body: &str) -> usize {
    let headers_end = raw
        .find("\n\n")
        .or_else(|| raw.find("\r\n\r\n"))
        .unwrap_or(0);
    let first = body.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let at = raw[headers_end..]
        .find(first.trim())
        .map_or(headers_end, |at| headers_end + at);
    let first_line = raw[..at].matches('\n').count() + 1;
    let leading_blank = body.lines().take_while(|l| l.trim().is_empty()).count();
    first_line.saturating_sub(leading_blank).max(1)
}

/// A subject without reply and forward prefixes or list tags:
/// "Re: [ANNOUNCE][CFP] Storage Summit 2021" is "Storage Summit 2021".
fn clean_subject(subject: &str) -> String {
    let mut rest = subject.trim();
    loop {
        let lower = rest.to_ascii_lowercase();
        if let Some(tag) = rest.strip_prefix('[') {
            match tag.find(']') {
                Some(end) => rest = tag[end + 1..].trim_start(),
                None => break,
            }
        } else if let Some(prefix) = ["re:", "fwd:", "fw:", "aw:", "wg:"]
            .iter()
            .find(|p| lower.starts_with(*p))
        {
            rest = rest[prefix.len()..].trim_start();
        } else {
            break;
        }
    }
    collapse(rest)
}

/// One stretch of body lines at the same quote depth.
struct Stretch {
    depth: u8,
    first_line: usize,
    text: String,
}

/// The blocks of a plain-text body whose first line is `first_line` of the
/// message: each stretch of lines at one quote depth is read as plain text
/// and its blocks marked with that depth.
fn body_blocks(body: &str, first_line: usize) -> Vec<Block> {
    let mut blocks = Vec::new();
    for stretch in stretches(body, first_line) {
        for mut block in markdown::blocks(&stretch.text, 0) {
            block.line += stretch.first_line - 1;
            block.quote = stretch.depth;
            blocks.push(block);
        }
    }
    blocks
}

/// Splits a body into stretches by quote depth, without attribution lines
/// and without the signature.
fn stretches(body: &str, first_line: usize) -> Vec<Stretch> {
    let mut out: Vec<Stretch> = Vec::new();
    for (n, line) in body.lines().enumerate() {
        let (depth, text) = unquote(line);
        if depth == 0 && (line == "-- " || line == "--") {
            break;
        }
        if is_attribution(text) {
            continue;
        }
        match out.last_mut() {
            Some(last) if last.depth == depth => {
                last.text.push_str(text);
                last.text.push('\n');
            }
            _ => out.push(Stretch {
                depth,
                first_line: first_line + n,
                text: format!("{text}\n"),
            }),
        }
    }
    out
}

/// A line's quote depth (the `>` marks before it) and its text after them.
fn unquote(line: &str) -> (u8, &str) {
    let mut depth = 0u8;
    let mut rest = line;
    loop {
        let trimmed = rest.trim_start_matches(' ');
        match trimmed.strip_prefix('>') {
            Some(after) if rest.len() - trimmed.len() <= 1 => {
                depth = depth.saturating_add(1);
                rest = after.strip_prefix(' ').unwrap_or(after);
            }
            _ => return (depth, rest),
        }
    }
}

/// "On Tue, 9 Feb 2021, Somebody wrote:" — the line a reply puts above a
/// quotation.
fn is_attribution(line: &str) -> bool {
    let line = line.trim();
    line.ends_with("wrote:")
        || line.ends_with("writes:")
        || line.starts_with("-----Original Message")
}

#[cfg(test)]
mod tests {
    use super::super::testing::date;
    use super::*;

    const MESSAGE: &str = "\
From: Program Chair <chair@example.org>
To: list@example.org
Subject: Re: [ANNOUNCE][CFP] Storage Summit 2031
Date: Wed, 26 May 2031 10:00:00 +0000
Received: from mail.example.org; Mon, 24 May 2031 09:00:00 +0000

The CFP is extended to July 11th.

On Tue, 9 Feb 2031, Program Chair wrote:

> The summit takes place 27-29 September.
>
> > An older line.

-- 
Program Chair, 1 Main Street, April 1 2031
";

    #[test]
    fn headers_give_title_and_date_and_never_prose() {
        assert!(looks_like_email(MESSAGE));
        let doc = document(MESSAGE);
        assert_eq!(doc.title.as_deref(), Some("Storage Summit 2031"));
        assert_eq!(doc.published, date(2031, 5, 26));
        let texts: Vec<(&str, u8, usize)> = doc
            .blocks
            .iter()
            .map(|b| (b.text.as_str(), b.quote, b.line))
            .collect();
        assert_eq!(
            texts,
            [
                ("The CFP is extended to July 11th.", 0, 7),
                ("The summit takes place 27-29 September.", 1, 11),
                ("An older line.", 2, 13),
            ]
        );
    }

    #[test]
    fn prose_with_a_colon_is_no_email() {
        assert!(!looks_like_email("Dates: May 1\nFrom: here\n"));
        assert!(!looks_like_email("# Title\n\nFrom: me\nSubject: x\n"));
    }
}
