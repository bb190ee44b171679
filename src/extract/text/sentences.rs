//! Splitting a block of text into sentences, without breaking at the
//! periods of abbreviations ("Aug.", "Dr.", "e.g."), initials or numbers,
//! so that a date and what it is for stay in one sentence.

use std::ops::Range;

/// The sentences of a block's text, each with its byte offset in `text`.
/// A sentence ends at `.`, `!` or `?` (and any closing quote or bracket)
/// followed by a space and a capital or a digit, or by the end of the text;
/// but not at the period of an abbreviation ("Aug.", "Sept.", "Dr.", "e.g.",
/// "St.", "No. 5", "Inc.", "vs.", "a.m."), an initial ("J.") or inside a
/// number ("4.6").
///
/// A dash (" – ") does not end a sentence: in announcements it joins a
/// date to what happens on it more often than it separates thoughts.
pub fn sentences(text: &str) -> Vec<(usize, &str)> {
    let mut found = Vec::new();
    let mut start = 0;
    let mut from = 0;
    while let Some(found_at) = text[from..].find(['.', '!', '?']) {
        let at = from + found_at;
        let end = terminator_end(text, at);
        if ends_sentence(text, at, end) {
            push_sentence(&mut found, text, start..end);
            start = end;
        }
        from = end;
    }
    push_sentence(&mut found, text, start..text.len());
    found
}

fn push_sentence<'a>(found: &mut Vec<(usize, &'a str)>, text: &'a str, span: Range<usize>) {
    let piece = &text[span.clone()];
    let trimmed = piece.trim_start();
    let offset = span.start + (piece.len() - trimmed.len());
    let trimmed = trimmed.trim_end();
    if !trimmed.is_empty() {
        found.push((offset, trimmed));
    }
}

/// Where the run of terminators starting at `at` ends, closing quotes and
/// brackets included ("end.)" or "it?”").
fn terminator_end(text: &str, at: usize) -> usize {
    let rest = &text[at..];
    let run = rest
        .find(|c: char| !matches!(c, '.' | '!' | '?'))
        .unwrap_or(rest.len());
    let after = &rest[run..];
    let closers = after
        .find(|c: char| !matches!(c, '"' | '\'' | '”' | '’' | ')' | ']' | '»'))
        .unwrap_or(after.len());
    at + run + closers
}

/// Whether the terminator at `at`, whose run ends at `end`, ends a sentence.
fn ends_sentence(text: &str, at: usize, end: usize) -> bool {
    let rest = &text[end..];
    if rest.trim().is_empty() {
        return true;
    }
    if !rest.starts_with(char::is_whitespace) {
        return false;
    }
    let next = rest
        .trim_start()
        .trim_start_matches(['"', '\'', '“', '‘', '(', '[', '«']);
    let Some(first) = next.chars().next() else {
        return true;
    };
    if !(first.is_uppercase() || first.is_ascii_digit()) {
        return false;
    }
    let lone_period = text[at..end].trim_end_matches(['"', '\'', '”', '’', ')', ']', '»']) == ".";
    !(lone_period && is_abbreviation(word_before(text, at), first))
}

/// The word that ends at byte `at`.
fn word_before(text: &str, at: usize) -> &str {
    text[..at]
        .rsplit(|c: char| c.is_whitespace() || matches!(c, '(' | '[' | '"' | '“' | '‘'))
        .next()
        .unwrap_or("")
}

/// Month and weekday abbreviations, compared without regard to case
/// ("Aug.", "AUG.", "aug.").
const DATE_ABBREVIATIONS: &[&str] = &[
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "mon",
    "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun",
];

/// Other abbreviations, as they are written; a lowercase one may also start
/// with a capital ("Vs.").
const ABBREVIATIONS: &[&str] = &[
    "Dr", "Mr", "Mrs", "Ms", "Prof", "St", "Mt", "Inc", "Ltd", "Corp", "Co", "Jr", "Sr", "Fig",
    "Vol", "Ave", "Blvd", "Dept", "Univ", "Ph.D", "vs", "al", "approx", "ca", "cf", "pp",
];

/// Whether `word` followed by a period is an abbreviation rather than the
/// end of a sentence, given the first letter of what follows.
fn is_abbreviation(word: &str, next: char) -> bool {
    let mut letters = word.chars();
    let initial = matches!((letters.next(), letters.next()), (Some(c), None) if c.is_uppercase());
    let dotted = word.contains('.')
        && word
            .split('.')
            .all(|part| part.chars().count() == 1 && part.chars().all(char::is_alphabetic));
    let lower = word.to_lowercase();
    let number = matches!(lower.as_str(), "no" | "nos") && next.is_ascii_digit();
    let date = DATE_ABBREVIATIONS.contains(&lower.as_str());
    let other = ABBREVIATIONS.iter().any(|a| {
        *a == word || (a.starts_with(char::is_lowercase) && capitalized(a).as_str() == word)
    });
    initial || dotted || number || date || other
}

/// `word` with its first letter made a capital.
fn capitalized(word: &str) -> String {
    let mut letters = word.chars();
    letters
        .next()
        .map(|first| first.to_uppercase().chain(letters).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn assert_sentences(text: &str, expected: &[&str]) {
        let found = sentences(text);
        for (offset, sentence) in &found {
            assert!(
                text[*offset..].starts_with(sentence),
                "{offset} in {text:?}"
            );
        }
        let found: Vec<&str> = found.into_iter().map(|(_, s)| s).collect();
        assert_eq!(found, expected, "{text:?}");
    }

    #[test]
    fn sentences_split_at_ends_only() {
        assert_sentences(
            "The summit runs Aug. 3rd to 5th. Submit by Sept. 1!",
            &["The summit runs Aug. 3rd to 5th.", "Submit by Sept. 1!"],
        );
        assert_sentences(
            "Xen 4.6 ships soon. Version 4.7 follows.",
            &["Xen 4.6 ships soon.", "Version 4.7 follows."],
        );
        assert_sentences(
            "Dr. Jones of Example Inc. speaks on Room No. 5 vs. Room No. 6 at 10 a.m. PDT.",
            &["Dr. Jones of Example Inc. speaks on Room No. 5 vs. Room No. 6 at 10 a.m. PDT."],
        );
        assert_sentences(
            "Talks by J. R. Smith, e.g. Kernel Tricks. Held at St. Mary's Hall.",
            &[
                "Talks by J. R. Smith, e.g. Kernel Tricks.",
                "Held at St. Mary's Hall.",
            ],
        );
        assert_sentences(
            "It is in San Diego, CA. Both days are full. Why? \"Demand.\" (See below.) 2024 is sold out.",
            &[
                "It is in San Diego, CA.",
                "Both days are full.",
                "Why?",
                "\"Demand.\"",
                "(See below.)",
                "2024 is sold out.",
            ],
        );
        assert_sentences(
            "Say no. Then leave. Room no. 4 is free.",
            &["Say no.", "Then leave.", "Room no. 4 is free."],
        );
        assert_sentences(
            "Wait... the list goes on. Dates – see below – are firm",
            &["Wait... the list goes on.", "Dates – see below – are firm"],
        );
        assert_sentences("  ", &[]);
        assert_sentences("No end", &["No end"]);
        assert_sentences("Ends here.  ", &["Ends here."]);
        assert_sentences(
            "Café déjà vu. Ünïcode too.",
            &["Café déjà vu.", "Ünïcode too."],
        );
    }
}
