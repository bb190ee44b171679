//! Front matter: the YAML (`---`) or TOML (`+++`) header at the very top of
//! a Markdown post, which names its title and the day it was published.
//! Only top-level string and date fields are read. A header that does not
//! parse is still front matter: its `key: value` lines are read one by one
//! for the title and the date, and a warning says it is broken.

use chrono::NaiveDate;
use yaml_rust2::parser::{Event as YamlEvent, Parser as YamlParser};

use super::{collapse, parse_date};

/// The top-level fields of front matter whose values are strings or dates,
/// as (key, value) in the order written.
type Fields = Vec<(String, String)>;

/// What front matter says about a document.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct FrontMatter {
    pub(super) title: Option<String>,
    pub(super) published: Option<NaiveDate>,
    pub(super) warnings: Vec<String>,
}

/// Front matter keys that give the publication date, most wanted first.
const PUBLISHED_KEYS: &[&str] = &["date", "published", "pubDate", "pubdate"];

impl FrontMatter {
    /// Reads the title and date from the top-level string fields of the
    /// front matter. A key whose value is no date (`published: true`) is
    /// passed over for the next.
    fn from_fields(fields: &Fields) -> FrontMatter {
        let value =
            |key: &'static str| fields.iter().filter(move |(k, _)| k == key).map(|(_, v)| v);
        FrontMatter {
            title: value("title").map(|v| collapse(v)).find(|t| !t.is_empty()),
            published: PUBLISHED_KEYS
                .iter()
                .find_map(|key| value(key).find_map(|v| parse_date(v))),
            warnings: Vec::new(),
        }
    }
}

/// Splits front matter off the top of `text`: what it says, and the byte
/// offset where the body starts. Text without front matter that parses is
/// all body.
pub(super) fn split(text: &str) -> (FrontMatter, usize) {
    let start = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let mut lines = text[start..]
        .split_inclusive('\n')
        .scan(start, |offset, line| {
            let at = *offset;
            *offset += line.len();
            Some((at, line))
        });
    let Some((_, opening)) = lines.next() else {
        return (FrontMatter::default(), 0);
    };
    let (fence, read): (&str, fn(&str) -> Option<Fields>) = match opening.trim_end() {
        "---" => ("---", yaml_fields),
        "+++" => ("+++", toml_fields),
        _ => return (FrontMatter::default(), 0),
    };
    let inside = start + opening.len();
    let closing = lines.find(|(_, line)| {
        let line = line.trim_end();
        line == fence || (fence == "---" && line == "...")
    });
    let Some((close, line)) = closing else {
        return (FrontMatter::default(), 0);
    };
    let header = &text[inside..close];
    let body = close + line.len();
    if let Some(fields) = read(header) {
        return (FrontMatter::from_fields(&fields), body);
    }
    let mut front = FrontMatter::from_fields(&line_fields(header));
    let first = text[..inside].matches('\n').count() + 1;
    front.warnings.push(format!(
        "the front matter (lines {first}-{}) does not parse; read its title and date line by line",
        text[..close].matches('\n').count() + 1
    ));
    (front, body)
}

/// `key: value` (or `key = value`) lines at the top level of a header that
/// does not parse as a whole, with quotes around values removed.
fn line_fields(header: &str) -> Fields {
    header
        .lines()
        .filter(|line| !line.starts_with([' ', '\t', '-', '#']))
        .filter_map(|line| line.split_once(':').or_else(|| line.split_once('=')))
        .map(|(key, value)| {
            let value = value.trim().trim_matches(['"', '\'']);
            (key.trim().to_owned(), value.to_owned())
        })
        .filter(|(key, value)| !key.is_empty() && !value.is_empty())
        .collect()
}

/// The top-level scalar fields of a YAML mapping, or None if the text is not
/// YAML or not a mapping. Reads parser events rather than building a tree,
/// so that aliases are never expanded.
fn yaml_fields(source: &str) -> Option<Fields> {
    let mut parser = YamlParser::new_from_str(source);
    let mut fields = Vec::new();
    let mut depth = 0usize;
    let mut key: Option<String> = None;
    loop {
        let (event, _) = parser.next_token().ok()?;
        match event {
            YamlEvent::StreamEnd => return Some(fields),
            YamlEvent::SequenceStart(..) | YamlEvent::Scalar(..) | YamlEvent::Alias(_)
                if depth == 0 =>
            {
                return None;
            }
            YamlEvent::MappingStart(..) | YamlEvent::SequenceStart(..) => depth += 1,
            YamlEvent::MappingEnd | YamlEvent::SequenceEnd => {
                depth = depth.saturating_sub(1);
                if depth == 1 {
                    key = key.is_none().then(String::new);
                }
            }
            YamlEvent::Scalar(value, ..) if depth == 1 => match key.take() {
                Some(k) => fields.push((k, value)),
                None => key = Some(value),
            },
            // A value that is no string uses its key up; a key that is no
            // string leaves a placeholder, whose value is then dropped.
            YamlEvent::Alias(_) if depth == 1 => key = key.is_none().then(String::new),
            _ => {}
        }
    }
}

/// The top-level string and date fields of a TOML table, or None if the
/// text is not TOML.
fn toml_fields(source: &str) -> Option<Fields> {
    let table: toml::Table = toml::from_str(source).ok()?;
    let fields = table
        .into_iter()
        .filter_map(|(key, value)| match value {
            toml::Value::String(s) => Some((key, s)),
            toml::Value::Datetime(d) => Some((key, d.to_string())),
            _ => None,
        })
        .collect();
    Some(fields)
}

#[cfg(test)]
mod tests {
    use super::super::from_markdown;
    use super::super::testing::{block, date, heading};

    #[test]
    fn yaml_front_matter_gives_title_and_date() {
        let text = "---\n\
                    title: \"Hypervisor Summit: Call for Talks\"\n\
                    author:\n  name: Someone\n\
                    date: 2019-06-10 09:30 UTC\n\
                    published: true\n\
                    tags: [cfp, summit]\n\
                    ---\n\
                    \n\
                    Talks are due June 30.\n";
        let document = from_markdown(text);
        assert_eq!(
            document.title.as_deref(),
            Some("Hypervisor Summit: Call for Talks")
        );
        assert_eq!(document.published, date(2019, 6, 10));
        assert_eq!(document.blocks, [block(10, "Talks are due June 30.")]);
    }

    #[test]
    fn a_published_flag_gives_way_to_a_pub_date() {
        let text =
            "---\npublished: true\npubDate: \"Tue, 10 Sep 2019 23:30:00 -0700\"\n---\nBody.\n";
        assert_eq!(from_markdown(text).published, date(2019, 9, 10));
    }

    #[test]
    fn toml_front_matter_gives_title_and_date() {
        let text = "+++\ntitle = \"Storage Days\"\ndate = 2021-09-14\n+++\n# Storage Days\n";
        let document = from_markdown(text);
        assert_eq!(document.title.as_deref(), Some("Storage Days"));
        assert_eq!(document.published, date(2021, 9, 14));
        assert_eq!(document.blocks, [heading(5, "Storage Days")]);

        let text = "+++\npublished = 2021-09-14T22:00:00-07:00\n+++\nBody\n";
        assert_eq!(from_markdown(text).published, date(2021, 9, 14));
    }

    #[test]
    fn front_matter_that_does_not_parse_is_read_line_by_line_with_a_warning() {
        let text =
            "---\ntitle: \"Storage Days: CFP\ndate: 2031-02-03\nlayout: [post\n---\nBody text.\n";
        let document = from_markdown(text);
        assert_eq!(document.title.as_deref(), Some("Storage Days: CFP"));
        assert_eq!(document.published, date(2031, 2, 3));
        assert_eq!(document.blocks, [block(6, "Body text.")]);
        assert_eq!(
            document.warnings,
            ["the front matter (lines 2-5) does not parse; read its title and date line by line"]
        );

        let document = from_markdown("+++\ntitle = \n+++\n");
        assert_eq!(document.title, None);

        let unclosed = from_markdown("---\ntitle: Never closed\n\nBody.\n");
        assert_eq!(unclosed.title, None);
        assert_eq!(
            unclosed.blocks,
            [block(2, "title: Never closed"), block(4, "Body.")]
        );
    }
}
