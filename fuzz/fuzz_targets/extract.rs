//! Fuzzes the extractor: arbitrary bytes read as each kind of announcement
//! (Markdown, HTML, email, reStructuredText, AsciiDoc — the first byte
//! picks which, the second whether a publication date is known), then
//! every event and deadline it finds is formatted.

#![no_main]

use chrono::NaiveDate;
use confcal::extract::{extract, text};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let [format, dated, rest @ ..] = data else {
        return;
    };
    let body = String::from_utf8_lossy(rest);
    let doc = match format % 5 {
        0 => text::from_markdown(&body),
        1 => text::from_html(&body),
        2 => text::from_email(&body),
        3 => text::from_rst(&body),
        _ => text::from_asciidoc(&body),
    };
    let published = (dated % 2 == 1).then(|| NaiveDate::from_ymd_opt(2031, 3, 4)).flatten();
    let found = extract(&doc, published);
    for event in &found.events {
        assert!(event.end >= event.start || event.end.is_none() || event.start.is_none());
        let _ = format!("{event:?}");
    }
});
