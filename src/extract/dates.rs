//! Temporal expressions in English prose: dates in every common form
//! (`May 1`, `1st May 2016`, `April 12th, 2015`, `2016-05-01`,
//! `Saturday 31 January`), ranges (`August 19-21`, `13-15 September`,
//! `Nov 30 - Dec 2, 2016`, `1 to 3 November 2011`), times and time ranges
//! (`1:00pm to 5:00pm`, `23:59`, `noon`), stated zones (`AoE`, `UTC+2`,
//! `PDT`, `Pacific Time`), and relative expressions ("next Tuesday", "a few
//! weeks back") that must not be taken for dates. Years left out are
//! resolved against an anchor date by [`resolve`].

use std::ops::Range;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate, NaiveTime, Timelike, Weekday};

use crate::time::Zone;

/// A piece of text: a word, a number or one punctuation character.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Token {
    span: Range<usize>,
    kind: Kind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    /// Lowercased.
    Word(String),
    Number {
        value: u32,
        digits: usize,
    },
    Punct(char),
}

/// Splits `text` into words, numbers (an ordinal suffix such as `th` is
/// part of its number) and punctuation.
fn tokens(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        if c.is_whitespace() {
            continue;
        }
        let mut end = start + c.len_utf8();
        let kind = if c.is_alphabetic() {
            while let Some(&(i, n)) = chars.peek().filter(|(_, n)| n.is_alphabetic()) {
                end = i + n.len_utf8();
                chars.next();
            }
            Kind::Word(text[start..end].to_lowercase())
        } else if c.is_ascii_digit() {
            while let Some(&(i, n)) = chars.peek().filter(|(_, n)| n.is_ascii_digit()) {
                end = i + n.len_utf8();
                chars.next();
            }
            let digits = end - start;
            let value = text[start..end].parse().unwrap_or(u32::MAX);
            end = ordinal_suffix(text, end).unwrap_or(end);
            while chars.peek().is_some_and(|(i, _)| *i < end) {
                chars.next();
            }
            Kind::Number { value, digits }
        } else {
            Kind::Punct(c)
        };
        out.push(Token {
            span: start..end,
            kind,
        });
    }
    out
}

/// The end of an ordinal suffix (`st`, `nd`, `rd`, `th`) right at `at`.
fn ordinal_suffix(text: &str, at: usize) -> Option<usize> {
    let rest = text.get(at..)?;
    let suffix = rest.get(..2)?;
    let after = rest[2..].chars().next();
    (["st", "nd", "rd", "th"].contains(&suffix.to_ascii_lowercase().as_str())
        && !after.is_some_and(char::is_alphabetic))
    .then_some(at + 2)
}

/// A calendar day whose year may be unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Day {
    pub year: Option<i32>,
    pub month: u32,
    pub day: u32,
}

impl Day {
    /// The date in `year` (or its own year), if it exists.
    #[must_use]
    pub fn in_year(self, year: i32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(self.year.unwrap_or(year), self.month, self.day)
    }
}

/// A zone as the text states it, and what it means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatedZone {
    /// As written, tidied: `AoE`, `UTC+2`, `PDT`, `Pacific Time`.
    pub text: String,
    pub zone: Zone,
}

/// A time or a time range, with the zone stated after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Times {
    pub start: NaiveTime,
    pub end: Option<NaiveTime>,
    pub zone: Option<StatedZone>,
    pub span: Range<usize>,
}

/// A date or a date range found in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateMention {
    /// Byte range in the text.
    pub span: Range<usize>,
    pub start: Day,
    /// The last day of a range.
    pub end: Option<Day>,
    pub weekday: Option<Weekday>,
    /// A time or time range said of this date, in the same text.
    pub times: Option<Times>,
    /// A zone stated right after the date itself (`May 1 AoE`).
    pub zone: Option<StatedZone>,
}

impl DateMention {
    /// Whether the text states a year.
    #[must_use]
    pub fn has_year(&self) -> bool {
        self.start.year.is_some()
    }

    /// The zone stated for this date, after its time or after the date.
    #[must_use]
    pub fn stated_zone(&self) -> Option<&StatedZone> {
        self.times
            .as_ref()
            .and_then(|t| t.zone.as_ref())
            .or(self.zone.as_ref())
    }
}

/// A relative expression: "next Tuesday", "in two weeks", "a few weeks
/// back".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relative {
    pub span: Range<usize>,
    /// Whether it points to the past.
    pub past: bool,
    /// The day it names, counted from the day it was written, if it names
    /// one: "tomorrow", "this Friday", "next Monday".
    pub day: Option<RelativeDay>,
}

/// A day named relative to the day a text was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelativeDay {
    /// So many days on: today 0, tomorrow 1.
    Offset(u32),
    /// The weekday on or after the day ("this Friday"), or after it
    /// ("next Friday", `true`).
    Weekday(Weekday, bool),
}

impl RelativeDay {
    /// The date this names in a text written on `written`.
    #[must_use]
    pub fn from(self, written: NaiveDate) -> NaiveDate {
        match self {
            RelativeDay::Offset(days) => written + chrono::Duration::days(i64::from(days)),
            RelativeDay::Weekday(weekday, next) => {
                let ahead = (7 + weekday.num_days_from_monday()
                    - written.weekday().num_days_from_monday())
                    % 7;
                let ahead = if ahead == 0 && next { 7 } else { ahead };
                written + chrono::Duration::days(i64::from(ahead))
            }
        }
    }
}

/// Everything temporal found in a text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Found {
    pub dates: Vec<DateMention>,
    pub relatives: Vec<Relative>,
}

/// Finds the dates (with their times and zones) and relative expressions
/// of `text`, in order.
#[must_use]
pub fn find(text: &str) -> Found {
    let toks = tokens(text);
    let mut found = Found::default();
    let mut times = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        if let Some((mut date, next)) = date_at(&toks, i) {
            let (zone, next) = zone_at(&toks, next).map_or((None, next), |(z, n)| (Some(z), n));
            date.zone = zone;
            date.span.end = toks[next - 1].span.end;
            found.dates.push(date);
            i = next;
        } else if let Some((t, next)) = times_at(&toks, i) {
            times.push(t);
            i = next;
        } else if let Some((relative, next)) = relative_at(&toks, i) {
            found.relatives.push(relative);
            i = next;
        } else {
            i += 1;
        }
    }
    attach_times(&mut found.dates, times);
    found
}

/// Gives each time to the nearest date of the text (before it on a tie).
fn attach_times(dates: &mut [DateMention], times: Vec<Times>) {
    for t in times {
        let nearest = dates
            .iter_mut()
            .filter(|d| d.times.is_none())
            .min_by_key(|d| {
                if d.span.end <= t.span.start {
                    (t.span.start - d.span.end) * 2
                } else {
                    d.span.start.saturating_sub(t.span.end) * 2 + 1
                }
            });
        if let Some(date) = nearest {
            date.times = Some(t);
        }
    }
}

fn word(toks: &[Token], i: usize) -> Option<&str> {
    match toks.get(i).map(|t| &t.kind) {
        Some(Kind::Word(w)) => Some(w),
        _ => None,
    }
}

fn number(toks: &[Token], i: usize) -> Option<(u32, usize)> {
    match toks.get(i).map(|t| &t.kind) {
        Some(Kind::Number { value, digits }) => Some((*value, *digits)),
        _ => None,
    }
}

fn punct(toks: &[Token], i: usize, c: char) -> bool {
    matches!(toks.get(i).map(|t| &t.kind), Some(Kind::Punct(p)) if *p == c)
}

/// Whether tokens `i` and `i + 1` touch (no space between).
fn touching(toks: &[Token], i: usize) -> bool {
    matches!((toks.get(i), toks.get(i + 1)), (Some(a), Some(b)) if a.span.end == b.span.start)
}

fn month(toks: &[Token], i: usize) -> Option<u32> {
    month_number(word(toks, i)?)
}

/// Whether a word (any case) names a month or a day of the week.
#[must_use]
pub fn calendar_word(word: &str) -> bool {
    let lower = word.to_lowercase();
    let toks = [Token {
        span: 0..lower.len(),
        kind: Kind::Word(lower),
    }];
    month(&toks, 0).is_some() || weekday_at(&toks, 0).is_some()
}

/// Month names of the languages announcements are most often bilingual
/// in (German, French, Spanish, Italian, Portuguese, Dutch, Indonesian,
/// Polish in the genitive), January first.
const OTHER_LANGUAGES: [&[&str]; 12] = [
    &[
        "januar", "janvier", "enero", "gennaio", "janeiro", "januari", "stycznia",
    ],
    &[
        "februar",
        "février",
        "fevrier",
        "febrero",
        "febbraio",
        "fevereiro",
        "februari",
        "lutego",
    ],
    &[
        "märz", "maerz", "mars", "marzo", "março", "maart", "maret", "marca",
    ],
    &["avril", "aprile", "abril", "kwietnia"],
    &["mai", "mayo", "maggio", "maio", "mei", "maja"],
    &["juni", "juin", "junio", "giugno", "junho", "czerwca"],
    &["juli", "juillet", "julio", "luglio", "julho", "lipca"],
    &["août", "aout", "agosto", "augustus", "agustus", "sierpnia"],
    &[
        "septembre",
        "septiembre",
        "setiembre",
        "settembre",
        "setembro",
        "września",
    ],
    &[
        "oktober",
        "octobre",
        "octubre",
        "ottobre",
        "outubro",
        "października",
    ],
    &["novembre", "noviembre", "novembro", "listopada"],
    &[
        "dezember",
        "décembre",
        "decembre",
        "diciembre",
        "dicembre",
        "dezembro",
        "desember",
        "grudnia",
    ],
];

/// The number of a month by its name or abbreviation, in lowercase.
fn month_number(w: &str) -> Option<u32> {
    let months = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let full = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    let index = months
        .iter()
        .position(|m| *m == w)
        .or_else(|| full.iter().position(|m| *m == w))
        .or_else(|| (w == "sept").then_some(8))
        .or_else(|| OTHER_LANGUAGES.iter().position(|names| names.contains(&w)))?;
    u32::try_from(index + 1).ok()
}

/// A month word and the index after it (and after a period).
fn month_at(toks: &[Token], i: usize) -> Option<(u32, usize)> {
    let m = month(toks, i)?;
    Some((
        m,
        if punct(toks, i + 1, '.') {
            i + 2
        } else {
            i + 1
        },
    ))
}

fn weekday_at(toks: &[Token], i: usize) -> Option<(Weekday, usize)> {
    let w = word(toks, i)?;
    let day = match w {
        "monday" | "mon" => Weekday::Mon,
        "tuesday" | "tue" | "tues" => Weekday::Tue,
        "wednesday" | "wed" => Weekday::Wed,
        "thursday" | "thu" | "thur" | "thurs" => Weekday::Thu,
        "friday" | "fri" => Weekday::Fri,
        "saturday" | "sat" => Weekday::Sat,
        "sunday" | "sun" => Weekday::Sun,
        _ => return None,
    };
    let mut next = i + 1;
    while punct(toks, next, '.') || punct(toks, next, ',') {
        next += 1;
    }
    Some((day, next))
}

/// A day of the month: one or two digits, 1 to 31, not part of a decimal
/// or a time (`4.6`, `9:00`).
fn day_at(toks: &[Token], i: usize) -> Option<u32> {
    let (value, digits) = number(toks, i)?;
    let decimal =
        i >= 1 && (punct(toks, i - 1, '.') || punct(toks, i - 1, ':')) && touching(toks, i - 1);
    let timeish = punct(toks, i + 1, ':')
        && touching(toks, i)
        && number(toks, i + 2).is_some()
        && touching(toks, i + 1);
    ((1..=31).contains(&value) && digits <= 2 && !decimal && !timeish).then_some(value)
}

/// A four-digit year, optionally after a comma.
fn year_at(toks: &[Token], i: usize) -> Option<(i32, usize)> {
    let j = if punct(toks, i, ',') { i + 1 } else { i };
    let (value, digits) = number(toks, j)?;
    let is_time = punct(toks, j + 1, ':') && touching(toks, j);
    if digits == 4 && (1900..=2199).contains(&value) && !is_time {
        return Some((i32::try_from(value).ok()?, j + 1));
    }
    None
}

/// A dash (`-`, `–`, `—`, `--`) or `to`/`through`/`until`.
fn dash_at(toks: &[Token], i: usize) -> Option<usize> {
    let mut j = i;
    while toks
        .get(j)
        .is_some_and(|t| matches!(t.kind, Kind::Punct('-' | '–' | '—' | '‐' | '−')))
    {
        j += 1;
    }
    if j > i {
        return Some(j);
    }
    matches!(
        word(toks, i),
        Some("to" | "through" | "thru" | "until" | "till")
    )
    .then_some(i + 1)
}

/// The index after a weekday ("Friday, ") or a "the" at `i`, else `i`:
/// the second half of "Thursday, June 26 – Friday, June 27" or "from the
/// 19th to the 23rd".
fn skip_filler(toks: &[Token], i: usize) -> usize {
    let i = if word(toks, i) == Some("the") {
        i + 1
    } else {
        i
    };
    weekday_at(toks, i).map_or(i, |(_, next)| next)
}

/// The index after an aside in brackets at `i` that a dash follows — the
/// time in "April 24 (1:00PM CEST) to April 26" — else `i`.
fn skip_aside(toks: &[Token], i: usize) -> usize {
    if !punct(toks, i, '(') {
        return i;
    }
    let close = (i + 1..toks.len().min(i + 10)).find(|k| punct(toks, *k, ')'));
    match close {
        Some(k) if dash_at(toks, k + 1).is_some() => k + 1,
        _ => i,
    }
}

/// A date or date range starting at token `i`.
fn date_at(toks: &[Token], i: usize) -> Option<(DateMention, usize)> {
    if let Some(found) = end_of_month(toks, i) {
        return Some(found);
    }
    let (weekday, j) = weekday_at(toks, i).map_or((None, i), |(w, j)| (Some(w), j));
    let j = if word(toks, j) == Some("the") && number(toks, j + 1).is_some() {
        j + 1
    } else {
        j
    };
    let (start, end, next) = iso_at(toks, j)
        .or_else(|| month_first(toks, j))
        .or_else(|| day_first(toks, j))?;
    let (end, next) = day_list(toks, start, end, next);
    let (start, end) = share_year(start, end);
    if !valid(start) || end.is_some_and(|e| !valid(e)) {
        return None;
    }
    let mention = DateMention {
        span: toks[i].span.start..toks[next - 1].span.end,
        start,
        end,
        weekday,
        times: None,
        zone: None,
    };
    Some((mention, next))
}

/// "end of October [2031]": the last day of that month.
fn end_of_month(toks: &[Token], i: usize) -> Option<(DateMention, usize)> {
    if word(toks, i)? != "end" || word(toks, i + 1) != Some("of") {
        return None;
    }
    let (m, j) = month_at(toks, i + 2)?;
    if day_at(toks, j).is_some() {
        return None;
    }
    let (year, next) = year_at(toks, j).map_or((None, j), |(y, n)| (Some(y), n));
    let last = (28..=31)
        .rev()
        .find(|d| NaiveDate::from_ymd_opt(year.unwrap_or(2000), m, *d).is_some())?;
    let start = Day {
        year,
        month: m,
        day: last,
    };
    let mention = DateMention {
        span: toks[i].span.start..toks[next - 1].span.end,
        start,
        end: None,
        weekday: None,
        times: None,
        zone: None,
    };
    Some((mention, next))
}

/// Days listed after a date with "and" or "&" ("June 4 & 5", "Apr 18-19 &
/// 25-26", "4 and 5 March" is read by the day-first form): the range from
/// the first day to the last one listed, in the same month.
fn day_list(toks: &[Token], start: Day, end: Option<Day>, next: usize) -> (Option<Day>, usize) {
    let mut last = end.unwrap_or(start);
    let mut at = next;
    loop {
        let joined = word(toks, at) == Some("and") || punct(toks, at, '&');
        let Some(d) = day_at(toks, at + 1).filter(|_| joined) else {
            break;
        };
        if d <= last.day || month_at(toks, at + 2).is_some() {
            break;
        }
        let mut after = at + 2;
        let mut day = d;
        if let Some(k) = dash_at(toks, after)
            && let Some(d2) = day_at(toks, k).filter(|d2| *d2 > d)
        {
            day = d2;
            after = k + 1;
        }
        last = Day { day, ..last };
        at = after;
        if let Some((y, n)) = year_at(toks, at) {
            last.year = Some(y);
            at = n;
        }
    }
    if at == next {
        return (end, next);
    }
    (Some(last), at)
}

type Dates = (Day, Option<Day>, usize);

/// `2016-05-01`, optionally `to 2016-05-03`.
fn iso_at(toks: &[Token], i: usize) -> Option<Dates> {
    let one = |i: usize| -> Option<(Day, usize)> {
        let (y, 4) = number(toks, i)? else {
            return None;
        };
        let (m, _) = number(toks, i + 2).filter(|(_, d)| *d <= 2)?;
        let (d, _) = number(toks, i + 4).filter(|(_, d)| *d <= 2)?;
        let joined = (i..i + 4).all(|k| touching(toks, k));
        (joined && punct(toks, i + 1, '-') && punct(toks, i + 3, '-')).then_some((
            Day {
                year: i32::try_from(y).ok(),
                month: m,
                day: d,
            },
            i + 5,
        ))
    };
    let (start, next) = one(i)?;
    if let Some((end, after)) = dash_at(toks, next).and_then(one) {
        return Some((start, Some(end), after));
    }
    Some((start, None, next))
}

/// `August 19`, `Aug. 3rd, 2015`, `August 19-21, 2015`, `July 27th -
/// August 2nd`, `Nov 30 - Dec 2, 2016`.
fn month_first(toks: &[Token], i: usize) -> Option<Dates> {
    let (m, j) = month_at(toks, i)?;
    let d = day_at(toks, j)?;
    // "Oct. 15. - 17.": a period after a day number, as German writes it.
    let j = if punct(toks, j + 1, '.') && dash_at(toks, j + 2).is_some() {
        j + 1
    } else {
        j
    };
    let (year, mut next) = year_at(toks, j + 1).map_or((None, j + 1), |(y, n)| (Some(y), n));
    let start = Day {
        year,
        month: m,
        day: d,
    };
    let Some(after_dash) = dash_at(toks, skip_aside(toks, next)).map(|k| skip_filler(toks, k))
    else {
        return Some((start, None, next));
    };
    // `- August 2nd[, 2016]`
    if let Some((m2, k)) = month_at(toks, after_dash)
        && let Some(d2) = day_at(toks, k)
    {
        let (y2, end_next) = year_at(toks, k + 1).map_or((None, k + 1), |(y, n)| (Some(y), n));
        let end = Day {
            year: y2,
            month: m2,
            day: d2,
        };
        return Some((start, Some(end), end_next));
    }
    // `-21[, 2015]`
    if year.is_none()
        && let Some(d2) = day_at(toks, after_dash)
        && d2 > d
    {
        let (y2, end_next) =
            year_at(toks, after_dash + 1).map_or((None, after_dash + 1), |(y, n)| (Some(y), n));
        next = end_next;
        let end = Day {
            year: y2,
            month: m,
            day: d2,
        };
        return Some((start, Some(end), next));
    }
    Some((start, None, next))
}

/// `1 May 2016`, `1st of May`, `13-15 September`, `1 to 3 November 2011`,
/// `30 November - 2 December 2016`.
fn day_first(toks: &[Token], i: usize) -> Option<Dates> {
    let d = day_at(toks, i)?;
    let of = |k: usize| {
        if word(toks, k) == Some("of") {
            k + 1
        } else {
            k
        }
    };
    if let Some((m, j)) = month_at(toks, of(i + 1)) {
        let (year, next) = year_at(toks, j).map_or((None, j), |(y, n)| (Some(y), n));
        let start = Day {
            year,
            month: m,
            day: d,
        };
        // `30 November - 2 December 2016`
        if let Some(after_dash) = dash_at(toks, next).map(|k| skip_filler(toks, k))
            && let Some(d2) = day_at(toks, after_dash)
            && let Some((m2, k)) = month_at(toks, of(after_dash + 1))
        {
            let (y2, end_next) = year_at(toks, k).map_or((None, k), |(y, n)| (Some(y), n));
            let end = Day {
                year: y2,
                month: m2,
                day: d2,
            };
            return Some((start, Some(end), end_next));
        }
        return Some((start, None, next));
    }
    // `13-15 September`, `1 to 3 November 2011`, `19th to the 23rd of`
    let joiner = (word(toks, i + 1) == Some("and") || punct(toks, i + 1, '&')).then_some(i + 2);
    let after_dash = skip_filler(toks, dash_at(toks, i + 1).or(joiner)?);
    let d2 = day_at(toks, after_dash).filter(|d2| *d2 > d)?;
    let (m, j) = month_at(toks, of(after_dash + 1))?;
    let (year, next) = year_at(toks, j).map_or((None, j), |(y, n)| (Some(y), n));
    let start = Day {
        year,
        month: m,
        day: d,
    };
    let end = Day {
        year,
        month: m,
        day: d2,
    };
    Some((start, Some(end), next))
}

/// A year stated on one end of a range holds for the other; a range that
/// runs into the next year (`Dec 30 - Jan 2, 2017`) starts the year before.
fn share_year(start: Day, end: Option<Day>) -> (Day, Option<Day>) {
    let Some(mut end) = end else {
        return (start, None);
    };
    let mut start = start;
    let wraps = (end.month, end.day) < (start.month, start.day);
    match (start.year, end.year) {
        (None, Some(y)) => start.year = Some(if wraps { y - 1 } else { y }),
        (Some(y), None) => end.year = Some(if wraps { y + 1 } else { y }),
        _ => {}
    }
    (start, Some(end))
}

fn valid(day: Day) -> bool {
    day.in_year(2000).is_some()
}

/// A time, or a time range, and a zone after it.
fn times_at(toks: &[Token], i: usize) -> Option<(Times, usize)> {
    let (first, meridiem1, j) = time_at(toks, i)?;
    let mut start = first;
    let mut end = None;
    let mut next = j;
    if let Some(k) = dash_at(toks, j).or_else(|| (word(toks, j) == Some("and")).then_some(j + 1))
        && let Some((second, meridiem2, after)) = time_at(toks, k)
    {
        if meridiem1.is_none() && meridiem2 == Some(true) && first.hour() < 12 {
            let pm = first + chrono::Duration::hours(12);
            if pm <= second {
                start = pm;
            }
        }
        end = Some(second);
        next = after;
    }
    let paren = punct(toks, next, '(');
    let mut zone = None;
    if let Some((stated, after)) = zone_at(toks, next + usize::from(paren)) {
        zone = Some(stated);
        next = after + usize::from(paren && punct(toks, after, ')'));
    }
    let times = Times {
        start,
        end,
        zone,
        span: toks[i].span.start..toks[next - 1].span.end,
    };
    Some((times, next))
}

/// `23:59`, `1:00pm`, `11:59 PM`, `9 a.m.`, `5pm`, `noon`, `midnight`; with
/// whether it said pm (`Some(true)`), am, or neither.
fn time_at(toks: &[Token], i: usize) -> Option<(NaiveTime, Option<bool>, usize)> {
    match word(toks, i) {
        Some("noon" | "midday") => return Some((NaiveTime::from_hms_opt(12, 0, 0)?, None, i + 1)),
        Some("midnight") => return Some((NaiveTime::from_hms_opt(23, 59, 0)?, None, i + 1)),
        _ => {}
    }
    let (hour, digits) = number(toks, i)?;
    if digits > 2 {
        return None;
    }
    let (minute, mut next) = if punct(toks, i + 1, ':') && touching(toks, i) {
        let (m, d) = number(toks, i + 2)?;
        (d == 2 && m < 60).then_some((m, i + 3))?
    } else {
        (0, i + 1)
    };
    if punct(toks, next, ':')
        && let Some((_, 2)) = number(toks, next + 1)
    {
        next += 2;
    }
    let (meridiem, after) = meridiem_at(toks, next).map_or((None, next), |(pm, n)| (Some(pm), n));
    if minute == 0 && next == i + 1 && meridiem.is_none() {
        return None;
    }
    let hour = match meridiem {
        Some(_) if !(1..=12).contains(&hour) => return None,
        Some(true) if hour < 12 => hour + 12,
        Some(false) if hour == 12 => 0,
        _ => hour,
    };
    if hour == 24 && minute == 0 {
        return Some((NaiveTime::from_hms_opt(23, 59, 0)?, meridiem, after));
    }
    Some((NaiveTime::from_hms_opt(hour, minute, 0)?, meridiem, after))
}

/// `am`, `pm`, `a.m.`, `p.m.`: `Some(true)` for pm.
fn meridiem_at(toks: &[Token], i: usize) -> Option<(bool, usize)> {
    match word(toks, i)? {
        "am" => Some((false, i + 1 + usize::from(punct(toks, i + 1, '.')))),
        "pm" => Some((true, i + 1 + usize::from(punct(toks, i + 1, '.')))),
        w @ ("a" | "p") if punct(toks, i + 1, '.') && word(toks, i + 2) == Some("m") => {
            Some((w == "p", i + 3 + usize::from(punct(toks, i + 3, '.'))))
        }
        _ => None,
    }
}

/// Zone abbreviations people write, and the offsets they mean.
const ABBREVIATIONS: &[(&str, &str)] = &[
    ("utc", "UTC"),
    ("gmt", "UTC"),
    ("pst", "UTC-8"),
    ("pdt", "UTC-7"),
    ("mst", "UTC-7"),
    ("mdt", "UTC-6"),
    ("cst", "UTC-6"),
    ("cdt", "UTC-5"),
    ("est", "UTC-5"),
    ("edt", "UTC-4"),
    ("akst", "UTC-9"),
    ("akdt", "UTC-8"),
    ("hst", "UTC-10"),
    ("wet", "UTC+0"),
    ("west", "UTC+1"),
    ("bst", "UTC+1"),
    ("cet", "UTC+1"),
    ("cest", "UTC+2"),
    ("eet", "UTC+2"),
    ("eest", "UTC+3"),
    ("msk", "UTC+3"),
    ("ist", "UTC+5:30"),
    ("sgt", "UTC+8"),
    ("hkt", "UTC+8"),
    ("awst", "UTC+8"),
    ("jst", "UTC+9"),
    ("kst", "UTC+9"),
    ("acst", "UTC+9:30"),
    ("aest", "UTC+10"),
    ("aedt", "UTC+11"),
    ("nzst", "UTC+12"),
    ("nzdt", "UTC+13"),
];

/// Regional names and the IANA zones they mean.
const REGIONS: &[(&str, &str, &str)] = &[
    ("pacific", "Pacific Time", "America/Los_Angeles"),
    ("eastern", "Eastern Time", "America/New_York"),
    ("central", "Central Time", "America/Chicago"),
    ("mountain", "Mountain Time", "America/Denver"),
];

/// A stated zone at token `i`: `AoE`, `anywhere on earth`, `UTC`,
/// `UTC+2`, `GMT-07:00`, an abbreviation, `Pacific Time`, an IANA name.
fn zone_at(toks: &[Token], i: usize) -> Option<(StatedZone, usize)> {
    let stated = |text: &str, zone: &str, next: usize| {
        Zone::from_str(zone).ok().map(|zone| {
            let stated = StatedZone {
                text: text.to_owned(),
                zone,
            };
            (stated, next)
        })
    };
    let w = word(toks, i)?;
    if w == "aoe" {
        return stated("AoE", "AoE", i + 1);
    }
    if w == "anywhere" && word(toks, i + 1) == Some("on") && word(toks, i + 2) == Some("earth") {
        return stated("AoE", "AoE", i + 3);
    }
    if matches!(w, "utc" | "gmt")
        && let Some((offset, next)) = offset_at(toks, i + 1)
    {
        let text = format!("UTC{offset}");
        return stated(&text, &text, next);
    }
    if let Some((_, zone)) = ABBREVIATIONS.iter().find(|(a, _)| *a == w) {
        return stated(&w.to_uppercase(), zone, i + 1);
    }
    if let Some((_, name, iana)) = REGIONS.iter().find(|(r, _, _)| *r == w) {
        let mut next = i + 1;
        if matches!(word(toks, next), Some("standard" | "daylight")) {
            next += 1;
        }
        if word(toks, next) == Some("time") {
            return stated(name, iana, next + 1);
        }
    }
    if matches!(w, "pt" | "et") {
        let (name, iana) = if w == "pt" {
            ("Pacific Time", "America/Los_Angeles")
        } else {
            ("Eastern Time", "America/New_York")
        };
        return stated(name, iana, i + 1);
    }
    iana_at(toks, i)
}

/// `+2`, `-07:00`, `+5:30` right after `UTC`.
fn offset_at(toks: &[Token], i: usize) -> Option<(String, usize)> {
    let sign = match toks.get(i)?.kind {
        Kind::Punct('+') => '+',
        Kind::Punct('-' | '−' | '–') => '-',
        _ => return None,
    };
    let (hours, digits) = number(toks, i + 1)?;
    if punct(toks, i + 2, ':')
        && let Some((minutes, 2)) = number(toks, i + 3)
    {
        return Some((format!("{sign}{hours}:{minutes:02}"), i + 4));
    }
    if digits == 4 {
        return Some((format!("{sign}{}:{:02}", hours / 100, hours % 100), i + 2));
    }
    Some((format!("{sign}{hours}"), i + 2))
}

/// `Europe/Berlin`, `America/New_York`.
fn iana_at(toks: &[Token], i: usize) -> Option<(StatedZone, usize)> {
    let mut j = i;
    while toks
        .get(j)
        .is_some_and(|t| matches!(t.kind, Kind::Word(_) | Kind::Punct('/' | '_')))
        && (j == i || touching(toks, j - 1))
    {
        j += 1;
    }
    if j - i < 3 || !toks[i..j].iter().any(|t| t.kind == Kind::Punct('/')) {
        return None;
    }
    let text: String = toks[i..j]
        .iter()
        .map(|t| match &t.kind {
            Kind::Word(w) => w.clone(),
            Kind::Punct(c) => c.to_string(),
            Kind::Number { value, .. } => value.to_string(),
        })
        .collect();
    let tz = chrono_tz::Tz::from_str_insensitive(&text).ok()?;
    let stated = StatedZone {
        text: tz.name().to_owned(),
        zone: Zone::Iana(tz),
    };
    Some((stated, j))
}

/// "next Tuesday", "last year", "in two weeks", "3 days ago", "a few weeks
/// back", "tomorrow", "earlier this year".
fn relative_at(toks: &[Token], i: usize) -> Option<(Relative, usize)> {
    const UNITS: &[&str] = &[
        "day", "days", "week", "weeks", "month", "months", "year", "years", "weekend",
    ];
    let unit = |k: usize| {
        word(toks, k).is_some_and(|w| UNITS.contains(&w) || weekday_at(toks, k).is_some())
    };
    let named = |end: usize, day: Option<RelativeDay>| {
        let relative = Relative {
            span: toks[i].span.start..toks[end - 1].span.end,
            past: false,
            day,
        };
        Some((relative, end))
    };
    let span = |end: usize, past: bool| {
        let relative = Relative {
            span: toks[i].span.start..toks[end - 1].span.end,
            past,
            day: None,
        };
        Some((relative, end))
    };
    let first = word(toks, i).unwrap_or_default();
    let skip_coming = usize::from(first == "this" && word(toks, i + 1) == Some("coming"));
    if matches!(first, "this" | "next" | "coming")
        && let Some((weekday, _)) = weekday_at(toks, i + 1 + skip_coming)
    {
        let next = first == "next";
        return named(
            i + 2 + skip_coming,
            Some(RelativeDay::Weekday(weekday, next)),
        );
    }
    match first {
        "yesterday" => return span(i + 1, true),
        "today" | "tonight" => return named(i + 1, Some(RelativeDay::Offset(0))),
        "tomorrow" => return named(i + 1, Some(RelativeDay::Offset(1))),
        "next" | "coming" if unit(i + 1) => return span(i + 2, false),
        "last" | "previous" | "past" if unit(i + 1) => return span(i + 2, true),
        "earlier" | "later" if word(toks, i + 1) == Some("this") && unit(i + 2) => {
            return span(i + 3, word(toks, i) == Some("earlier"));
        }
        _ => {}
    }
    // `[in] (a few | two | 3) weeks (ago | back | from now)`
    let mut j = i;
    let counted = |k: usize| {
        number(toks, k).is_some()
            || matches!(
                word(toks, k),
                Some(
                    "a" | "few"
                        | "couple"
                        | "several"
                        | "two"
                        | "three"
                        | "four"
                        | "five"
                        | "six"
                        | "of"
                )
            )
    };
    while counted(j) {
        j += 1;
    }
    if j == i || !unit(j) {
        return None;
    }
    match word(toks, j + 1) {
        Some("ago" | "back" | "earlier") => span(j + 2, true),
        Some("later") => span(j + 2, false),
        _ if i >= 1 && word(toks, i - 1) == Some("in") => span(j + 1, false),
        _ => None,
    }
}

/// The date `day` means when its year is left out, for a text written
/// around `anchor`: the anchor's year, or the next when that would put it
/// more than 90 days before the anchor (a post in December about "January
/// 10" means the coming January). Without a year or an anchor: `None`.
#[must_use]
pub fn resolve(day: Day, anchor: Option<NaiveDate>) -> Option<NaiveDate> {
    if let Some(year) = day.year {
        return day.in_year(year);
    }
    let anchor = anchor?;
    let this = day.in_year(anchor.year());
    match this {
        Some(date) if date >= anchor - chrono::Duration::days(90) => Some(date),
        _ => day.in_year(anchor.year() + 1),
    }
}

#[cfg(test)]
mod tests;
