//! Announcements in, events and deadlines out: reading conference dates,
//! CFP closings and registration cutoffs from prose.

pub mod dates;
