//! Refresh schedules: the cron expressions of `refresh = ...` (classic
//! five-field or the six-field form with seconds), and when a remote source
//! is next due given its fetch history — the cron schedule while it is
//! healthy, exponential backoff with jitter while it fails, never before a
//! server's `Retry-After`.

use std::fmt;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::str::FromStr;

use chrono::{DateTime, Duration, Utc};

use crate::time::Zone;

/// A validated refresh schedule.
#[derive(Debug, Clone)]
pub struct Refresh {
    text: String,
    schedule: cron::Schedule,
}

/// A schedule that cannot be used, and why, with an example that can.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid refresh schedule `{text}`: {reason}; for example `0 */30 * * * *` (every 30 minutes, with seconds) or `*/30 * * * *` (classic five fields)"
)]
pub struct BadRefresh {
    pub text: String,
    pub reason: String,
}

impl FromStr for Refresh {
    type Err = BadRefresh;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = |reason: &str| BadRefresh {
            text: text.to_owned(),
            reason: reason.to_owned(),
        };
        let fields: Vec<&str> = text.split_whitespace().collect();
        let full = match fields.len() {
            1 if fields[0].starts_with('@') => fields[0].to_owned(),
            5 => format!("0 {}", fields.join(" ")),
            6 | 7 => fields.join(" "),
            n => {
                return Err(bad(&format!(
                    "it has {n} fields, expected 5 (minute hour day month weekday) or 6 (second first)"
                )));
            }
        };
        if fields.len() >= 6 && !fields[0].chars().all(|c| c.is_ascii_digit()) {
            return Err(bad(&format!(
                "the first of six fields is the second, and `{}` would refresh more than once a minute",
                fields[0]
            )));
        }
        if fields.len() >= 5 {
            let (day, weekday) = if fields.len() == 5 {
                (fields[2], fields[4])
            } else {
                (fields[3], fields[5])
            };
            check_days(day, weekday).map_err(|reason| bad(&reason))?;
        }
        let schedule = cron::Schedule::from_str(&full).map_err(|e| bad(&e.to_string()))?;
        Ok(Refresh {
            text: text.to_owned(),
            schedule,
        })
    }
}

/// Rejects what classic cron and the `cron` crate read differently:
/// weekday numbers (0 is Sunday in one, 1 in the other) and both a day of
/// the month and a weekday (either matches in one, both must in the other).
fn check_days(day: &str, weekday: &str) -> Result<(), String> {
    if weekday.chars().any(|c| c.is_ascii_digit()) {
        return Err(format!(
            "weekday `{weekday}` is ambiguous as numbers: write names such as `MON-FRI`"
        ));
    }
    let open = |f: &str| f == "*" || f == "?";
    if !open(day) && !open(weekday) {
        return Err(format!(
            "a day of the month (`{day}`) and a weekday (`{weekday}`) together are ambiguous: set one of them to `*`"
        ));
    }
    Ok(())
}

impl fmt::Display for Refresh {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl PartialEq for Refresh {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl Eq for Refresh {}

impl Refresh {
    /// The first time the schedule fires strictly after `after`, reading
    /// its fields as wall time in `zone`.
    #[must_use]
    pub fn next_after(&self, after: DateTime<Utc>, zone: Zone) -> Option<DateTime<Utc>> {
        match zone {
            Zone::Iana(tz) => self.first(&after.with_timezone(&tz)),
            other => self.first(&after.with_timezone(&other.offset_at(after))),
        }
    }

    fn first<Z: chrono::TimeZone>(&self, after: &DateTime<Z>) -> Option<DateTime<Utc>> {
        self.schedule
            .after(after)
            .next()
            .map(|t| t.with_timezone(&Utc))
    }
}

/// What is known of a source's past fetches, for deciding when to fetch
/// it next.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct History {
    pub last_attempt: Option<DateTime<Utc>>,
    /// Failed attempts since the last success.
    pub failures: u32,
    /// No attempt before this, as a server asked (`Retry-After`).
    pub retry_until: Option<DateTime<Utc>>,
}

/// The first retry waits about a minute; each further failure doubles it.
const BACKOFF_BASE: Duration = Duration::seconds(60);
/// Retries of a source that keeps failing never wait longer than this.
const BACKOFF_CAP: Duration = Duration::hours(6);

/// When the source named `key` is next due. Never fetched: at once.
/// Healthy: the schedule's next time after the last attempt. Failing:
/// after the backoff for its failure count, and never before
/// `retry_until`. `None` when the schedule never fires again.
#[must_use]
pub fn next_due(
    refresh: &Refresh,
    zone: Zone,
    history: &History,
    key: &str,
) -> Option<DateTime<Utc>> {
    let Some(last) = history.last_attempt else {
        return Some(DateTime::<Utc>::MIN_UTC);
    };
    let due = if history.failures == 0 {
        refresh.next_after(last, zone)?
    } else {
        last + backoff(history.failures, key)
    };
    Some(history.retry_until.map_or(due, |until| due.max(until)))
}

/// `base` for the first failure, doubled for each further one, never more
/// than `cap`.
#[must_use]
pub fn doubling(base: Duration, cap: Duration, failures: u32) -> Duration {
    let doublings = failures.saturating_sub(1).min(16);
    (base * 2_i32.pow(doublings)).min(cap)
}

/// The wait before retry number `failures`: doubling from a minute up to
/// six hours, scaled by a jitter between one half and one that is fixed
/// for a source and attempt, so that sources failing together spread out
/// and a run can be repeated exactly.
#[must_use]
pub fn backoff(failures: u32, key: &str) -> Duration {
    let full = doubling(BACKOFF_BASE, BACKOFF_CAP, failures);
    let mut hasher = DefaultHasher::new();
    (key, failures).hash(&mut hasher);
    let per_mille = i32::try_from(500 + hasher.finish() % 501).unwrap_or(1000);
    full * per_mille / 1000
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    fn refresh(text: &str) -> Refresh {
        text.parse().unwrap()
    }

    #[test]
    fn five_and_six_fields_mean_the_same_schedule() {
        let now = at("2026-11-21T10:07:00Z");
        let six = refresh("0 */30 * * * *").next_after(now, Zone::Utc);
        let five = refresh("*/30 * * * *").next_after(now, Zone::Utc);
        assert_eq!(six, Some(at("2026-11-21T10:30:00Z")));
        assert_eq!(five, six);
    }

    #[test]
    fn fields_are_wall_time_in_the_zone() {
        let berlin = Zone::Iana(chrono_tz::Europe::Berlin);
        let next = refresh("0 6 * * *").next_after(at("2026-11-21T10:00:00Z"), berlin);
        assert_eq!(next, Some(at("2026-11-22T05:00:00Z")));
    }

    #[test]
    fn ambiguous_and_broken_schedules_say_what_to_write() {
        let cases = [
            ("*/30 * * *", "it has 4 fields"),
            ("0 9 * * 1-5", "write names such as `MON-FRI`"),
            ("0 9 1 * MON", "set one of them to `*`"),
            ("* */30 * * * *", "more than once a minute"),
            ("0,30 * * * * *", "more than once a minute"),
            ("0 0 25 * * *", "0 */30 * * * *"),
        ];
        for (text, expected) in cases {
            let message = text.parse::<Refresh>().unwrap_err().to_string();
            assert!(message.contains(expected), "{text}: {message}");
        }
        assert!("0 9 * * MON-FRI".parse::<Refresh>().is_ok());
        assert!("@daily".parse::<Refresh>().is_ok());
    }

    #[test]
    fn a_source_never_fetched_is_due_at_once() {
        let due = next_due(&refresh("@hourly"), Zone::Utc, &History::default(), "a");
        assert!(due.unwrap() < at("1970-01-01T00:00:00Z"));
    }

    #[test]
    fn a_healthy_source_follows_its_schedule() {
        let history = History {
            last_attempt: Some(at("2026-11-21T10:07:00Z")),
            ..History::default()
        };
        let due = next_due(&refresh("0 */30 * * * *"), Zone::Utc, &history, "a");
        assert_eq!(due, Some(at("2026-11-21T10:30:00Z")));
    }

    #[test]
    fn failures_back_off_exponentially_with_bounded_jitter() {
        let mut last = Duration::zero();
        for failures in 1..=12 {
            let wait = backoff(failures, "feed");
            let full = (Duration::seconds(60) * 2_i32.pow(failures - 1)).min(BACKOFF_CAP);
            assert!(wait >= full / 2 && wait <= full, "{failures}: {wait}");
            if failures <= 8 {
                assert!(wait >= last, "{failures}: {wait} after {last}");
            }
            last = wait;
        }
        assert_ne!(backoff(3, "a"), backoff(3, "b"), "jitter spreads sources");
    }

    #[test]
    fn retry_after_is_never_undercut() {
        let history = History {
            last_attempt: Some(at("2026-11-21T10:00:00Z")),
            failures: 1,
            retry_until: Some(at("2026-11-21T10:02:00Z")),
        };
        let due = next_due(&refresh("* * * * *"), Zone::Utc, &history, "a").unwrap();
        assert!(due >= at("2026-11-21T10:02:00Z"), "{due}");
    }
}
