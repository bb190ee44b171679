//! Time zones and instants: how a stated zone (`AoE`, `UTC+2`, `Europe/Berlin`)
//! is understood, how a local date-time becomes an instant, and when a
//! date-only deadline is due.
//!
//! Nothing here reads the clock: every function that needs "now" takes it.

use std::fmt;
use std::str::FromStr;

use chrono::{
    DateTime, Duration, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, Offset,
    TimeZone, Utc,
};

/// A zone as people state it: anywhere on earth, UTC, a fixed offset or an
/// IANA name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Zone {
    /// Coordinated universal time.
    Utc,
    /// "Anywhere on earth": UTC-12, the last place a day ends.
    Aoe,
    /// A fixed offset such as `UTC+2` or `GMT-7`.
    Fixed(FixedOffset),
    /// A zone of the IANA database, with its daylight-saving rules.
    Iana(chrono_tz::Tz),
    /// A zone defined by a calendar's own `VTIMEZONE` that matches no
    /// IANA name.
    Custom(&'static CustomZone),
}

/// A time zone given as its list of offset changes, as a `VTIMEZONE`
/// defines one.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CustomZone {
    name: String,
    /// The offset (seconds east of UTC) before the first change.
    initial: i32,
    /// `(instant in Unix seconds, offset from then on)`, sorted.
    changes: Vec<(i64, i32)>,
}

impl CustomZone {
    /// A zone called `name` with offset `initial` until the first of
    /// `changes`.
    #[must_use]
    pub fn new(name: &str, initial: i32, mut changes: Vec<(i64, i32)>) -> CustomZone {
        changes.sort_unstable();
        changes.dedup_by_key(|c| c.0);
        CustomZone {
            name: name.to_owned(),
            initial,
            changes,
        }
    }

    /// The offset in force at Unix second `at`.
    fn offset_at(&self, at: i64) -> i32 {
        match self.changes.partition_point(|c| c.0 <= at) {
            0 => self.initial,
            i => self.changes[i - 1].1,
        }
    }

    /// The instant a wall time names: of the offsets that fit, the first
    /// occurrence; in a gap, the offset from before the gap.
    fn instant(&self, local: NaiveDateTime) -> DateTime<Utc> {
        let wall = local.and_utc().timestamp();
        let mut offsets: Vec<i32> = std::iter::once(self.initial)
            .chain(self.changes.iter().map(|c| c.1))
            .collect();
        offsets.sort_unstable();
        offsets.dedup();
        let fitting = offsets
            .iter()
            .rev()
            .find(|&&o| self.offset_at(wall - i64::from(o)) == o);
        let offset = fitting
            .copied()
            .unwrap_or_else(|| self.offset_at(wall - i64::from(offsets[offsets.len() - 1]) - 1));
        local.and_utc() - Duration::seconds(i64::from(offset))
    }

    /// Makes the zone live for the rest of the process, sharing one copy per
    /// distinct definition, so that [`Zone`] stays `Copy`. The set is
    /// bounded by the distinct `VTIMEZONE`s ever read.
    #[must_use]
    pub fn intern(self) -> &'static CustomZone {
        static ZONES: std::sync::Mutex<Vec<&'static CustomZone>> =
            std::sync::Mutex::new(Vec::new());
        let mut zones = ZONES
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(known) = zones.iter().find(|z| ***z == self) {
            return known;
        }
        let leaked: &'static CustomZone = Box::leak(Box::new(self));
        zones.push(leaked);
        leaked
    }
}

/// A zone name that is none of the forms [`Zone`] understands.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown time zone `{0}`: expected an IANA name such as `Europe/Berlin`, `AoE`, `UTC` or an offset such as `UTC+2`"
)]
pub struct UnknownZone(pub String);

impl FromStr for Zone {
    type Err = UnknownZone;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let trimmed = s.trim();
        let upper = trimmed.to_ascii_uppercase();
        match upper.as_str() {
            "AOE" | "ANYWHERE ON EARTH" => return Ok(Zone::Aoe),
            "UTC" | "GMT" | "Z" | "ETC/UTC" | "ETC/GMT" => return Ok(Zone::Utc),
            _ => {}
        }
        if let Some(offset) = parse_offset_zone(&upper) {
            return Ok(Zone::Fixed(offset));
        }
        if let Ok(tz) = chrono_tz::Tz::from_str_insensitive(trimmed) {
            return Ok(Zone::Iana(tz));
        }
        Err(UnknownZone(trimmed.to_owned()))
    }
}

/// `UTC+2`, `UTC-07:00`, `GMT+5:30`, `UTC+0530`.
fn parse_offset_zone(upper: &str) -> Option<FixedOffset> {
    let rest = upper
        .strip_prefix("UTC")
        .or_else(|| upper.strip_prefix("GMT"))?;
    let (sign, digits) = match rest.chars().next()? {
        '+' => (1, &rest[1..]),
        '-' | '\u{2212}' => (-1, &rest[rest.chars().next()?.len_utf8()..]),
        _ => return None,
    };
    let (hours, minutes) = match digits.split_once(':') {
        Some((h, m)) => (h.parse::<i32>().ok()?, m.parse::<i32>().ok()?),
        None if digits.len() == 4 => (digits[..2].parse().ok()?, digits[2..].parse().ok()?),
        None => (digits.parse().ok()?, 0),
    };
    if !(0..=14).contains(&hours) || !(0..60).contains(&minutes) || digits.is_empty() {
        return None;
    }
    FixedOffset::east_opt(sign * (hours * 3600 + minutes * 60))
}

impl fmt::Display for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Zone::Utc => f.write_str("UTC"),
            Zone::Aoe => f.write_str("AoE"),
            Zone::Fixed(offset) => f.write_str(&offset_label(*offset)),
            Zone::Iana(tz) => f.write_str(tz.name()),
            Zone::Custom(zone) => f.write_str(&zone.name),
        }
    }
}

/// `UTC+2`, `UTC-7`, `UTC+5:30`.
fn offset_label(offset: FixedOffset) -> String {
    let secs = offset.local_minus_utc();
    let sign = if secs < 0 { '-' } else { '+' };
    let (hours, minutes) = (secs.abs() / 3600, secs.abs() % 3600 / 60);
    if minutes == 0 {
        format!("UTC{sign}{hours}")
    } else {
        format!("UTC{sign}{hours}:{minutes:02}")
    }
}

impl Zone {
    /// The `AoE` offset, UTC-12.
    fn aoe_offset() -> FixedOffset {
        FixedOffset::west_opt(12 * 3600).unwrap_or_else(|| Utc.fix())
    }

    /// The instant a local date-time names in this zone.
    ///
    /// A time that falls in a daylight-saving gap is moved forward by the
    /// gap's length (02:30 on a spring-forward night becomes 03:30); a time
    /// that occurs twice is taken at its first occurrence.
    #[must_use]
    pub fn instant(&self, local: NaiveDateTime) -> DateTime<Utc> {
        match self {
            Zone::Utc => local.and_utc(),
            Zone::Aoe => fixed_instant(Self::aoe_offset(), local),
            Zone::Fixed(offset) => fixed_instant(*offset, local),
            Zone::Iana(tz) => iana_instant(*tz, local),
            Zone::Custom(zone) => zone.instant(local),
        }
    }

    /// The UTC offset in force in this zone at `instant`.
    #[must_use]
    pub fn offset_at(&self, instant: DateTime<Utc>) -> FixedOffset {
        match self {
            Zone::Utc => Utc.fix(),
            Zone::Aoe => Self::aoe_offset(),
            Zone::Fixed(offset) => *offset,
            Zone::Iana(tz) => tz.offset_from_utc_datetime(&instant.naive_utc()).fix(),
            Zone::Custom(zone) => {
                FixedOffset::east_opt(zone.offset_at(instant.timestamp())).unwrap_or(Utc.fix())
            }
        }
    }

    /// `instant` as a date-time with this zone's offset.
    #[must_use]
    pub fn localize(&self, instant: DateTime<Utc>) -> DateTime<FixedOffset> {
        instant.with_timezone(&self.offset_at(instant))
    }

    /// The IANA name, for zones that have one (what a `TZID` can carry).
    #[must_use]
    pub fn iana_name(&self) -> Option<&'static str> {
        match self {
            Zone::Iana(tz) => Some(tz.name()),
            _ => None,
        }
    }
}

fn fixed_instant(offset: FixedOffset, local: NaiveDateTime) -> DateTime<Utc> {
    (local - Duration::seconds(i64::from(offset.local_minus_utc()))).and_utc()
}

fn iana_instant(tz: chrono_tz::Tz, local: NaiveDateTime) -> DateTime<Utc> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => t.with_timezone(&Utc),
        LocalResult::None => {
            // In a spring-forward gap: the offset before the gap, applied to
            // the stated wall time, lands just after the gap.
            let before = tz
                .offset_from_utc_datetime(&(local - Duration::hours(24)))
                .fix();
            fixed_instant(before, local)
        }
    }
}

/// The last second of a day: when a deadline stated as a bare date is due.
#[must_use]
pub fn end_of_day(date: NaiveDate) -> NaiveDateTime {
    date.and_time(NaiveTime::from_hms_opt(23, 59, 59).unwrap_or(NaiveTime::MIN))
}

/// The zone of the machine, from the operating system, or UTC when it
/// cannot be told.
#[must_use]
pub fn system_zone() -> Zone {
    iana_time_zone::get_timezone()
        .ok()
        .and_then(|name| name.parse().ok())
        .unwrap_or(Zone::Utc)
}

/// A point in time given on the command line (`--now`, `--from`, `--until`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid date or time `{0}`: expected `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM[:SS]` or RFC 3339 such as `2015-04-05T00:00:00Z`"
)]
pub struct BadInstant(pub String);

/// Parses an instant: RFC 3339 as given, or a date or local date-time read in
/// `local` (a bare date is its midnight).
pub fn parse_instant(s: &str, local: Zone) -> Result<DateTime<Utc>, BadInstant> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(s, format) {
            return Ok(local.instant(naive));
        }
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map(|date| local.instant(date.and_time(NaiveTime::MIN)))
        .map_err(|_| BadInstant(s.to_owned()))
}

/// Where the daemon reads the time: the wall clock, or a clock that starts
/// at `--now` and runs from there. Library code is handed one; only the
/// binary makes one.
pub type Clock = std::sync::Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// A span of time written as `14d`, `3d`, `2h`, `30m`, `1w` or `90s`: a
/// reminder's lead time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Lead(Duration);

/// A lead time that is not a number followed by `w`, `d`, `h`, `m` or `s`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid lead time `{0}`: expected a number and a unit, such as `14d`, `2h`, `30m` or `1w`"
)]
pub struct BadLead(pub String);

impl FromStr for Lead {
    type Err = BadLead;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || BadLead(s.to_owned());
        let t = s.trim();
        let split = t.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
        let amount: i64 = t[..split].parse().map_err(|_| bad())?;
        let duration = match t[split..].trim() {
            "w" => Duration::try_weeks(amount),
            "d" => Duration::try_days(amount),
            "h" => Duration::try_hours(amount),
            "m" | "min" => Duration::try_minutes(amount),
            "s" => Duration::try_seconds(amount),
            _ => None,
        };
        duration
            .filter(|d| *d > Duration::zero())
            .map(Lead)
            .ok_or_else(bad)
    }
}

impl Lead {
    /// The span as a chrono duration.
    #[must_use]
    pub fn duration(self) -> Duration {
        self.0
    }
}

impl fmt::Display for Lead {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.num_seconds() {
            s if s % 86_400 == 0 => write!(f, "{}d", s / 86_400),
            s if s % 3600 == 0 => write!(f, "{}h", s / 3600),
            s if s % 60 == 0 => write!(f, "{}m", s / 60),
            s => write!(f, "{s}s"),
        }
    }
}

/// An instant as messages show it: `2030-01-02 00:00 UTC`.
#[must_use]
pub fn stamp(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// "in 3d 4h", "in 45m", "2d ago": a countdown from `now` to `then`.
#[must_use]
pub fn countdown(now: DateTime<Utc>, then: DateTime<Utc>) -> String {
    let delta = then - now;
    let minutes = delta.num_minutes().abs();
    let (days, hours, mins) = (minutes / 1440, minutes % 1440 / 60, minutes % 60);
    let span = match (days, hours) {
        (0, 0) => format!("{mins}m"),
        (0, h) => format!("{h}h {mins}m"),
        (d, 0) => format!("{d}d"),
        (d, h) => format!("{d}d {h}h"),
    };
    if delta < Duration::zero() {
        format!("{span} ago")
    } else {
        format!("in {span}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[track_caller]
    fn local(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S").unwrap()
    }

    #[test]
    fn zones_parse_in_every_stated_form() {
        let cases = [
            ("AoE", "AoE"),
            ("aoe", "AoE"),
            ("UTC", "UTC"),
            ("UTC+2", "UTC+2"),
            ("UTC-7", "UTC-7"),
            ("GMT-07:00", "UTC-7"),
            ("UTC+05:30", "UTC+5:30"),
            ("Europe/Berlin", "Europe/Berlin"),
            ("america/los_angeles", "America/Los_Angeles"),
        ];
        for (input, shown) in cases {
            let zone: Zone = input.parse().unwrap();
            assert_eq!(zone.to_string(), shown, "{input}");
        }
        for bad in ["Mars/Olympus", "UTC+", "UTC+25", ""] {
            assert!(bad.parse::<Zone>().is_err(), "{bad}");
        }
    }

    #[test]
    fn aoe_end_of_day_is_noon_next_day_utc() {
        let due = end_of_day(NaiveDate::from_ymd_opt(2015, 5, 1).unwrap());
        assert_eq!(Zone::Aoe.instant(due), utc("2015-05-02T11:59:59Z"));
    }

    #[test]
    fn dst_is_applied_on_both_sides_of_the_switch() {
        let berlin: Zone = "Europe/Berlin".parse().unwrap();
        // Berlin moved to summer time on 2015-03-29 at 02:00.
        assert_eq!(
            berlin.instant(local("2015-03-28T23:59:59")),
            utc("2015-03-28T22:59:59Z")
        );
        assert_eq!(
            berlin.instant(local("2015-03-29T23:59:59")),
            utc("2015-03-29T21:59:59Z")
        );
        // A wall time inside the gap lands just after it.
        assert_eq!(
            berlin.instant(local("2015-03-29T02:30:00")),
            utc("2015-03-29T01:30:00Z")
        );
        // A wall time that happens twice is taken the first time.
        assert_eq!(
            berlin.instant(local("2015-10-25T02:30:00")),
            utc("2015-10-25T00:30:00Z")
        );
    }

    #[test]
    fn custom_zones_follow_their_own_changes() {
        // Summer time at UTC+2 from 2015-03-29 01:00Z to 2015-10-25 01:00Z.
        let spring = utc("2015-03-29T01:00:00Z").timestamp();
        let autumn = utc("2015-10-25T01:00:00Z").timestamp();
        let zone = Zone::Custom(
            CustomZone::new("Home", 3600, vec![(spring, 7200), (autumn, 3600)]).intern(),
        );
        assert_eq!(zone.to_string(), "Home");
        assert_eq!(
            zone.instant(local("2015-03-28T23:59:59")),
            utc("2015-03-28T22:59:59Z")
        );
        assert_eq!(
            zone.instant(local("2015-03-29T23:59:59")),
            utc("2015-03-29T21:59:59Z")
        );
        assert_eq!(
            zone.instant(local("2015-03-29T02:30:00")),
            utc("2015-03-29T01:30:00Z"),
            "in the gap"
        );
        assert_eq!(
            zone.instant(local("2015-10-25T02:30:00")),
            utc("2015-10-25T00:30:00Z"),
            "the first of two"
        );
        assert_eq!(
            zone.offset_at(utc("2015-07-01T00:00:00Z"))
                .local_minus_utc(),
            7200
        );
    }

    #[test]
    fn instants_parse_as_rfc3339_or_local() {
        let berlin: Zone = "Europe/Berlin".parse().unwrap();
        assert_eq!(
            parse_instant("2015-04-05T00:00:00Z", berlin).unwrap(),
            utc("2015-04-05T00:00:00Z")
        );
        assert_eq!(
            parse_instant("2015-04-05", berlin).unwrap(),
            utc("2015-04-04T22:00:00Z")
        );
        assert!(parse_instant("April 5", berlin).is_err());
    }

    #[test]
    fn leads_parse_and_print() {
        for (input, minutes) in [
            ("14d", 14 * 1440),
            ("2h", 120),
            ("30m", 30),
            ("1w", 7 * 1440),
        ] {
            let lead: Lead = input.parse().unwrap();
            assert_eq!(lead.duration().num_minutes(), minutes);
        }
        for (input, shown) in [("14d", "14d"), ("1w", "7d"), ("48h", "2d"), ("90m", "90m")] {
            assert_eq!(input.parse::<Lead>().unwrap().to_string(), shown);
        }
        for bad in ["", "d", "3", "3y", "-1d", "0d"] {
            assert!(bad.parse::<Lead>().is_err(), "{bad}");
        }
    }

    #[test]
    fn countdowns_read_naturally() {
        let now = utc("2015-04-05T00:00:00Z");
        assert_eq!(countdown(now, utc("2015-04-08T04:10:00Z")), "in 3d 4h");
        assert_eq!(countdown(now, utc("2015-04-05T00:45:00Z")), "in 45m");
        assert_eq!(countdown(now, utc("2015-04-03T00:00:00Z")), "2d ago");
    }
}
