//! What a date in a sentence is for, judged from the words around it (not
//! from where it stands): an event's dates, a CFP or abstract deadline, a
//! registration cutoff, an early-bird end, a notification or camera-ready
//! date, or something to ignore — refund policies, grant applications,
//! "posted on" dates, past events, openings rather than closings.

use std::ops::Range;

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
];

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
    sentence: &str,
    mention: &Range<usize>,
    neighbours: (usize, usize),
    named: bool,
    range: bool,
) -> Role {
    let lower = sentence.to_lowercase();
    let (previous_end, next_start) = neighbours;
    let before = window(
        &lower,
        previous_end.max(mention.start.saturating_sub(100)),
        mention.start,
    );
    let after = window(&lower, mention.end, next_start.min(mention.end + 60));
    if has_any(before, IGNORE) || has_any(after, &["refund", "grant", "scholarship"]) {
        return Role::Ignore;
    }
    if has_any(&lower, PAST) {
        return Role::Ignore;
    }
    if !range && let Some(kind) = deadline(before, after) {
        return Role::Deadline(kind);
    }
    if range || named || has_any(&lower, HAPPENING) {
        return Role::Event;
    }
    Role::Ignore
}

/// A deadline kind named before the date (or just after it, as in "May 1
/// is the deadline for proposals") with a closing word, and no opening
/// word nearer the date than the closing one.
fn deadline(before: &str, after: &str) -> Option<DeadlineKind> {
    let kind_in = |text: &str| {
        let found: Vec<(usize, DeadlineKind)> = KINDS
            .iter()
            .filter_map(|(kind, words)| last_of(text, words).map(|at| (at, *kind)))
            .collect();
        let nearest = found.iter().map(|(at, _)| *at).max()?;
        // Within one phrase ("early-bird registration"), the most specific.
        found
            .into_iter()
            .find(|(at, _)| at + 30 >= nearest)
            .map(|(_, kind)| kind)
    };
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
    if has_any(head, &["deadline", "is the last day", "closes", "due"]) && !has_any(head, OPENING) {
        return kind_in(head);
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
            text.match_indices(w)
                .filter(|(at, _)| starts_word(text, *at))
                .map(|(at, _)| at)
                .last()
        })
        .max()
}

fn contains_word(text: &str, word: &str) -> bool {
    text.match_indices(word)
        .any(|(at, _)| starts_word(text, at))
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
        classify(sentence, &mention, (0, sentence.len()), false, false)
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
            ("Last year the summit was held on June 3.", "June 3"),
        ] {
            assert_eq!(role(sentence, date), Role::Ignore, "{sentence}");
        }
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
        let classified = classify(sentence, &mention, (0, sentence.len()), true, true);
        assert_eq!(classified, Role::Event);
    }
}
