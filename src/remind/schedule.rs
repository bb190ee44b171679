//! Which notices are due at a given moment, by DESIGN's reminder rules.
//!
//! Each open deadline (not past, not done or muted) has one reminder per
//! lead time of its kind, due at the due instant minus the lead. At any
//! moment only the latest reminder whose time has come is due: after
//! downtime the earlier ones it passed are dropped, and it is marked late
//! when its time is more than [`GRACE`] ago. A deadline that moved has its
//! change notice due, and its reminders re-armed: those whose time had
//! already come when the move was seen are dropped, the change notice
//! says it all. Whether a notice was already delivered is the ledger's
//! business, not this module's; all of this is pure and takes `now`.

use chrono::{DateTime, Duration, Utc};

use crate::config::Leads;
use crate::model::{Catalog, Deadline, DeadlineKind};
use crate::store::{DeadlineState, States, What};

/// How long after its time a reminder still counts as on time. The timer
/// wakes at least every minute, so anything later means confcal was not
/// running or the machine slept.
pub const GRACE: Duration = Duration::minutes(2);

/// A notice whose time has come.
#[derive(Debug, Clone, PartialEq)]
pub struct Pending<'a> {
    pub deadline: &'a Deadline,
    /// The due instant it is about.
    pub due: DateTime<Utc>,
    pub what: What,
    /// When it was meant to be delivered.
    pub at: DateTime<Utc>,
    /// Delivered more than [`GRACE`] after `at`.
    pub late: bool,
}

/// Every notice due at `now`, deadline by deadline: a change notice for a
/// deadline that moved, and the latest reminder whose time has come.
#[must_use]
pub fn due_now<'a>(
    catalog: &'a Catalog,
    leads: &Leads,
    states: &States,
    now: DateTime<Utc>,
) -> Vec<Pending<'a>> {
    let mut pending = Vec::new();
    for (deadline, due, state) in open(catalog, states, now) {
        let moved_at = state
            .filter(|s| s.previous_due.is_some() && s.due == due)
            .map(|s| s.changed_at);
        if let Some(at) = moved_at {
            pending.push(Pending {
                deadline,
                due,
                what: What::Changed,
                at,
                late: false,
            });
        }
        let latest = leads
            .of(deadline.kind)
            .iter()
            .map(|lead| (*lead, due - lead.duration()))
            .filter(|(_, at)| *at <= now && moved_at.is_none_or(|moved| *at >= moved))
            .max_by_key(|(_, at)| *at);
        if let Some((lead, at)) = latest {
            pending.push(Pending {
                deadline,
                due,
                what: What::Lead(lead),
                at,
                late: now - at > GRACE,
            });
        }
    }
    pending
}

/// The calls for papers (`cfp` and `paper` deadlines, first rounds) of
/// `catalog` that appeared after the ledger's first look at the sources,
/// and are still open: one "New CFP" notice each, due when it was first
/// seen. What was there on the first look is not new.
#[must_use]
pub fn new_cfps<'a>(catalog: &'a Catalog, states: &States, now: DateTime<Utc>) -> Vec<Pending<'a>> {
    let Some(first_look) = states.values().map(|s| s.changed_at).min() else {
        return Vec::new();
    };
    open(catalog, states, now)
        .filter(|(d, _, _)| {
            matches!(d.kind, DeadlineKind::Cfp | DeadlineKind::Paper)
                && d.uid.starts_with(&format!("{}.", d.kind))
        })
        .filter_map(|(deadline, due, state)| {
            let state = state?;
            (state.sequence == 0 && state.changed_at > first_look).then_some(Pending {
                deadline,
                due,
                what: What::NewCfp,
                at: state.changed_at,
                late: false,
            })
        })
        .collect()
}

/// The first moment after `now` a reminder falls due, if any will.
#[must_use]
pub fn next_after(
    catalog: &Catalog,
    leads: &Leads,
    states: &States,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    open(catalog, states, now)
        .flat_map(|(deadline, due, _)| {
            leads
                .of(deadline.kind)
                .iter()
                .map(move |lead| due - lead.duration())
        })
        .filter(|at| *at > now)
        .min()
}

/// The deadlines still open at `now`, with their due instants and what
/// the ledger knows of them.
fn open<'a, 's>(
    catalog: &'a Catalog,
    states: &'s States,
    now: DateTime<Utc>,
) -> impl Iterator<Item = (&'a Deadline, DateTime<Utc>, Option<&'s DeadlineState>)> {
    catalog.deadlines.iter().filter_map(move |deadline| {
        let due = deadline.due_instant();
        let state = states.get(&deadline.uid);
        let closed = state.is_some_and(|s| s.status.is_some());
        (now < due && !closed).then_some((deadline, due, state))
    })
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, HashMap};

    use super::*;
    use crate::model::{DeadlineKind, When};
    use crate::store::Status;
    use crate::time::{Lead, Zone};

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn lead(s: &str) -> Lead {
        s.parse().unwrap()
    }

    fn leads() -> Leads {
        Leads {
            default: ["14d", "3d", "1d", "2h"].map(lead).to_vec(),
            by_kind: BTreeMap::from([(DeadlineKind::Registration, vec![lead("7d")])]),
        }
    }

    /// A CFP due 2015-05-01T12:00Z.
    fn catalog(kind: DeadlineKind) -> Catalog {
        Catalog {
            events: vec![],
            deadlines: vec![Deadline {
                uid: "cfp@kvm".into(),
                event_uid: "kvm".into(),
                event_title: "KVM Forum 2015".into(),
                kind,
                due: When::Utc(at("2015-05-01T12:00:00Z")),
                zone: Zone::Utc,
                label: None,
                url: None,
                tags: vec![],
                priority: 0,
                provenance: vec![],
                sequence: 0,
                revision: None,
            }],
        }
    }

    fn seen(due: &str, status: Option<Status>) -> HashMap<String, DeadlineState> {
        HashMap::from([(
            "cfp@kvm".to_owned(),
            DeadlineState {
                due: at(due),
                sequence: 0,
                changed_at: at("2015-04-01T00:00:00Z"),
                previous_due: None,
                status,
            },
        )])
    }

    fn due(states: &States, now: &str) -> Vec<(What, bool)> {
        let catalog = catalog(DeadlineKind::Cfp);
        due_now(&catalog, &leads(), states, at(now))
            .into_iter()
            .map(|p| (p.what, p.late))
            .collect()
    }

    #[test]
    fn the_latest_reminder_whose_time_came_is_due() {
        let states = seen("2015-05-01T12:00:00Z", None);
        assert!(due(&states, "2015-04-17T11:59:59Z").is_empty());
        assert_eq!(
            due(&states, "2015-04-17T12:00:30Z"),
            [(What::Lead(lead("14d")), false)]
        );
        // Asleep from before the 3-day to after the 1-day reminder.
        assert_eq!(
            due(&states, "2015-04-30T18:00:00Z"),
            [(What::Lead(lead("1d")), true)]
        );
    }

    #[test]
    fn past_done_and_muted_deadlines_are_quiet() {
        let open = seen("2015-05-01T12:00:00Z", None);
        assert!(due(&open, "2015-05-01T12:00:00Z").is_empty());
        for status in [Status::Done, Status::Muted] {
            assert!(
                due(
                    &seen("2015-05-01T12:00:00Z", Some(status)),
                    "2015-04-30T13:00:00Z"
                )
                .is_empty()
            );
        }
    }

    #[test]
    fn a_moved_deadline_has_one_change_notice_and_rearms() {
        let mut states = seen("2015-05-01T12:00:00Z", None);
        if let Some(state) = states.get_mut("cfp@kvm") {
            state.previous_due = Some(at("2015-04-24T12:00:00Z"));
            state.changed_at = at("2015-04-22T00:00:00Z");
        }
        // The 14-day reminder of the new date had passed when the move was
        // seen: the change notice stands for it.
        assert_eq!(
            due(&states, "2015-04-22T00:00:10Z"),
            [(What::Changed, false)]
        );
        assert_eq!(
            due(&states, "2015-04-28T12:00:00Z"),
            [(What::Changed, false), (What::Lead(lead("3d")), false)]
        );
    }

    #[test]
    fn a_cfp_first_seen_after_the_first_look_is_new_once_it_stays_put() {
        let mut catalog = catalog(DeadlineKind::Cfp);
        catalog.deadlines[0].uid = "cfp.kvm-2015@confcal".into();
        let state = |changed_at: &str, sequence| DeadlineState {
            due: at("2015-05-01T12:00:00Z"),
            sequence,
            changed_at: at(changed_at),
            previous_due: None,
            status: None,
        };
        let with = |cfp: DeadlineState| {
            HashMap::from([
                ("other".to_owned(), state("2015-04-01T00:00:00Z", 0)),
                ("cfp.kvm-2015@confcal".to_owned(), cfp),
            ])
        };
        let now = at("2015-04-10T00:00:05Z");
        let new = |states: &States| {
            new_cfps(&catalog, states, now)
                .into_iter()
                .map(|p| (p.what, p.at))
                .collect::<Vec<_>>()
        };
        let appeared = with(state("2015-04-10T00:00:00Z", 0));
        assert_eq!(new(&appeared), [(What::NewCfp, at("2015-04-10T00:00:00Z"))]);
        assert!(new(&with(state("2015-04-01T00:00:00Z", 0))).is_empty());
        assert!(new(&with(state("2015-04-10T00:00:00Z", 1))).is_empty());
        assert!(new_cfps(&catalog, &appeared, at("2015-05-02T00:00:00Z")).is_empty());
    }

    #[test]
    fn leads_follow_the_kind_and_the_next_wakeup_is_the_next_reminder() {
        let catalog = catalog(DeadlineKind::Registration);
        let states = seen("2015-05-01T12:00:00Z", None);
        let now = at("2015-04-20T00:00:00Z");
        assert_eq!(
            next_after(&catalog, &leads(), &states, now),
            Some(at("2015-04-24T12:00:00Z"))
        );
        let cfp = self::catalog(DeadlineKind::Cfp);
        assert_eq!(
            next_after(&cfp, &leads(), &states, now),
            Some(at("2015-04-28T12:00:00Z"))
        );
        assert_eq!(
            next_after(&cfp, &leads(), &states, at("2015-05-01T12:00:00Z")),
            None
        );
    }
}
