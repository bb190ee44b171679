//! Who and where: event names in a sentence ("KVM Forum", "Xen Project
//! Developer Summit", "KVM Forum + oVirt Workshop"), event nouns that refer
//! back to one ("the hackathon", "a social event"), the kind each implies,
//! and the place a sentence gives ("in Barcelona, Spain", "at the Sheraton
//! Seattle", "hosted by Intel at their Shanghai Zizhu Campus").

use std::ops::Range;

use super::dates;
use crate::model::EventKind;

/// An event named or referred to in a sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameMention {
    pub span: Range<usize>,
    /// The name as written, without a trailing year; for a generic noun,
    /// the noun ("hackathon").
    pub name: String,
    pub kind: EventKind,
    /// "the hackathon", "a social event": refers to an event, names none.
    pub generic: bool,
}

/// Event words, the kind each implies, and whether it may stand as a
/// generic noun in lowercase.
const KEYWORDS: &[(&str, EventKind, bool)] = &[
    ("conference", EventKind::Conference, true),
    ("conf", EventKind::Conference, false),
    ("convention", EventKind::Conference, true),
    ("symposium", EventKind::Conference, true),
    ("congress", EventKind::Conference, true),
    ("expo", EventKind::Conference, false),
    ("forum", EventKind::Conference, false),
    ("days", EventKind::Conference, false),
    ("summit", EventKind::Summit, true),
    ("hackathon", EventKind::Hackathon, true),
    ("hack-a-thon", EventKind::Hackathon, true),
    ("hackfest", EventKind::Hackathon, true),
    ("sprint", EventKind::Hackathon, false),
    ("workshop", EventKind::Workshop, true),
    ("social", EventKind::Social, true),
    ("party", EventKind::Social, true),
    ("reception", EventKind::Social, true),
    ("dinner", EventKind::Social, false),
    ("training", EventKind::Training, true),
    ("tutorial", EventKind::Training, false),
    ("tutorials", EventKind::Training, false),
    ("bootcamp", EventKind::Training, true),
    ("meetup", EventKind::Meetup, true),
    ("meet-up", EventKind::Meetup, true),
    ("meeting", EventKind::Meetup, false),
    ("group", EventKind::Meetup, false),
    ("unconference", EventKind::Conference, true),
    ("colloquium", EventKind::Conference, true),
    ("seminar", EventKind::Workshop, true),
    ("school", EventKind::Training, false),
    ("festival", EventKind::Conference, true),
    ("jam", EventKind::Hackathon, false),
    ("hackday", EventKind::Hackathon, true),
    ("retreat", EventKind::Meetup, false),
];

/// Suffixes that make a word an event name on their own: `PyCon`,
/// `DebConf`, `BarCamp`, `Hackfest`.
const SUFFIXES: &[(&str, EventKind)] = &[
    ("summit", EventKind::Summit),
    ("con", EventKind::Conference),
    ("conf", EventKind::Conference),
    ("camp", EventKind::Conference),
    ("fest", EventKind::Conference),
];

/// Lowercase words that may join the words of a name.
const JOINERS: &[&str] = &["of", "on", "for", "and", "de", "the", "+", "&", "-", "in"];

/// Words that start a sentence or a name but are not part of one.
const NOT_NAMES: &[&str] = &[
    "the",
    "a",
    "an",
    "our",
    "this",
    "that",
    "join",
    "at",
    "in",
    "on",
    "for",
    "and",
    "annual",
    "joint",
    "next",
    "first",
    "inaugural",
    "upcoming",
    "welcome",
    "register",
    "attend",
    "during",
    "after",
    "before",
    "both",
    "all",
    "of",
    "one",
    "two",
    "three",
    "four",
    "five",
    "several",
    "many",
    "every",
    "each",
    "see",
    "meet",
];

#[derive(Debug, Clone)]
struct Word<'a> {
    text: &'a str,
    span: Range<usize>,
}

/// Words (letters, digits, inner `-`, `'`, `.`) and the standalone `+`
/// and `&`, with byte spans; other punctuation ends a name.
fn words(text: &str) -> Vec<Option<Word<'_>>> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        // "Intel-logoThe Hackathon": a caption glued to the next sentence.
        if c == 'T'
            && text[i..].starts_with("The")
            && text[..i]
                .chars()
                .next_back()
                .is_some_and(char::is_lowercase)
        {
            flush(text, &mut out, &mut start, i);
            out.push(None);
        }
        let inner = c.is_alphanumeric()
            || (start.is_some() && matches!(c, '-' | '\'' | '’' | '.' | '/' | '@'));
        if inner {
            start.get_or_insert(i);
            continue;
        }
        flush(text, &mut out, &mut start, i);
        match c {
            '+' | '&' => out.push(Some(Word {
                text: &text[i..=i],
                span: i..i + 1,
            })),
            c if c.is_whitespace() => {}
            _ => out.push(None),
        }
    }
    flush(text, &mut out, &mut start, text.len());
    out
}

/// Ends the word begun at `start`, if any, before `end`.
fn flush<'a>(
    text: &'a str,
    out: &mut Vec<Option<Word<'a>>>,
    start: &mut Option<usize>,
    end: usize,
) {
    if let Some(s) = start.take() {
        let word = text[s..end].trim_end_matches(['.', '\'', '-', '’']);
        out.push(Some(Word {
            text: word,
            span: s..s + word.len(),
        }));
    }
}

fn capitalized(word: &str) -> bool {
    word.chars()
        .next()
        .is_some_and(|c| c.is_uppercase() || c.is_ascii_digit())
        || word.chars().skip(1).any(char::is_uppercase)
}

fn keyword(word: &str) -> Option<(EventKind, bool)> {
    // Every event word is ASCII and at least three letters long.
    if word.len() < 3 || !word.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return None;
    }
    if let Some((_, kind, generic)) = KEYWORDS
        .iter()
        .find(|(k, _, _)| k.eq_ignore_ascii_case(word))
    {
        return Some((*kind, *generic));
    }
    // `PyCon`, `XenSummit`: the suffix starts with a capital inside the word.
    SUFFIXES
        .iter()
        .find(|(s, _)| {
            let at = word.len().wrapping_sub(s.len());
            word.len() > s.len() + 1
                && word.is_char_boundary(at)
                && word[at..].eq_ignore_ascii_case(s)
                && word[at..].starts_with(|c: char| c.is_ascii_uppercase())
        })
        .map(|(_, kind)| (*kind, false))
}

/// The events named or referred to in `sentence`, in order.
#[must_use]
pub fn find(sentence: &str) -> Vec<NameMention> {
    let words = words(sentence);
    let mut out = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let mut run_end = run(&words, i);
        // "the Madrid meetup", "our Porto sprint": a place or project and
        // an event word in lowercase.
        let has_keyword = words[i..run_end]
            .iter()
            .flatten()
            .any(|w| keyword(w.text).is_some());
        let proper = words[i..run_end]
            .iter()
            .flatten()
            .any(|w| !NOT_NAMES.contains(&w.text.to_lowercase().as_str()) && !is_number(w.text));
        if run_end > i
            && proper
            && !has_keyword
            && words
                .get(run_end)
                .and_then(Option::as_ref)
                .is_some_and(|w| {
                    w.text.starts_with(char::is_lowercase) && keyword(w.text).is_some()
                })
            && !words
                .get(run_end + 1)
                .and_then(Option::as_ref)
                .is_some_and(|w| {
                    matches!(
                        w.text.to_lowercase().as_str(),
                        "centre" | "center" | "hall" | "hotel" | "room" | "venue" | "site"
                    )
                })
        {
            run_end += 1;
        }
        if run_end > i {
            out.extend(named(sentence, &words[i..run_end]));
            i = run_end;
        } else {
            if let Some(generic) = generic_at(&words, i) {
                out.push(generic);
            }
            i += 1;
        }
    }
    out
}

/// Words of a title that make it a publication, not an event: "Weekly
/// News, Issue 183", "Community digest, March".
const NOT_EVENTS: &[&str] = &[
    "digest",
    "newsletter",
    "weekly news",
    "this week in",
    "roundup",
    "round-up",
    "issue ",
    "monthly news",
    "bulletin",
];

/// Words of a title that announce rather than name: "Call for Papers:
/// Storage Days 2031", "Storage Days 2031 CFP is open".
const ANNOUNCING: &[&str] = &[
    "call for papers",
    "call for proposals",
    "call for participation",
    "call for presentations",
    "call for talks",
    "call for submissions",
    "call for contributions",
    "call for speakers",
    "announcing",
    "announcement",
    "announce",
    "cfp",
    "cfps",
    "registration",
    "register now",
    "is open",
    "are open",
    "now open",
    "opens",
    "is out",
    "extended",
    "deadline",
    "save the date",
    "reminder",
    "last chance",
    "welcome to",
    "join us at",
    "join us for",
];

/// The event a document's title names: an event name found in it, else the
/// title itself without the words that announce ("CFP", "Call for Papers",
/// "is open") when what is left is short and starts with a capital or a
/// digit, as acronyms and brand names do ("DevConf.US 2019",
/// "WANT@NeurIPS 2023"). A year at its end is dropped, as in every name.
#[must_use]
pub fn from_title(title: &str) -> Option<NameMention> {
    let lower = title.to_lowercase();
    if NOT_EVENTS.iter().any(|w| lower.contains(w)) {
        return None;
    }
    if let Some(found) = find(title).into_iter().find(|n| !n.generic) {
        return Some(found);
    }
    let mut rest = title.to_owned();
    for phrase in ANNOUNCING {
        rest = remove_phrase(&rest, phrase);
    }
    let rest = rest
        .split([':', '|', '!', '?', '(', ')', '–', '—', ','])
        .map(|part| part.trim_matches(|c: char| c.is_whitespace() || "-–—.".contains(c)))
        .find(|part| !part.is_empty())?
        .to_owned();
    let rest = match rest.rsplit_once(' ') {
        Some((name, year)) if year.len() == 4 && year.chars().all(|c| c.is_ascii_digit()) => {
            name.trim_end().to_owned()
        }
        _ => rest,
    };
    let words = rest.split_whitespace().count();
    let starts_well = rest.starts_with(|c: char| c.is_uppercase() || c.is_ascii_digit())
        || rest
            .split_whitespace()
            .next()
            .is_some_and(|w| w.chars().any(char::is_uppercase));
    (words <= 7 && starts_well && rest.chars().any(char::is_alphabetic)).then_some(NameMention {
        span: 0..title.len(),
        kind: EventKind::Conference,
        name: rest,
        generic: false,
    })
}

/// `text` without `phrase`, matched without case at word boundaries.
fn remove_phrase(text: &str, phrase: &str) -> String {
    let lower = text.to_lowercase();
    if lower.len() != text.len() {
        return text.to_owned();
    }
    let mut out = String::new();
    let mut from = 0;
    for (at, _) in lower.match_indices(phrase) {
        let end = at + phrase.len();
        let bounded = !lower[..at].ends_with(char::is_alphanumeric)
            && !lower[end..].starts_with(char::is_alphanumeric);
        if bounded && at >= from {
            out.push_str(&text[from..at]);
            from = end;
        }
    }
    out.push_str(&text[from..]);
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The end of the run of name words starting at `i` (`i` if none).
fn run(words: &[Option<Word<'_>>], i: usize) -> usize {
    let is_name = |k: usize| {
        words
            .get(k)
            .and_then(Option::as_ref)
            .is_some_and(|w| capitalized(w.text))
    };
    // `of`, `on`, `for`... join only after an event word ("Conference on
    // Systems"); `and`, `+`, `&` anywhere.
    let is_joiner = |k: usize| {
        let Some(w) = words.get(k).and_then(Option::as_ref) else {
            return false;
        };
        let lower = w.text.to_lowercase();
        let after_keyword = k >= 1
            && words[k - 1]
                .as_ref()
                .is_some_and(|p| keyword(p.text).is_some() || JOINERS.contains(&p.text));
        JOINERS.contains(&lower.as_str())
            && !capitalized(w.text)
            && (matches!(lower.as_str(), "and" | "+" | "&" | "-") || after_keyword)
    };
    if !is_name(i) {
        return i;
    }
    let mut end = i + 1;
    loop {
        let joined =
            is_joiner(end) && (is_name(end + 1) || (is_joiner(end + 1) && is_name(end + 2)));
        if is_name(end) || joined {
            end += 1;
        } else {
            return end;
        }
    }
}

/// The names in one run of capitalized words: split at `and`, each part
/// ending at its last event word (a year after it is dropped).
fn named(sentence: &str, run: &[Option<Word<'_>>]) -> Vec<NameMention> {
    let words: Vec<&Word<'_>> = run.iter().flatten().collect();
    let mut out = Vec::new();
    // "the KVM Forum and Xen Summit Hackathon": one event of the two.
    let joint = words
        .last()
        .and_then(|w| keyword(w.text))
        .is_some_and(|(kind, _)| {
            matches!(
                kind,
                EventKind::Hackathon | EventKind::Social | EventKind::Training
            )
        });
    let parts: Vec<&[&Word<'_>]> = if joint {
        vec![&words[..]]
    } else {
        words.split(|w| w.text == "and").collect()
    };
    for part in parts {
        let Some(last) = part.iter().rposition(|w| keyword(w.text).is_some()) else {
            out.extend(edition(sentence, part));
            continue;
        };
        let first = part
            .iter()
            .position(|w| !NOT_NAMES.contains(&w.text.to_lowercase().as_str()))
            .unwrap_or(part.len());
        if first > last {
            continue;
        }
        // A compound ("KVM Forum + oVirt Workshop") is of its first kind.
        let compound = part[first..=last]
            .iter()
            .any(|w| matches!(w.text, "+" | "&"));
        let kind_word = if compound {
            part[first..=last].iter().find_map(|w| keyword(w.text))
        } else {
            keyword(part[last].text)
        };
        let Some((kind, _)) = kind_word else {
            continue;
        };
        // "Conference on Operating Systems": the topic is part of the name.
        let last = if part
            .get(last + 1)
            .is_some_and(|w| matches!(w.text, "on" | "of" | "for"))
        {
            part.len() - 1
        } else {
            last
        };
        let last = if last > first && is_number(part[last].text) {
            last - 1
        } else {
            last
        };
        let span = part[first].span.start..part[last].span.end;
        let proper = part[first..last].iter().any(|w| keyword(w.text).is_none())
            || keyword(part[last].text).is_some_and(|(_, generic)| !generic);
        out.push(NameMention {
            name: sentence[span.clone()].to_owned(),
            span,
            kind,
            generic: !proper,
        });
    }
    out
}

/// A name with no event word, known by the year after it: "Clojure Jam
/// 2026", "DevConf.CZ 2026", "Biocuration 2023" — capitalized words that
/// are no month, weekday or sentence opener, then a year.
fn edition(sentence: &str, part: &[&Word<'_>]) -> Option<NameMention> {
    let (year, words) = part.split_last()?;
    let is_year = year.text.len() == 4
        && year.text.chars().all(|c| c.is_ascii_digit())
        && (year.text.starts_with("19") || year.text.starts_with("20"));
    let first = words
        .iter()
        .position(|w| !NOT_NAMES.contains(&w.text.to_lowercase().as_str()))?;
    let words = &words[first..];
    let plausible = words
        .first()
        .is_some_and(|w| w.text.starts_with(char::is_alphabetic))
        && words.len() <= 5
        && words.iter().all(|w| !dates::calendar_word(w.text))
        && words
            .iter()
            .any(|w| w.text.chars().next().is_some_and(char::is_alphabetic));
    if !is_year || !plausible {
        return None;
    }
    let span = words[0].span.start..words[words.len() - 1].span.end;
    Some(NameMention {
        name: sentence[span.clone()].to_owned(),
        span,
        kind: EventKind::Conference,
        generic: false,
    })
}

fn is_number(word: &str) -> bool {
    word.chars().all(|c| c.is_ascii_digit())
}

/// "the hackathon", "a social event", "the party".
fn generic_at(words: &[Option<Word<'_>>], i: usize) -> Option<NameMention> {
    let word = words.get(i)?.as_ref()?;
    let (kind, generic) = keyword(word.text)?;
    if !generic || capitalized(word.text) {
        return None;
    }
    Some(NameMention {
        span: word.span.clone(),
        name: word.text.to_lowercase(),
        kind,
        generic: true,
    })
}

/// Words that start a place after `in` or `at` but are no place (besides
/// months and weekdays).
const NOT_PLACES: &[&str] = &[
    "it",
    "this",
    "that",
    "addition",
    "order",
    "fact",
    "particular",
    "general",
    "person",
    "time",
    "least",
    "once",
    "which",
    "any",
];

/// The place `sentence` gives for what it describes.
#[must_use]
pub fn location(sentence: &str) -> Option<String> {
    if let Some(rest) = labelled(sentence, "location:").or_else(|| labelled(sentence, "venue:")) {
        let place = rest.trim().trim_end_matches(['.', ';']).trim();
        return (!place.is_empty()).then(|| place.to_owned());
    }
    let words = words(sentence);
    let host = hosted_by(&words);
    for (i, w) in words.iter().enumerate() {
        let Some(w) = w else { continue };
        if !matches!(w.text, "in" | "at" | "At" | "In") {
            continue;
        }
        let mut j = i + 1;
        let mut possessive = None;
        if let Some(Some(next)) = words.get(j) {
            match next.text {
                "the" => j += 1,
                "their" | "its" => {
                    possessive.clone_from(&host);
                    j += 1;
                }
                _ => {}
            }
        }
        if let Some(place) = place_at(sentence, &words, j) {
            return Some(match possessive {
                Some(owner) => format!("{owner}'s {place}"),
                None => place,
            });
        }
    }
    None
}

fn labelled<'a>(sentence: &'a str, label: &str) -> Option<&'a str> {
    let lower = sentence.to_lowercase();
    let at = lower.find(label)?;
    sentence.get(at + label.len()..)
}

/// The host of "hosted by Intel".
fn hosted_by(words: &[Option<Word<'_>>]) -> Option<String> {
    let at = words.windows(2).position(|pair| {
        matches!(pair, [Some(a), Some(b)] if a.text.eq_ignore_ascii_case("hosted") && b.text == "by")
    })?;
    let host = words.get(at + 2)?.as_ref()?;
    capitalized(host.text).then(|| host.text.to_owned())
}

/// A place starting at word `j`: capitalized words (`San Diego`), then
/// optionally `, Spain` or `, CA`.
fn place_at(sentence: &str, words: &[Option<Word<'_>>], j: usize) -> Option<String> {
    let first = words.get(j)?.as_ref()?;
    if !capitalized(first.text)
        || NOT_PLACES.contains(&first.text.to_lowercase().as_str())
        || dates::calendar_word(first.text)
        || first.text.chars().all(|c| c.is_ascii_digit())
        || keyword(first.text).is_some()
    {
        return None;
    }
    let mut end = j;
    while let Some(Some(w)) = words.get(end + 1) {
        let joins = matches!(w.text, "of" | "de")
            && words
                .get(end + 2)
                .and_then(Option::as_ref)
                .is_some_and(|n| capitalized(n.text));
        if keyword(w.text).is_some_and(|_| !venue(w.text)) {
            // "in the KVM Forum": an event, not a place.
            return None;
        }
        if !(capitalized(w.text) || joins) {
            break;
        }
        end += 1;
    }
    let mut span = first.span.start..words[end].as_ref()?.span.end;
    // `, Spain` / `, CA`: a comma, then one capitalized word.
    if let Some(comma) = sentence[span.end..].strip_prefix(", ")
        && let Some(region) = comma.split(|c: char| !c.is_alphabetic()).next()
        && capitalized(region)
        && region.len() >= 2
        && !NOT_PLACES.contains(&region.to_lowercase().as_str())
        && !dates::calendar_word(region)
        && keyword(region).is_none()
    {
        span.end += 2 + region.len();
    }
    Some(sentence[span].to_owned())
}

fn venue(word: &str) -> bool {
    matches!(word.to_lowercase().as_str(), "convention" | "conference")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(sentence: &str) -> Vec<(String, EventKind, bool)> {
        find(sentence)
            .into_iter()
            .map(|n| (n.name, n.kind, n.generic))
            .collect()
    }

    #[test]
    fn names_and_their_kinds() {
        let cases = [
            (
                "Join the teams behind Xen Project Developer Summit and KVM Forum in Seattle",
                vec![
                    ("Xen Project Developer Summit", EventKind::Summit),
                    ("KVM Forum", EventKind::Conference),
                ],
            ),
            (
                "Intel hosts Xen Project Hackathon, April 28-29 in Shanghai",
                vec![("Xen Project Hackathon", EventKind::Hackathon)],
            ),
            (
                "KVM Forum + oVirt Workshop",
                vec![("KVM Forum + oVirt Workshop", EventKind::Conference)],
            ),
            (
                "The USENIX Annual Tech Conference 2009 is scheduled for June",
                vec![("USENIX Annual Tech Conference", EventKind::Conference)],
            ),
            (
                "See you at PyCon US!",
                vec![("PyCon", EventKind::Conference)],
            ),
        ];
        for (sentence, expected) in cases {
            let found: Vec<(String, EventKind)> = find(sentence)
                .into_iter()
                .filter(|n| !n.generic)
                .map(|n| (n.name, n.kind))
                .collect();
            let expected: Vec<(String, EventKind)> = expected
                .into_iter()
                .map(|(n, k)| (n.to_owned(), k))
                .collect();
            assert_eq!(found, expected, "{sentence}");
        }
    }

    #[test]
    fn event_nouns_refer_without_naming() {
        let found = names("The hackathon will be held on Tuesday, and a social event follows.");
        assert_eq!(
            found,
            [
                ("hackathon".to_owned(), EventKind::Hackathon, true),
                ("social".to_owned(), EventKind::Social, true),
            ]
        );
    }

    #[test]
    fn places() {
        let cases = [
            ("## Location: Barcelona, Spain", Some("Barcelona, Spain")),
            (
                "is scheduled for June 14-19, 2009 in San Diego, CA.",
                Some("San Diego, CA"),
            ),
            (
                "KVM Forum, August 19-21 at the Sheraton Seattle.",
                Some("Sheraton Seattle"),
            ),
            (
                "The Hackathon will be hosted by Intel at their Shanghai Zizhu Campus, April 28-29.",
                Some("Intel's Shanghai Zizhu Campus"),
            ),
            ("We meet in August.", None),
            ("In addition, we will meet.", None),
        ];
        for (sentence, expected) in cases {
            assert_eq!(location(sentence).as_deref(), expected, "{sentence}");
        }
    }
}
