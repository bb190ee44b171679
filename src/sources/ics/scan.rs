//! The structure of an iCalendar text, checked line by line before it is
//! parsed: what calcard forgives silently is reported here. A component
//! that is never closed is dropped instead of swallowing what follows, a
//! line that is no `NAME:value` is reported and dropped, a component
//! outside any `VCALENDAR` is read as part of the calendar before it, and
//! a text that ends inside a `VCALENDAR` is a truncated download. Each kept event's
//! line number and its `RRULE`s as written travel on beside the cleaned
//! text. Components nested deeper than [`MAX_DEPTH`] are skipped whole and
//! reported, so that every line costs a bounded number of steps and a
//! hostile text of a million nested `BEGIN`s is read in linear time.

use std::borrow::Cow;
use std::ops::Range;

/// The outcome of a scan.
#[derive(Debug, Default)]
pub(super) struct Scanned {
    /// The text with broken parts removed, lines unfolded, CRLF ends.
    pub(super) text: String,
    /// Where each calendar's parts are in [`Scanned::text`].
    pub(super) calendars: Vec<Calendar>,
    /// Problems, each with its line number.
    pub(super) problems: Vec<(usize, String)>,
    /// Why the whole text is unusable, if it is.
    pub(super) fatal: Option<String>,
}

/// The parts of one `VCALENDAR`, as ranges of [`Scanned::text`], so that
/// its events can be parsed a batch at a time.
#[derive(Debug, Default)]
pub(super) struct Calendar {
    /// Its own property lines.
    pub(super) properties: Vec<Range<usize>>,
    /// Its `VTIMEZONE`s.
    pub(super) zones: Vec<Range<usize>>,
    /// Its `VEVENT`s, each with what the scan knows of it.
    pub(super) events: Vec<(Range<usize>, RawEvent)>,
}

/// What the scan knows of one `VEVENT`.
#[derive(Debug, Default, Clone)]
pub(super) struct RawEvent {
    /// The line of its `BEGIN:VEVENT`.
    pub(super) line: usize,
    /// Its `RRULE` values, exactly as written.
    pub(super) rules: Vec<String>,
    /// It stands outside any `VCALENDAR`.
    pub(super) outside: bool,
}

/// An open component: its name, where it began, where its lines start in
/// the output.
struct Open {
    name: String,
    line: usize,
    out_start: usize,
    event: Option<RawEvent>,
    /// A `VCALENDAR` the text never opened, around a stray component.
    implicit: bool,
}

/// Components that cannot contain another of their own kind.
const LEAVES: [&str; 8] = [
    "VEVENT",
    "VTODO",
    "VJOURNAL",
    "VFREEBUSY",
    "VTIMEZONE",
    "VALARM",
    "STANDARD",
    "DAYLIGHT",
];

/// Components that only a `VCALENDAR` holds: one of them beginning inside
/// another component means that one was never closed (`END:VTOOD`).
const TOP_LEVEL: [&str; 5] = ["VEVENT", "VTODO", "VJOURNAL", "VFREEBUSY", "VTIMEZONE"];

/// How deep components may nest. Real calendars go three or four deep (a
/// calendar, a time zone, its rules; an event, its alarm); anything deeper
/// is skipped whole, which bounds the open components each line looks at.
pub(super) const MAX_DEPTH: usize = 16;

/// Scans `text` (already decoded).
pub(super) fn scan(text: &str) -> Scanned {
    scanner_over(text).finish()
}

fn scanner_over(text: &str) -> Scanner {
    let mut scanner = Scanner {
        out: String::with_capacity(text.len() + text.len() / 16),
        ..Scanner::default()
    };
    for (line, content) in logical_lines(text) {
        scanner.line(line, &content);
    }
    scanner
}

#[derive(Default)]
struct Scanner {
    out: String,
    stack: Vec<Open>,
    calendars: Vec<Calendar>,
    problems: Vec<(usize, String)>,
    first_text: Option<String>,
    /// Inside a component nested too deep: how many levels below the limit
    /// are open, and the line where the skipping began.
    too_deep: Option<(usize, usize)>,
    /// Open components looked at, for the tests that show the scan linear.
    #[cfg(test)]
    steps: usize,
}

impl Scanner {
    fn line(&mut self, line: usize, content: &str) {
        if content.trim().is_empty() {
            return;
        }
        self.count(1);
        if self.too_deep.is_some() {
            self.skip_deep(line, content);
            return;
        }
        if self.first_text.is_none() {
            self.first_text = Some(content.chars().take(40).collect());
        }
        let Some((name, value)) = split_line(content) else {
            self.problems.push((
                line,
                format!(
                    "`{}` is not an iCalendar line (NAME:value); ignored",
                    shorten(content)
                ),
            ));
            return;
        };
        match name.to_ascii_uppercase().as_str() {
            "BEGIN" => self.begin(line, &value.trim().to_ascii_uppercase()),
            "END" => self.end(line, &value.trim().to_ascii_uppercase()),
            "RRULE" => {
                if let Some(event) = self.stack.last_mut().and_then(|o| o.event.as_mut()) {
                    event.rules.push(value.to_owned());
                }
                self.push(content);
            }
            _ if self.stack.is_empty() => {
                self.problems.push((
                    line,
                    format!("`{}` is outside any component; ignored", shorten(content)),
                ));
            }
            _ if self.stack.len() == 1 => {
                let start = self.out.len();
                self.push(content);
                if let Some(calendar) = self.calendars.last_mut() {
                    calendar.properties.push(start..self.out.len());
                }
            }
            _ => self.push(content),
        }
    }

    fn push(&mut self, content: &str) {
        self.out.push_str(content);
        self.out.push_str("\r\n");
    }

    /// Counts `steps` of work (in tests only).
    #[cfg_attr(not(test), allow(clippy::unused_self))]
    fn count(&mut self, steps: usize) {
        #[cfg(test)]
        {
            self.steps += steps;
        }
        #[cfg(not(test))]
        let _ = steps;
    }

    /// A line inside a component nested too deep: only its `BEGIN`s and
    /// `END`s are counted, and the way out is reported once.
    fn skip_deep(&mut self, line: usize, content: &str) {
        let Some((open, from)) = self.too_deep else {
            return;
        };
        let name = split_line(content).map(|(name, _)| name.to_ascii_uppercase());
        let open = match name.as_deref() {
            Some("BEGIN") => open + 1,
            Some("END") => open - 1,
            _ => open,
        };
        if open > 0 {
            self.too_deep = Some((open, from));
            return;
        }
        self.too_deep = None;
        self.problems.push((
            from,
            format!(
                "components are nested more than {MAX_DEPTH} deep here; lines {from} to {line} are skipped"
            ),
        ));
    }

    fn begin(&mut self, line: usize, name: &str) {
        if self.stack.len() >= MAX_DEPTH {
            self.too_deep = Some((1, line));
            return;
        }
        self.count(self.stack.len());
        if self.stack.is_empty() && TOP_LEVEL.contains(&name) {
            self.stray(line, name);
        }
        if let Some(open) = self.stack.iter().position(|o| {
            (o.name == name && (LEAVES.contains(&name) || name == "VCALENDAR"))
                || (o.name != "VCALENDAR" && TOP_LEVEL.contains(&name))
        }) {
            let unclosed = &self.stack[open];
            self.problems.push((
                unclosed.line,
                format!("`BEGIN:{0}` has no `END:{0}` before line {line}; the unfinished {0} is skipped", unclosed.name),
            ));
            self.drop_from(open);
        }
        let top_level_event =
            name == "VEVENT" && self.stack.len() == 1 && self.stack[0].name == "VCALENDAR";
        if name == "VCALENDAR" && self.stack.is_empty() {
            self.calendars.push(Calendar::default());
        }
        let event = top_level_event.then(|| RawEvent {
            line,
            rules: Vec::new(),
            outside: self.stack[0].implicit,
        });
        self.stack.push(Open {
            out_start: self.out.len(),
            line,
            event,
            name: name.to_owned(),
            implicit: false,
        });
        self.push(&format!("BEGIN:{name}"));
    }

    /// A component that begins outside any `VCALENDAR` (after its
    /// `END:VCALENDAR`, or in a file that has none): it joins the calendar
    /// before it, or one of its own. An event says so itself, among the
    /// events read past a fault; any other component is reported here.
    fn stray(&mut self, line: usize, name: &str) {
        if self.calendars.is_empty() {
            self.calendars.push(Calendar::default());
        }
        if name != "VEVENT" {
            self.problems.push((
                line,
                format!("`BEGIN:{name}` is outside any VCALENDAR; read all the same"),
            ));
        }
        self.stack.push(Open {
            name: "VCALENDAR".to_owned(),
            line,
            out_start: self.out.len(),
            event: None,
            implicit: true,
        });
    }

    fn end(&mut self, line: usize, name: &str) {
        self.count(self.stack.len());
        let Some(open) = self.stack.iter().rposition(|o| o.name == name) else {
            self.problems
                .push((line, format!("`END:{name}` closes nothing; ignored")));
            return;
        };
        if open + 1 < self.stack.len() {
            let unclosed = &self.stack[open + 1];
            self.problems.push((
                unclosed.line,
                format!("`BEGIN:{0}` has no `END:{0}` before line {line}; the unfinished {0} is skipped", unclosed.name),
            ));
            self.drop_from(open + 1);
        }
        self.push(&format!("END:{name}"));
        let depth = self.stack.len();
        let Some(closed) = self.stack.pop() else {
            return;
        };
        let (range, calendar) = (closed.out_start..self.out.len(), self.calendars.last_mut());
        match (depth, closed.name.as_str(), calendar) {
            (2, "VTIMEZONE", Some(calendar)) => calendar.zones.push(range),
            (2, "VEVENT", Some(calendar)) => calendar
                .events
                .push((range, closed.event.unwrap_or_default())),
            _ => {}
        }
        if self.stack.len() == 1 && self.stack[0].implicit {
            self.stack.pop();
        }
    }

    /// Drops the open components from `index` up, with all their lines.
    fn drop_from(&mut self, index: usize) {
        if index == 0 && !self.stack[0].implicit {
            self.calendars.pop();
        }
        self.out.truncate(self.stack[index].out_start);
        self.stack.truncate(index);
    }

    fn finish(mut self) -> Scanned {
        if let [calendar, unclosed, ..] = self.stack.as_slice()
            && calendar.implicit
        {
            self.problems.push((
                unclosed.line,
                format!(
                    "`BEGIN:{0}` has no `END:{0}` before the end of the text; the unfinished {0} is skipped",
                    unclosed.name
                ),
            ));
            self.out.truncate(unclosed.out_start);
            self.stack.clear();
        }
        let fatal = if let Some(open) = self.stack.first() {
            Some(format!(
                "the text ends inside `BEGIN:{}` of line {} (a truncated download?)",
                open.name, open.line
            ))
        } else if self.calendars.is_empty() {
            Some(match self.first_text.take() {
                Some(first) => format!(
                    "no `BEGIN:VCALENDAR`: this is not an iCalendar file (it begins `{first}`)"
                ),
                None => "the file is empty".to_owned(),
            })
        } else {
            None
        };
        Scanned {
            text: self.out,
            calendars: self.calendars,
            problems: self.problems,
            fatal,
        }
    }
}

/// `NAME;params:value` → (`NAME`, `value`); `None` when the line has no
/// name or no colon.
fn split_line(content: &str) -> Option<(&str, &str)> {
    let name_end = content.find([';', ':'])?;
    let name = &content[..name_end];
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return None;
    }
    let value_start = value_start(content, name_end)?;
    Some((name, &content[value_start..]))
}

/// Where the value starts: after the first colon outside quoted parameter
/// values.
fn value_start(content: &str, from: usize) -> Option<usize> {
    let mut quoted = false;
    for (i, c) in content[from..].char_indices() {
        match c {
            '"' => quoted = !quoted,
            ':' if !quoted => return Some(from + i + 1),
            _ => {}
        }
    }
    None
}

fn shorten(text: &str) -> String {
    let short: String = text.chars().take(60).collect();
    if short.len() < text.len() {
        format!("{short}…")
    } else {
        short
    }
}

/// Lines with folding undone (RFC 5545 3.1), each with the number of the
/// physical line it starts on. CRLF, LF and lone CR all end lines; a line
/// is borrowed unless it had to be unfolded.
fn logical_lines(text: &str) -> LogicalLines<'_> {
    LogicalLines {
        rest: text,
        number: 0,
    }
}

struct LogicalLines<'a> {
    rest: &'a str,
    number: usize,
}

impl<'a> LogicalLines<'a> {
    /// The next physical line, without its end.
    fn physical(&mut self) -> Option<&'a str> {
        if self.rest.is_empty() {
            return None;
        }
        let end = self.rest.find(['\r', '\n']).unwrap_or(self.rest.len());
        let line = &self.rest[..end];
        let skip = if self.rest[end..].starts_with("\r\n") {
            2
        } else {
            usize::from(end < self.rest.len())
        };
        self.rest = &self.rest[end + skip..];
        self.number += 1;
        Some(line)
    }
}

impl<'a> Iterator for LogicalLines<'a> {
    type Item = (usize, Cow<'a, str>);

    fn next(&mut self) -> Option<Self::Item> {
        let first = self.physical()?;
        let number = self.number;
        let mut line = Cow::Borrowed(first);
        while self.rest.starts_with([' ', '\t']) {
            let Some(next) = self.physical() else { break };
            line.to_mut().push_str(&next[1..]);
        }
        Some((number, line))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ics(body: &str) -> String {
        format!("BEGIN:VCALENDAR\nVERSION:2.0\n{body}END:VCALENDAR\n")
    }

    #[test]
    fn folded_lines_are_joined_and_numbered_from_their_start() {
        let lines: Vec<(usize, String)> = logical_lines("A:1\r\nB:2\r\n  and more\r\nC:3\n")
            .map(|(n, l)| (n, l.into_owned()))
            .collect();
        assert_eq!(
            lines,
            [
                (1, "A:1".into()),
                (2, "B:2 and more".into()),
                (4, "C:3".into())
            ]
        );
    }

    #[test]
    fn a_missing_end_does_not_swallow_the_next_event() {
        let scanned = scan(&ics(
            "BEGIN:VEVENT\nUID:a\nBEGIN:VEVENT\nUID:b\nEND:VEVENT\n",
        ));
        let events = &scanned.calendars[0].events;
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].1.line, 5);
        assert!(scanned.text.contains("UID:b") && !scanned.text.contains("UID:a"));
        assert_eq!(scanned.problems, [(3, "`BEGIN:VEVENT` has no `END:VEVENT` before line 5; the unfinished VEVENT is skipped".to_owned())]);
        assert!(scanned.fatal.is_none());
    }

    #[test]
    fn bad_lines_are_reported_and_dropped() {
        let scanned = scan(&ics(
            "BEGIN:VEVENT\nUID:a\nthis is not a property\nRRULE:FREQ=DAILY\nEND:VEVENT\n",
        ));
        assert_eq!(scanned.problems.len(), 1);
        assert_eq!(scanned.problems[0].0, 5);
        assert_eq!(scanned.calendars[0].events[0].1.rules, ["FREQ=DAILY"]);
        assert!(!scanned.text.contains("not a property"));
    }

    #[test]
    fn truncation_and_garbage_are_fatal() {
        let vcard = scan("BEGIN:VCARD\nFN:Someone\nEND:VCARD\n");
        assert_eq!(
            vcard.fatal.as_deref(),
            Some("no `BEGIN:VCALENDAR`: this is not an iCalendar file (it begins `BEGIN:VCARD`)")
        );
        let cut = scan("BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:a\nSUMM");
        assert_eq!(
            cut.fatal.as_deref(),
            Some("the text ends inside `BEGIN:VCALENDAR` of line 1 (a truncated download?)")
        );
        let html = scan("<!DOCTYPE html>\n<html><body>Not found</body></html>\n");
        assert_eq!(
            html.fatal.as_deref(),
            Some(
                "no `BEGIN:VCALENDAR`: this is not an iCalendar file (it begins `<!DOCTYPE html>`)"
            )
        );
    }

    /// A calendar with `depth` components nested inside it, and an event
    /// after them.
    fn nested(depth: usize) -> String {
        let mut text = String::from("BEGIN:VCALENDAR\nVERSION:2.0\n");
        text.push_str(&"BEGIN:X-BOX\n".repeat(depth));
        text.push_str(&"END:X-BOX\n".repeat(depth));
        text.push_str("BEGIN:VEVENT\nUID:after\nEND:VEVENT\nEND:VCALENDAR\n");
        text
    }

    #[test]
    fn deep_nesting_is_read_in_linear_time() {
        let steps = |depth: usize| scanner_over(&nested(depth)).steps;
        let (small, large) = (steps(10_000), steps(100_000));
        // Ten times the lines, ten times the work (plus the constant
        // calendar around them): not a hundred times.
        assert!(
            large <= small * 10 + 100,
            "10k levels: {small} steps, 100k: {large}"
        );
    }

    #[test]
    fn deep_nesting_is_skipped_and_reported_and_what_follows_is_kept() {
        let scanned = scan(&nested(1000));
        assert!(scanned.fatal.is_none());
        let from = MAX_DEPTH + 2;
        assert_eq!(
            scanned.problems,
            [(
                from,
                format!(
                    "components are nested more than 16 deep here; lines {from} to {} are skipped",
                    2 + 2000 - MAX_DEPTH + 1
                )
            )]
        );
        let events = &scanned.calendars[0].events;
        assert_eq!(events.len(), 1);
        assert!(scanned.text.contains("UID:after"));
    }

    #[test]
    fn an_event_after_the_calendar_joins_it_and_a_mistyped_end_closes_nothing() {
        let scanned = scan(&format!(
            "{}BEGIN:VEVENT\nUID:after\nEND:VEVENT\n",
            ics("BEGIN:VTODO\nUID:t\nEND:VTOOD\nBEGIN:VEVENT\nUID:a\nEND:VEVENT\n")
        ));
        assert!(scanned.fatal.is_none());
        let events = &scanned.calendars[0].events;
        assert_eq!(
            events
                .iter()
                .map(|(_, e)| (e.line, e.outside))
                .collect::<Vec<_>>(),
            [(6, false), (10, true)]
        );
        assert_eq!(
            scanned.problems,
            [
                (5, "`END:VTOOD` closes nothing; ignored".to_owned()),
                (
                    3,
                    "`BEGIN:VTODO` has no `END:VTODO` before line 6; the unfinished VTODO is skipped"
                        .to_owned()
                ),
            ]
        );
        let alone = scan("BEGIN:VEVENT\nUID:alone\nEND:VEVENT\n");
        assert!(alone.fatal.is_none());
        assert_eq!(alone.calendars[0].events.len(), 1);
    }

    #[test]
    fn quoted_colons_in_parameters_are_not_the_value() {
        assert_eq!(
            split_line("DTSTART;TZID=\"a:b\":20150101T000000"),
            Some(("DTSTART", "20150101T000000"))
        );
        assert_eq!(split_line("no colon"), None);
        assert_eq!(split_line(":value"), None);
    }
}
