// Reads an iCalendar file with ical.js (Mozilla's parser, used by
// Thunderbird) and prints what it saw.
//
// Usage: node parse_icaljs.mjs FILE.ics [START END]
//
// Prints one JSON object on standard output: "events", one entry per VEVENT
// in file order with its UID, SUMMARY, DTSTART, whether DTSTART is a date,
// its RECURRENCE-ID (null when absent) and whether it has rules; for a
// recurring VEVENT also "occurrences", what ICAL.Event's iterator makes of
// it with the file's other VEVENTs of the same UID as exceptions, each
// with its start and RECURRENCE-ID. Those are the occurrences that overlap
// the window from START (inclusive) to END (exclusive), as
// recurring-ical-events and `confcal upcoming` count them: one under way at
// START is in it, and so is one of no length starting at START. START and
// END are RFC 3339 instants, or dates read as midnight UTC.
//
// A time with a zone is given in UTC ("2012-09-04T14:00:00Z"), a floating
// one without "Z", a date as YYYY-MM-DD; zones are worked out with the
// file's own VTIMEZONEs.
//
// Exits 1, saying why on standard error, on any exception, when a property
// value does not decode, and when a TZID is used that no VTIMEZONE defines
// (ical.js would read it as floating).
//
// ical.js comes from the node_modules beside this file: `npm ci` here, or
// as tests/interop.rs does, in a folder holding package.json,
// package-lock.json and a copy of this file.

import { readFileSync } from "node:fs";

import ICAL from "ical.js";

/** Upper bound on the occurrences of one series, against endless rules. */
const MAX_OCCURRENCES = 10000;

function fail(message) {
  process.stderr.write(`parse_icaljs: ${message}\n`);
  process.exit(1);
}

/** Seconds since the epoch of a window bound. */
function bound(text) {
  const millis = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text);
  if (Number.isNaN(millis)) {
    fail(`${JSON.stringify(text)} is neither a date nor an RFC 3339 instant`);
  }
  return millis / 1000;
}

/** A time as a string: a date, a UTC time, or a floating time. */
function iso(time) {
  if (time.isDate || time.zone === ICAL.Timezone.localTimezone) {
    return time.toString();
  }
  return time.convertToZone(ICAL.Timezone.utcTimezone).toString();
}

/**
 * Fails unless every property of `vevent` decodes and every TZID on them has
 * a VTIMEZONE.
 */
function checkProperties(vevent) {
  const uid = vevent.getFirstPropertyValue("uid");
  for (const property of vevent.getAllProperties()) {
    const name = property.name.toUpperCase();
    try {
      property.getValues();
    } catch (error) {
      fail(`${uid}: ${name} does not decode: ${error.message}`);
    }
    const tzid = property.getParameter("tzid");
    if (tzid && !vevent.getTimeZoneByID(tzid)) {
      fail(`${uid}: ${name};TZID=${tzid}: no VTIMEZONE defines it`);
    }
  }
}

/** The occurrences of `event` that overlap [start, end). */
function expand(event, start, end) {
  // An exception can move an occurrence earlier, so the rule's own instants
  // are followed past `end` by the largest such move.
  const moves = Object.values(event.exceptions).map(
    (e) => e.recurrenceId.toUnixTime() - e.startDate.toUnixTime(),
  );
  const last = end + Math.max(0, ...moves);
  const occurrences = [];
  const iterator = event.iterator();
  for (let n = 0; n < MAX_OCCURRENCES; n++) {
    const next = iterator.next();
    if (!next || next.toUnixTime() >= last) {
      return occurrences;
    }
    const details = event.getOccurrenceDetails(next);
    const from = details.startDate.toUnixTime();
    const until = details.endDate.toUnixTime();
    if (from < end && (until > start || from >= start)) {
      occurrences.push({
        start: iso(details.startDate),
        recurrence_id: iso(details.recurrenceId),
      });
    }
  }
  fail(`${event.uid}: more than ${MAX_OCCURRENCES} occurrences before the window ends`);
}

function summarize(vevent, exceptions, window) {
  checkProperties(vevent);
  const event = new ICAL.Event(vevent, { exceptions, strictExceptions: true });
  const start = event.startDate;
  if (!start) {
    fail(`${event.uid}: no DTSTART`);
  }
  const recurrenceId = event.recurrenceId;
  const summary = {
    uid: event.uid,
    summary: event.summary,
    dtstart: iso(start),
    all_day: start.isDate,
    recurrence_id: recurrenceId ? iso(recurrenceId) : null,
    recurring: event.isRecurring(),
  };
  if (summary.recurring && window) {
    summary.occurrences = expand(event, ...window);
  }
  return summary;
}

function main(argv) {
  if (argv.length !== 1 && argv.length !== 3) {
    fail("usage: parse_icaljs.mjs FILE.ics [START END]");
  }
  const [path, ...bounds] = argv;
  const window = bounds.length ? bounds.map(bound) : null;
  const calendar = new ICAL.Component(ICAL.parse(readFileSync(path, "utf8")));
  if (calendar.name !== "vcalendar") {
    fail(`${path}: the top component is ${calendar.name}, not vcalendar`);
  }
  const vevents = calendar.getAllSubcomponents("vevent");
  const exceptionsOf = (uid) =>
    vevents.filter(
      (v) => v.hasProperty("recurrence-id") && v.getFirstPropertyValue("uid") === uid,
    );
  const events = vevents.map((vevent) =>
    summarize(
      vevent,
      vevent.hasProperty("recurrence-id") ? [] : exceptionsOf(vevent.getFirstPropertyValue("uid")),
      window,
    ),
  );
  process.stdout.write(`${JSON.stringify({ events }, null, 2)}\n`);
}

try {
  main(process.argv.slice(2));
} catch (error) {
  fail(`${process.argv[2]} does not parse: ${error?.stack ?? error}`);
}
