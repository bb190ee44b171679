//! The words of a notice: "CFP closes in 1 day: KVM Forum 2015", with the
//! due time as stated and in local time, whether it is late, and for a
//! moved deadline, what it was and what it is now.

use std::fmt::Write as _;

use chrono::{DateTime, Duration, SecondsFormat, Utc};

use super::schedule::Pending;
use super::{Notice, NoticeKind};
use crate::model::Deadline;
use crate::store::What;
use crate::time::Zone;

/// The notice for `pending` at `now`, with local times in `local`.
#[must_use]
pub fn notice(
    pending: &Pending<'_>,
    previous_due: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    local: Zone,
) -> Notice {
    let deadline = pending.deadline;
    let due = pending.due;
    let (what, summary, body, lead) = match pending.what {
        What::Lead(lead) => {
            let summary = reminder_summary(deadline, pending, now);
            let mut body = due_line(deadline, due, local);
            if pending.late {
                let _ = write!(
                    body,
                    "\nLate: this reminder was due {}, {} before the deadline; confcal was not running then.",
                    local_time(pending.at, local),
                    span(lead.duration())
                );
            }
            (NoticeKind::Reminder, summary, body, Some(lead.to_string()))
        }
        What::Changed => {
            let was = previous_due.map_or_else(
                || "unknown".to_owned(),
                |t| stated_time(deadline.zone.localize(t).naive_local(), deadline.zone),
            );
            let body = format!(
                "was {was}, now {} ({})",
                stated_time(deadline.due_local(), deadline.zone),
                local_time(due, local)
            );
            let summary = format!("Deadline changed: {}", deadline.title());
            (NoticeKind::Changed, summary, body, None)
        }
        What::NewCfp => {
            let summary = format!(
                "New CFP: {} \u{2014} closes {} (in {})",
                deadline.event_title,
                stated_time(deadline.due_local(), deadline.zone),
                span(due - now)
            );
            (
                NoticeKind::NewCfp,
                summary,
                due_line(deadline, due, local),
                None,
            )
        }
    };
    let mut body = body;
    if let Some(url) = &deadline.url {
        body.push('\n');
        body.push_str(url);
    }
    Notice {
        what,
        summary,
        body,
        uid: deadline.uid.clone(),
        event: deadline.event_title.clone(),
        event_uid: deadline.event_uid.clone(),
        kind: deadline.kind.name(),
        due_utc: due.to_rfc3339_opts(SecondsFormat::Secs, true),
        due_stated: stated_time(deadline.due_local(), deadline.zone),
        due_local: local_time(due, local),
        lead,
        late: pending.late,
        previous_due_utc: previous_due.map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true)),
        url: deadline.url.clone(),
        urgent: due - now <= Duration::hours(24),
    }
}

/// "CFP closes in 1 day: KVM Forum 2015"; a late one counts what is left
/// and says it is late.
fn reminder_summary(deadline: &Deadline, pending: &Pending<'_>, now: DateTime<Utc>) -> String {
    let (left, late) = match pending.what {
        What::Lead(lead) if !pending.late => (lead.duration(), ""),
        _ => (pending.due - now, " (late)"),
    };
    let label = deadline
        .label
        .as_ref()
        .map(|l| format!(" ({l})"))
        .unwrap_or_default();
    format!(
        "{} in {}: {}{label}{late}",
        deadline.kind.headline(),
        span(left),
        deadline.event_title
    )
}

/// `Due 2015-05-01 23:59 AoE, that is Sat 2015-05-02 13:59 Europe/Berlin.`
fn due_line(deadline: &Deadline, due: DateTime<Utc>, local: Zone) -> String {
    format!(
        "Due {}, that is {}.",
        stated_time(deadline.due_local(), deadline.zone),
        local_time(due, local)
    )
}

fn stated_time(local: chrono::NaiveDateTime, zone: Zone) -> String {
    format!("{} {zone}", local.format("%Y-%m-%d %H:%M"))
}

fn local_time(t: DateTime<Utc>, local: Zone) -> String {
    format!("{} {local}", local.localize(t).format("%a %Y-%m-%d %H:%M"))
}

/// "14 days", "1 day", "2 hours", "30 minutes", "5 seconds": the largest
/// unit that fits, rounded to the nearest whole one.
fn span(d: Duration) -> String {
    let seconds = d.num_seconds().max(0);
    let (size, unit) = [
        (86_400, "day"),
        (3600, "hour"),
        (60, "minute"),
        (1, "second"),
    ]
    .into_iter()
    .find(|(size, _)| seconds >= *size)
    .unwrap_or((1, "second"));
    let n = (seconds + size / 2) / size;
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{DeadlineKind, When};

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn deadline() -> Deadline {
        Deadline {
            uid: "cfp@kvm".into(),
            event_uid: "kvm".into(),
            event_title: "KVM Forum 2015".into(),
            kind: DeadlineKind::Cfp,
            due: When::Date(chrono::NaiveDate::from_ymd_opt(2015, 5, 1).unwrap()),
            zone: Zone::Aoe,
            label: None,
            url: Some("https://events.example.org/kvm".into()),
            tags: vec![],
            priority: 0,
            provenance: vec![],
            sequence: 0,
            revision: None,
        }
    }

    fn berlin() -> Zone {
        "Europe/Berlin".parse().unwrap()
    }

    #[test]
    fn an_on_time_reminder_names_its_lead_and_both_times() {
        let d = deadline();
        let due = d.due_instant();
        let lead: crate::time::Lead = "1d".parse().unwrap();
        let pending = Pending {
            deadline: &d,
            due,
            what: What::Lead(lead),
            at: due - lead.duration(),
            late: false,
        };
        let n = notice(&pending, None, due - lead.duration(), berlin());
        assert_eq!(n.summary, "CFP closes in 1 day: KVM Forum 2015");
        assert_eq!(
            n.body,
            "Due 2015-05-01 23:59 AoE, that is Sat 2015-05-02 13:59 Europe/Berlin.\nhttps://events.example.org/kvm"
        );
        assert_eq!(n.due_utc, "2015-05-02T11:59:59Z");
        assert!(n.urgent);
    }

    #[test]
    fn a_late_reminder_counts_what_is_left() {
        let d = deadline();
        let due = d.due_instant();
        let lead: crate::time::Lead = "3d".parse().unwrap();
        let pending = Pending {
            deadline: &d,
            due,
            what: What::Lead(lead),
            at: due - lead.duration(),
            late: true,
        };
        let now = at("2015-04-30T00:00:00Z");
        let n = notice(&pending, None, now, berlin());
        assert_eq!(n.summary, "CFP closes in 2 days: KVM Forum 2015 (late)");
        assert!(n.body.contains("Late: this reminder was due Wed 2015-04-29 13:59 Europe/Berlin, 3 days before the deadline"), "{}", n.body);
        assert!(!n.urgent);
    }

    #[test]
    fn spans_round_to_the_nearest_whole_unit() {
        let cases = [
            (86_400 * 14, "14 days"),
            (3600 * 18 - 1, "18 hours"),
            (5400, "2 hours"),
            (59, "59 seconds"),
            (0, "0 seconds"),
        ];
        for (seconds, expected) in cases {
            assert_eq!(span(Duration::seconds(seconds)), expected);
        }
    }

    #[test]
    fn a_change_notice_says_what_it_was_and_is() {
        let d = deadline();
        let due = d.due_instant();
        let pending = Pending {
            deadline: &d,
            due,
            what: What::Changed,
            at: at("2015-04-20T00:00:00Z"),
            late: false,
        };
        let was = at("2015-04-25T11:59:59Z");
        let n = notice(&pending, Some(was), at("2015-04-20T00:00:00Z"), berlin());
        assert_eq!(n.summary, "Deadline changed: CFP closes: KVM Forum 2015");
        assert!(n.body.starts_with("was 2015-04-24 23:59 AoE, now 2015-05-01 23:59 AoE (Sat 2015-05-02 13:59 Europe/Berlin)"), "{}", n.body);
        assert_eq!(n.previous_due_utc.as_deref(), Some("2015-04-25T11:59:59Z"));
    }
}
