//! What a date in a sentence is for, judged from the words around it (not
//! from where it stands): an event's dates, a CFP or abstract deadline, a
//! registration cutoff, an early-bird end, a notification or camera-ready
//! date, or something to ignore — refund policies, grant applications,
//! "posted on" dates, past events, openings rather than closings.

use std::ops::Range;
use std::sync::LazyLock;

use aho_corasick::AhoCorasick;

use crate::model::DeadlineKind;

/// The role of one date mention.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The dates of an event.
    Event,
    Deadline(DeadlineKind),
    /// Not a fact for the calendar: a policy, a post's own date, the past.
    Ignore,
}

/// Words that make a date beside them no deadline or event of ours.
const IGNORE: &[&str] = &[
    "refund",
    "cancellation",
    "cancel",
    "grant",
    "scholarship",
    "travel support",
    "travel fund",
    "financial aid",
    "hotel",
    "room block",
    "posted",
    "linked to this post",
    "published on",
    "updated on",
    "last updated",
    "comment",
    "wrote",
    "copyright",
];

/// Words that put what is said in the past.
const PAST: &[&str] = &[
    "was held",
    "were held",
    "took place",
    "happened",
    "attended",
    "last year",
    "last week",
    "ago",
    "back in",
    "a few weeks back",
    "was hosted",
    "spoke at",
    "we had",
    "recap",
    "recorded",
];

const OPENING: &[&str] = &[
    "opens",
    "open on",
    "opening",
    "is open",
    "are open",
    "starts",
    "begins",
    "begin",
    "beginning",
    "launch",
    "available from",
    "kicks off",
    "will open",
];

const CLOSING: &[&str] = &[
    "close",
    "deadline",
    "due",
    "until",
    "by ",
    "before",
    "no later than",
    "ends",
    "end ",
    "ending",
    "cut-off",
    "cutoff",
    "extend",
    "cut off",
    "last day",
    "expire",
    "through",
    "closing",
];

/// Deadline kinds and the words that name them, most specific first.
const KINDS: &[(DeadlineKind, &[&str])] = &[
    (
        DeadlineKind::CameraReady,
        &[
            "camera-ready",
            "camera ready",
            "final version",
            "final paper",
        ],
    ),
    (
        DeadlineKind::Notification,
        &[
            "notification",
            "notified",
            "notify",
            "acceptance",
            "accepted",
            "decisions",
        ],
    ),
    (
        DeadlineKind::EarlyBird,
        &[
            "early bird",
            "early-bird",
            "earlybird",
            "early registration",
        ],
    ),
    (DeadlineKind::Abstract, &["abstract"]),
    (
        DeadlineKind::Cfp,
        &[
            "cfp",
            "call for",
            "submission",
            "submit",
            "proposal",
            "papers due",
            "paper deadline",
            "talks due",
        ],
    ),
    (
        DeadlineKind::Registration,
        &[
            "registration",
            "register",
            "ticket",
            "sign up",
            "sign-up",
            "rsvp",
            "invitation",
            "seats",
        ],
    ),
];

/// Words that say a date is when something happens.
const HAPPENING: &[&str] = &[
    "held",
    "take place",
    "takes place",
    "taking place",
    "scheduled",
    "hosted",
    "host",
    "join us",
    "happening",
    "will be",
    "runs",
    "date:",
    "dates:",
    "when:",
    "kicks off",
    "come together",
    "gather",
    "meet",
    "on the eve",
    "at the close",
    "begins",
    "starts",
    "ends:",
    "get together",
    "gets together",
    "celebrate",
    "celebrated",
];

/// A sentence made ready for classifying its dates: lowercased once, with
/// what holds for the whole of it.
#[derive(Debug)]
pub struct Reading {
    lower: String,
    /// Whether it speaks of the past ("was held", "last year").
    past: bool,
    /// Whether it says something happens ("takes place", "join us").
    happening: bool,
}

/// One automaton for the words that hold for a whole sentence: the
/// `PAST` ones first, then the `HAPPENING` ones.
static SENTENCE_WORDS: LazyLock<Option<AhoCorasick>> =
    LazyLock::new(|| AhoCorasick::new(PAST.iter().chain(HAPPENING)).ok());

impl Reading {
    #[must_use]
    pub fn new(sentence: &str) -> Reading {
        let lower = sentence.to_lowercase();
        let Some(words) = SENTENCE_WORDS.as_ref() else {
            return Reading {
                past: has_any(&lower, PAST),
                happening: has_any(&lower, HAPPENING),
                lower,
            };
        };
        let (mut past, mut happening) = (false, false);
        for found in words.find_overlapping_iter(&lower) {
            let index = found.pattern().as_usize();
            let is_past = index < PAST.len();
            let word = if is_past {
                PAST[index]
            } else {
                HAPPENING[index - PAST.len()]
            };
            if starts_word(&lower, found.start()) && ends_word(&lower, word, found.end()) {
                past |= is_past;
                happening |= !is_past;
            }
        }
        Reading {
            lower,
            past,
            happening,
        }
    }

    /// Whether the sentence says something happens.
    #[must_use]
    pub fn happening(&self) -> bool {
        self.happening
    }
}

/// Whether a sentence says something happens (is held, takes place...).
#[must_use]
pub fn happening(sentence: &str) -> bool {
    has_any(&sentence.to_lowercase(), HAPPENING)
}

/// Classifies the date at `mention` in `sentence`. `previous_end` is where
/// the date before it in the sentence ends (0 if none), `next_start` where
/// the next begins (the length if none): the words between dates belong to
/// the date they lead to. `named` says whether the sentence names an event
/// or uses an event noun; `range` whether the date is a range of days.
#[must_use]
pub fn classify(
    sentence: &Reading,
    mention: &Range<usize>,
    neighbours: (usize, usize),
    named: bool,
    range: bool,
) -> Role {
    let lower = &sentence.lower;
    let (previous_end, next_start) = neighbours;
    let before = window(
        lower,
        previous_end.max(mention.start.saturating_sub(100)),
        mention.start,
    );
    let after = window(lower, mention.end, next_start.min(mention.end + 60));
    if has_any(before, IGNORE) || has_any(after, &["refund", "grant", "scholarship"]) {
        return Role::Ignore;
    }
    let past = sentence.past;
    if !range
        && !past
        && let Some(kind) = deadline(before, after)
    {
        return Role::Deadline(kind);
    }
    // "Slides due: June 24" is a deadline of something not tracked, never
    // an event's date.
    if !range && has_any(before, &["due", "deadline", "until", "closes", "by "]) {
        return Role::Ignore;
    }
    // "Registration begins May 1", "the CFP opens on": a deadline's other
    // end, no event's date.
    if !range && kind_of(before).is_some() {
        return Role::Ignore;
    }
    if range || named || sentence.happening {
        return Role::Event;
    }
    Role::Ignore
}

/// Headings of the sections that list deadlines.
const DATES_SECTIONS: &[&str] = &[
    "important dates",
    "key dates",
    "deadlines",
    "deadline",
    "dates",
    "timeline",
    "call for",
    "cfp",
    "submission",
    "registration",
];

/// Words just before a date that say it is no longer the date: "extended
/// to June 9 (previously: June 3)", "moved from May 1".
const SUPERSEDED: &[&str] = &[
    "previously",
    "originally",
    "original",
    "formerly",
    "instead of",
    "old deadline",
    "extended from",
    "moved from",
    "postponed from",
    "was:",
    "update",
    "updated",
    "edit",
    "edited",
];

/// The role of a date judged also by where it stands: the label in front
/// of it on a "Label: date" line or in a table row ("Paper submission |
/// March 3"), and the section it is under ("Important dates",
/// "Registration"). `role` is what the sentence's words alone said; a
/// range of days is never a deadline.
#[must_use]
pub fn in_context(
    role: Role,
    sentence: &Reading,
    mention: &Range<usize>,
    previous_end: usize,
    section: Option<&str>,
    range: bool,
) -> Role {
    let lower = &sentence.lower;
    let before = window(lower, previous_end, mention.start);
    let near = window(lower, mention.start.saturating_sub(24), mention.start);
    if has_any(near, SUPERSEDED) {
        return Role::Ignore;
    }
    // "after the event on December 16": the date is the event's own.
    if [
        "event on",
        "conference on",
        "workshop on",
        "summit on",
        "event is on",
    ]
    .iter()
    .any(|w| near.trim_end().ends_with(w))
    {
        return Role::Event;
    }
    if matches!(role, Role::Deadline(_))
        || range
        || has_any(before, IGNORE)
        || has_any(before, OPENING)
    {
        return role;
    }
    let label = before.trim_end();
    let is_label = label.ends_with([':', '|', '-', '–']) && label.len() <= 80;
    if is_label && let Some(kind) = kind_of(label) {
        return Role::Deadline(kind);
    }
    if let Some(kind) = trailing_label(lower, mention, previous_end) {
        return Role::Deadline(kind);
    }
    let section = section.map(str::to_lowercase).unwrap_or_default();
    if has_any(&section, DATES_SECTIONS) && !has_any(&section, &["open", "opening"]) {
        if let Some(kind) = kind_of(before) {
            return Role::Deadline(kind);
        }
        if last_of(before, CLOSING).is_some()
            && let Some(kind) = kind_of(&section)
        {
            return Role::Deadline(kind);
        }
    }
    role
}

/// "15 October (Monday) 12:00 - Registration for speakers", "May 3 |
/// Paper submission": a line that starts with its date and labels it after
/// a dash, a colon or a cell border.
fn trailing_label(
    lower: &str,
    mention: &Range<usize>,
    previous_end: usize,
) -> Option<DeadlineKind> {
    let lead = window(lower, previous_end, mention.start);
    if !lead.trim_matches(|c: char| !c.is_alphanumeric()).is_empty() {
        return None;
    }
    let after = window(lower, mention.end, lower.len());
    let head = window(after, 0, after.len().min(40));
    let separator = [" - ", " – ", " — ", " | ", ": ", "| "]
        .iter()
        .filter_map(|sep| head.find(sep).map(|at| at + sep.len()))
        .min()?;
    let label = &after[separator..];
    let label = window(label, 0, label.len().min(60));
    if has_any(label, OPENING) || has_any(label, IGNORE) {
        return None;
    }
    kind_of(label)
}

/// Words that make a registration date the end of a better price or a
/// perk, not of registration: price tiers ("July 10 or later") and
/// incentives ("register by May 1 to save 20%", "and gain free access").
const INCENTIVES: &[&str] = &[
    "or later",
    "or after",
    "and later",
    "onwards",
    "to save",
    "to get",
    "to receive",
    "gain free",
    "get free",
    "free access",
    "discount",
    "reduced rate",
    "lower rate",
    "cheaper",
];

/// A registration deadline, or an early-bird one when the words around
/// the date speak of prices and perks.
#[must_use]
pub fn registration_or_early_bird(sentence: &str, mention: &Range<usize>) -> DeadlineKind {
    let lower = sentence.to_lowercase();
    let after = window(&lower, mention.end, mention.end + 70);
    if has_any(&lower, &["or later", "or after", "and later", "onwards"])
        || has_any(after, INCENTIVES)
    {
        DeadlineKind::EarlyBird
    } else {
        DeadlineKind::Registration
    }
}

/// The deadline a label names ("Paper submission", "Registration
/// closes"), unless it speaks of an opening or of something ignored.
#[must_use]
pub fn labelled(label: &str) -> Option<DeadlineKind> {
    let lower = label.to_lowercase();
    if has_any(&lower, OPENING) || has_any(&lower, IGNORE) {
        return None;
    }
    kind_of(&lower)
}

/// The deadline kind the words of `text` name, the nearest one to its end;
/// within one phrase ("early-bird registration"), the most specific.
fn kind_of(text: &str) -> Option<DeadlineKind> {
    let found: Vec<(usize, DeadlineKind)> = KINDS
        .iter()
        .filter_map(|(kind, words)| last_of(text, words).map(|at| (at, *kind)))
        .collect();
    let nearest = found.iter().map(|(at, _)| *at).max()?;
    found
        .into_iter()
        .find(|(at, _)| at + 30 >= nearest)
        .map(|(_, kind)| kind)
}

/// A deadline kind named before the date (or just after it, as in "May 1
/// is the deadline for proposals") with a closing word, and no opening
/// word nearer the date than the closing one.
fn deadline(before: &str, after: &str) -> Option<DeadlineKind> {
    let kind_in = kind_of;
    let closing = last_of(before, CLOSING);
    let opening = last_of(before, OPENING);
    if let Some(kind) = kind_in(before) {
        let closes = closing.is_some()
            || matches!(kind, DeadlineKind::Notification | DeadlineKind::CameraReady);
        let opens = opening.is_some_and(|o| closing.is_none_or(|c| o > c));
        if closes && !opens {
            return Some(kind);
        }
    }
    let head = window(after, 0, after.len().min(45));
    if has_any(head, OPENING) {
        return None;
    }
    if has_any(head, &["deadline", "last day", "closes", "due"]) {
        return kind_in(head);
    }
    // "until Friday to finish your registration", "by May 1 to register".
    let closes_before = has_any(
        window(before, before.len().saturating_sub(32), before.len()),
        &["until", "by ", "before", "no later than"],
    );
    if closes_before {
        return kind_in(window(after, 0, after.len().min(40)));
    }
    None
}

fn window(text: &str, from: usize, to: usize) -> &str {
    let from = floor_boundary(text, from.min(text.len()));
    let to = floor_boundary(text, to.min(text.len()));
    text.get(from..to.max(from)).unwrap_or_default()
}

fn floor_boundary(text: &str, mut at: usize) -> usize {
    while at > 0 && !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn has_any(text: &str, words: &[&str]) -> bool {
    words.iter().any(|w| contains_word(text, w))
}

/// Where the last of `words` occurs in `text`, as a whole word.
fn last_of(text: &str, words: &[&str]) -> Option<usize> {
    words
        .iter()
        .filter_map(|w| {
            occurrences(text, w)
                .filter(|at| starts_word(text, *at) && ends_word(text, w, at + w.len()))
                .last()
        })
        .max()
}

fn contains_word(text: &str, word: &str) -> bool {
    occurrences(text, word)
        .any(|at| starts_word(text, at) && ends_word(text, word, at + word.len()))
}

/// Where `word` occurs in `text`, by a plain scan: the texts and words
/// compared here are short, and building a searcher for each pair of them
/// cost more than the search itself.
fn occurrences<'a>(text: &'a str, word: &'a str) -> impl Iterator<Item = usize> + 'a {
    let (hay, needle) = (text.as_bytes(), word.as_bytes());
    let first = needle.first().copied();
    (0..hay.len().saturating_sub(needle.len().saturating_sub(1)))
        .filter(move |&at| Some(hay[at]) == first && hay[at..].starts_with(needle))
}

/// Whether a match of `word` ending at `end` ends a word, allowing the
/// endings of plurals and verbs ("proposals", "closed", "registering");
/// a pattern that ends in a space or punctuation ends where it ends.
fn ends_word(text: &str, word: &str, end: usize) -> bool {
    if word.ends_with(|c: char| !c.is_alphanumeric()) {
        return true;
    }
    let rest = &text[end..];
    ["", "s", "es", "d", "ed", "ing", "ion", "ions"]
        .iter()
        .any(|ending| {
            rest.strip_prefix(ending)
                .is_some_and(|after| !after.starts_with(char::is_alphanumeric))
        })
}

fn starts_word(text: &str, at: usize) -> bool {
    text[..at]
        .chars()
        .next_back()
        .is_none_or(|c| !c.is_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The role of the first occurrence of `date` in `sentence`.
    fn role(sentence: &str, date: &str) -> Role {
        let start = sentence.find(date).unwrap();
        let mention = start..start + date.len();
        classify(
            &Reading::new(sentence),
            &mention,
            (0, sentence.len()),
            false,
            false,
        )
    }

    #[test]
    fn deadlines_by_the_words_before_them() {
        let cases = [
            (
                "submit an entry in the CFP, which closes on May 1.",
                "May 1",
                DeadlineKind::Cfp,
            ),
            (
                "Be sure to request an invitation before our cut-off registration date of April 12th, 2015.",
                "April 12th, 2015",
                DeadlineKind::Registration,
            ),
            (
                "Abstracts are due March 3.",
                "March 3",
                DeadlineKind::Abstract,
            ),
            (
                "Early-bird registration ends June 1.",
                "June 1",
                DeadlineKind::EarlyBird,
            ),
            (
                "Authors will be notified by July 10.",
                "July 10",
                DeadlineKind::Notification,
            ),
            (
                "Camera-ready copies are due August 1.",
                "August 1",
                DeadlineKind::CameraReady,
            ),
            (
                "Ticket sales end on May 20.",
                "May 20",
                DeadlineKind::Registration,
            ),
            (
                "May 1 is the deadline for talk proposals.",
                "May 1",
                DeadlineKind::Cfp,
            ),
        ];
        for (sentence, date, kind) in cases {
            assert_eq!(role(sentence, date), Role::Deadline(kind), "{sentence}");
        }
    }

    #[test]
    fn distractors_are_ignored() {
        for (sentence, date) in [
            ("Refunds are available until May 1.", "May 1"),
            ("Travel grant applications close on April 2.", "April 2"),
            ("Registration opens on March 1.", "March 1"),
            ("The CFP opens on February 1.", "February 1"),
            ("linked to this post on May 19, 2011", "May 19, 2011"),
        ] {
            assert_eq!(role(sentence, date), Role::Ignore, "{sentence}");
        }
    }

    #[test]
    fn a_past_event_is_still_an_event_but_its_deadlines_are_gone() {
        let sentence = "Last year the summit was held on June 3.";
        assert_eq!(role(sentence, "June 3"), Role::Event);
        let sentence = "Last year the CFP closed on March 3.";
        assert_eq!(role(sentence, "March 3"), Role::Ignore);
    }

    #[test]
    fn context_gives_roles_the_sentence_does_not() {
        let row = "Paper submission | March 3";
        let at = row.find("March").unwrap();
        let mention = at..row.len();
        let alone = classify(&Reading::new(row), &mention, (0, row.len()), false, false);
        assert_eq!(
            in_context(alone, &Reading::new(row), &mention, 0, None, false),
            Role::Deadline(DeadlineKind::Cfp)
        );
        let line = "closes on May 3";
        let at = line.find("May").unwrap();
        let mention = at..line.len();
        let alone = classify(&Reading::new(line), &mention, (0, line.len()), false, false);
        assert_eq!(
            in_context(
                alone,
                &Reading::new(line),
                &mention,
                0,
                Some("Registration"),
                false
            ),
            Role::Deadline(DeadlineKind::Registration)
        );
        let old = "extended to June 9 (previously: June 3)";
        let at = old.rfind("June").unwrap();
        assert_eq!(
            in_context(
                Role::Event,
                &Reading::new(old),
                &(at..old.len() - 1),
                0,
                None,
                false
            ),
            Role::Ignore
        );
        assert!(!contains_word("throughout the year", "through"));
        assert!(contains_word("proposals are welcome", "proposal"));
    }

    #[test]
    fn event_dates_by_what_happens() {
        assert_eq!(
            role("The workshop will be held on June 3.", "June 3"),
            Role::Event
        );
        let sentence = "KVM Forum, scheduled for August 19-21 at the Sheraton Seattle.";
        let at = sentence.find("August").unwrap();
        let mention = at..at + "August 19-21".len();
        let classified = classify(
            &Reading::new(sentence),
            &mention,
            (0, sentence.len()),
            true,
            true,
        );
        assert_eq!(classified, Role::Event);
    }
}
