//! Delivering the notices that are due, through the ledger: each delivery
//! is claimed in the state file before its notifier runs (see
//! [`crate::store::Delivery`] for why before), marked sent after, and
//! handed back when the notifier fails, so it is tried again later. One
//! notifier failing holds up no other: each works through the notices on
//! its own, stops at its first failure and keeps its own retry time. A
//! notice a notifier can never deliver (a permanent failure) is recorded
//! as failed for it, logged once, and the queue moves on past it.

use std::cell::RefCell;
use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use futures_util::future::join_all;

use super::notify::{Notifier, NotifyError};
use super::schedule::{Pending, due_now, new_cfps, next_after};
use super::{Notice, message};
use crate::config::Config;
use crate::model::Catalog;
use crate::schedule::doubling;
use crate::store::{Delivery, States, Store, StoreError};

/// The first retry of a failing notifier waits this long; each further
/// failure doubles it, up to [`RETRY_CAP`].
const RETRY_BASE: Duration = Duration::seconds(5);
const RETRY_CAP: Duration = Duration::minutes(5);

/// The notifiers and when each may be tried again after failing.
pub struct Deliverer {
    notifiers: Vec<Notifier>,
    failing: HashMap<&'static str, Failing>,
}

#[derive(Debug, Clone, Copy)]
struct Failing {
    failures: u32,
    retry_at: DateTime<Utc>,
}

impl Deliverer {
    #[must_use]
    pub fn new(notifiers: Vec<Notifier>) -> Self {
        Deliverer {
            notifiers,
            failing: HashMap::new(),
        }
    }

    /// Delivers every notice due at `now` that the ledger has not seen,
    /// through every notifier not waiting to retry. Each notifier goes
    /// through the notices in order and stops at its first failure; the
    /// notifiers run side by side. Returns how many deliveries were made.
    /// `states` is what the ledger knows of each deadline, as read from
    /// `store` for this turn.
    pub async fn deliver(
        &mut self,
        catalog: &Catalog,
        config: &Config,
        store: &mut Store,
        states: &States,
        now: DateTime<Utc>,
    ) -> Result<Delivered, StoreError> {
        // After a damaged state file was replaced, what was due before
        // the new ledger began may have been sent already: it is past.
        let ledger_from = store.ledger_from()?;
        let catalog = &config.watch.narrow(catalog);
        let mut pending = due_now(catalog, &config.reminders.leads, states, now);
        if !config.watch.is_empty() {
            pending.extend(new_cfps(catalog, states, now));
        }
        let notices: Vec<(Pending<'_>, Notice)> = pending
            .into_iter()
            .filter(|pending| ledger_from.is_none_or(|from| pending.at >= from))
            .map(|pending| {
                let previous = states
                    .get(&pending.deadline.uid)
                    .and_then(|s| s.previous_due);
                let notice = message::notice(&pending, previous, now, config.default_timezone);
                (pending, notice)
            })
            .collect();
        if notices.is_empty() {
            return Ok(Delivered::default());
        }
        let ledger = RefCell::new(store);
        let ready = self.ready(now);
        let runs = ready
            .iter()
            .map(|&i| run(&self.notifiers[i], &notices, &ledger, now));
        let outcomes = join_all(runs).await;
        let mut delivered = Delivered::default();
        for (&i, outcome) in ready.iter().zip(outcomes) {
            let name = self.notifiers[i].name();
            let outcome = outcome?;
            delivered.sent += outcome.delivered;
            delivered.undeliverable += outcome.undeliverable;
            match outcome.failure {
                None => {
                    self.failing.remove(name);
                }
                Some((summary, error)) => {
                    let retry_at = self.failed(name, now);
                    tracing::warn!(
                        "{name} notifier failed for \"{summary}\": {error}; trying again at {}",
                        crate::time::stamp(retry_at)
                    );
                }
            }
        }
        Ok(delivered)
    }

    /// When something next needs doing: the next reminder's time, or a
    /// failing notifier's retry.
    #[must_use]
    pub fn next_wake(
        &self,
        catalog: &Catalog,
        config: &Config,
        states: &States,
        now: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        let catalog = &config.watch.narrow(catalog);
        let reminder = next_after(catalog, &config.reminders.leads, states, now);
        let retry = self.failing.values().map(|f| f.retry_at).min();
        reminder.into_iter().chain(retry).min()
    }

    /// The indices of the notifiers not waiting to retry.
    fn ready(&self, now: DateTime<Utc>) -> Vec<usize> {
        (0..self.notifiers.len())
            .filter(|i| {
                self.failing
                    .get(self.notifiers[*i].name())
                    .is_none_or(|f| f.retry_at <= now)
            })
            .collect()
    }

    /// Counts a failure of `name` and returns when to try it again.
    fn failed(&mut self, name: &'static str, now: DateTime<Utc>) -> DateTime<Utc> {
        let failures = self.failing.get(name).map_or(0, |f| f.failures) + 1;
        let retry_at = now + doubling(RETRY_BASE, RETRY_CAP, failures);
        self.failing.insert(name, Failing { failures, retry_at });
        retry_at
    }
}

/// What one call of [`Deliverer::deliver`] did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Delivered {
    /// Deliveries made.
    pub sent: usize,
    /// Notices recorded as never deliverable through some notifier.
    pub undeliverable: usize,
}

/// What one notifier's run came to.
struct Outcome {
    delivered: usize,
    undeliverable: usize,
    /// The notice it failed on, and why.
    failure: Option<(String, NotifyError)>,
}

/// Sends each of `notices` not yet claimed through `notifier`, in order,
/// claiming each in the ledger first; stops at the first failure, handing
/// that claim back. The ledger is only borrowed between sends.
async fn run(
    notifier: &Notifier,
    notices: &[(Pending<'_>, Notice)],
    ledger: &RefCell<&mut Store>,
    now: DateTime<Utc>,
) -> Result<Outcome, StoreError> {
    let (mut delivered, mut undeliverable) = (0, 0);
    for (pending, notice) in notices {
        let delivery = delivery(pending, notifier.name());
        if !ledger.borrow_mut().claim(&delivery, now)? {
            continue;
        }
        match notifier.send(notice).await {
            Ok(()) => {
                ledger.borrow_mut().sent(&delivery, now)?;
                delivered += 1;
            }
            Err(error) if error.is_permanent() => {
                tracing::warn!(
                    "{} notifier can never deliver \"{}\": {error}; recorded as failed, not tried again",
                    notifier.name(),
                    notice.summary
                );
                ledger
                    .borrow_mut()
                    .undeliverable(&delivery, &error.to_string(), now)?;
                undeliverable += 1;
            }
            Err(error) => {
                ledger.borrow_mut().release(&delivery)?;
                return Ok(Outcome {
                    delivered,
                    undeliverable,
                    failure: Some((notice.summary.clone(), error)),
                });
            }
        }
    }
    Ok(Outcome {
        delivered,
        undeliverable,
        failure: None,
    })
}

fn delivery(pending: &Pending<'_>, notifier: &'static str) -> Delivery {
    Delivery {
        uid: pending.deadline.uid.clone(),
        due: pending.due,
        what: pending.what,
        notifier,
    }
}
