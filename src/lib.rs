//! confcal: a calendar feed and CFP deadline tracker.
//!
//! Sources (curated files, iCalendar feeds, announcements) are read into
//! [`model`] types, merged into one [`model::Catalog`], and published as a
//! feed, queried for what is coming up, and watched for reminders. The
//! layout follows the data flow: `config` → `sources` → `merge` → `feed`
//! and `query`, tied together by `load` and the `commands`.

pub mod cli;
pub mod commands;
pub mod config;
pub mod daemon;
pub mod extract;
pub mod feed;
pub mod identity;
pub mod load;
pub mod merge;
pub mod model;
pub mod place;
pub mod query;
pub mod recur;
pub mod refresh;
pub mod remind;
pub mod schedule;
pub mod server;
pub mod snapshot;
pub mod sources;
pub mod store;
pub mod time;
pub mod watch;
