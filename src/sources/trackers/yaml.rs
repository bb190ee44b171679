//! The YAML the trackers publish, read as a tree that remembers the line of
//! every node, so that each record and each field can be named `file:line`.
//!
//! Scalars stay text: the trackers' own readers (Jekyll, `PyYAML`, `js-yaml`)
//! disagree on what `2024-05-01` or `1e3` are, and every field here is read
//! by the format that defines it. A file that is not valid YAML is read
//! again record by record (the top-level `- ` items), so that one broken
//! record costs only itself.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, ScanError, TScalarStyle};

use crate::place::{Place, Placed};

/// A node and the line it starts on.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    pub(crate) line: usize,
    pub(crate) value: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    /// `~`, `null` or nothing.
    Null,
    Text(String),
    List(Vec<Node>),
    Map(Vec<(String, Node)>),
}

impl Node {
    /// The value of `key`, when this is a map that has it (its last value
    /// when the key is repeated, as the trackers' own YAML readers take it).
    pub(crate) fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(entries) => entries.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The text of `key`, trimmed, when it is a non-empty scalar.
    pub(crate) fn text(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(Node::as_text)
    }

    /// This node's text, trimmed, when it is a non-empty scalar.
    pub(crate) fn as_text(&self) -> Option<&str> {
        match &self.value {
            Value::Text(t) if !t.trim().is_empty() => Some(t.trim()),
            _ => None,
        }
    }

    /// The items of a list; anything else (a lone scalar, a null) counts
    /// as a list of one, so that a value left empty is still seen.
    pub(crate) fn items(&self) -> Vec<&Node> {
        match &self.value {
            Value::List(items) => items.iter().collect(),
            _ => vec![self],
        }
    }

    /// The keys of a map, for checking them against a format's own.
    pub(crate) fn keys(&self) -> Vec<(&str, usize)> {
        match &self.value {
            Value::Map(entries) => entries.iter().map(|(k, v)| (k.as_str(), v.line)).collect(),
            _ => Vec::new(),
        }
    }

    /// The texts of a list of scalars (or of one scalar, or of a
    /// comma-separated scalar).
    pub(crate) fn words(&self, key: &str) -> Vec<String> {
        let Some(node) = self.get(key) else {
            return Vec::new();
        };
        node.items()
            .into_iter()
            .filter_map(Node::as_text)
            .flat_map(|t| t.split(','))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .collect()
    }
}

/// The top-level records of a YAML file: the items of its list (of every
/// document). A file that does not parse is read again item by item; each
/// item that still does not parse is reported and left out.
pub(crate) fn records(path: &Path, text: &str) -> (Vec<Node>, Vec<Placed>) {
    if let Some(line) = too_deep(text) {
        let problem = Placed {
            place: Place {
                path: path.to_owned(),
                line,
                column: 1,
            },
            message: format!("nested deeper than {MAX_COLUMN} columns: the file is left out"),
        };
        return (Vec::new(), vec![problem]);
    }
    match documents(text, 0) {
        Ok(docs) => (docs.into_iter().flat_map(top_items).collect(), Vec::new()),
        Err(whole) => by_item(path, text, &whole),
    }
}

/// How far right a line's structure (indentation and `- `, `? `, `: `
/// indicators) may reach. The YAML parser recurses once a level, so this
/// bounds its depth (with the scanner's own limit of 255 flow levels); no
/// tracker's record comes near it.
const MAX_COLUMN: usize = 512;

/// The first line whose structure reaches past [`MAX_COLUMN`].
fn too_deep(text: &str) -> Option<usize> {
    text.lines()
        .position(|line| {
            let mut rest = line.trim_start();
            let mut column = line.len() - rest.len();
            while let Some(after) = ["- ", "? ", ": "].iter().find_map(|i| rest.strip_prefix(i)) {
                let trimmed = after.trim_start();
                column += rest.len() - trimmed.len();
                rest = trimmed;
            }
            column > MAX_COLUMN
        })
        .map(|i| i + 1)
}

fn top_items(doc: Node) -> Vec<Node> {
    match doc.value {
        Value::List(items) => items,
        Value::Null => Vec::new(),
        _ => vec![doc],
    }
}

/// Reads `text` in pieces, one per top-level `- ` item.
fn by_item(path: &Path, text: &str, whole: &ScanError) -> (Vec<Node>, Vec<Placed>) {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let starts: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i].starts_with("- ") || lines[i].trim_end() == "-")
        .collect();
    if starts.is_empty() {
        return (Vec::new(), vec![placed(path, whole, 0)]);
    }
    let (mut nodes, mut problems) = (Vec::new(), Vec::new());
    for (n, &from) in starts.iter().enumerate() {
        let to = starts.get(n + 1).copied().unwrap_or(lines.len());
        let piece: String = lines[from..to].concat();
        match documents(&piece, from) {
            Ok(docs) => nodes.extend(docs.into_iter().flat_map(top_items)),
            Err(e) => {
                let mut problem = placed(path, &e, from);
                let _ = write!(
                    problem.message,
                    " (the record at line {} is left out)",
                    from + 1
                );
                problems.push(problem);
            }
        }
    }
    (nodes, problems)
}

fn placed(path: &Path, error: &ScanError, line_offset: usize) -> Placed {
    let mark = error.marker();
    Placed {
        place: Place {
            path: path.to_owned(),
            line: mark.line() + line_offset,
            column: mark.col() + 1,
        },
        message: format!("not valid YAML: {}", error.info()),
    }
}

/// Every document of `text`, lines counted from `line_offset`.
fn documents(text: &str, line_offset: usize) -> Result<Vec<Node>, ScanError> {
    let mut builder = Builder {
        line_offset,
        ..Builder::default()
    };
    Parser::new_from_str(text).load(&mut builder, true)?;
    Ok(builder.docs)
}

/// Builds the tree from the parser's events.
#[derive(Default)]
struct Builder {
    line_offset: usize,
    docs: Vec<Node>,
    /// Open lists and maps, with their anchors; a map holds its pending
    /// key.
    stack: Vec<(Node, Option<String>, usize)>,
    anchors: HashMap<usize, Node>,
}

impl Builder {
    fn push(&mut self, node: Node, anchor: usize) {
        if anchor > 0 {
            self.anchors.insert(anchor, node.clone());
        }
        let Some((parent, key, _)) = self.stack.last_mut() else {
            self.docs.push(node);
            return;
        };
        match &mut parent.value {
            Value::List(items) => items.push(node),
            Value::Map(entries) => match key.take() {
                Some(k) => entries.push((k, node)),
                None => *key = Some(key_text(&node)),
            },
            _ => {}
        }
    }

    fn close(&mut self) {
        if let Some((node, _, anchor)) = self.stack.pop() {
            self.push(node, anchor);
        }
    }
}

fn key_text(node: &Node) -> String {
    match &node.value {
        Value::Text(t) => t.clone(),
        _ => String::new(),
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, event: Event, mark: Marker) {
        let line = mark.line() + self.line_offset;
        match event {
            Event::Scalar(text, style, anchor, _) => {
                let null = style == TScalarStyle::Plain
                    && matches!(text.as_str(), "" | "~" | "null" | "Null" | "NULL");
                let value = if null { Value::Null } else { Value::Text(text) };
                self.push(Node { line, value }, anchor);
            }
            Event::SequenceStart(anchor, _) => {
                let node = Node {
                    line,
                    value: Value::List(Vec::new()),
                };
                self.stack.push((node, None, anchor));
            }
            Event::MappingStart(anchor, _) => {
                let node = Node {
                    line,
                    value: Value::Map(Vec::new()),
                };
                self.stack.push((node, None, anchor));
            }
            Event::SequenceEnd | Event::MappingEnd => self.close(),
            Event::Alias(id) => {
                let node = self.anchors.get(&id).cloned().unwrap_or(Node {
                    line,
                    value: Value::Null,
                });
                self.push(node, 0);
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodes_know_their_lines() {
        let text = "- title: A\n  confs:\n    - year: 2024\n      timeline:\n        - deadline: 'TBD'\n- title: B\n";
        let (records, problems) = records(Path::new("a.yml"), text);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].line, 1);
        assert_eq!(records[1].line, 6);
        let conf = &records[0].get("confs").unwrap().items()[0];
        assert_eq!(conf.line, 3);
        assert_eq!(conf.text("year"), Some("2024"));
        assert_eq!(records[1].text("title"), Some("B"));
    }

    #[test]
    fn a_broken_record_costs_only_itself() {
        let text = "# list\n- name: A\n  year: 2024\n- name: [B\n  year: 2024\n- name: C\n";
        let (records, problems) = records(Path::new("c.yml"), text);
        let names: Vec<_> = records.iter().filter_map(|r| r.text("name")).collect();
        assert_eq!(names, ["A", "C"]);
        assert_eq!(problems.len(), 1);
        assert!(
            problems[0]
                .to_string()
                .ends_with("(the record at line 4 is left out)"),
            "{}",
            problems[0]
        );
    }

    #[test]
    fn nesting_too_deep_for_the_parser_is_refused_not_a_crash() {
        let mut text = String::from("- x:\n");
        for i in 1..20_000 {
            text.push_str(&" ".repeat(i + 1));
            text.push_str("k:\n");
        }
        let (nodes, problems) = records(Path::new("d.yml"), &text);
        assert!(nodes.is_empty());
        assert_eq!(
            problems[0].to_string(),
            "d.yml:513:1: nested deeper than 512 columns: the file is left out"
        );
        let dashes = "- ".repeat(600) + "x\n";
        let (_, problems) = records(Path::new("d.yml"), &dashes);
        assert_eq!(problems.len(), 1, "{problems:?}");
    }

    #[test]
    fn nulls_and_lists_read_plainly() {
        let text = "- a: ~\n  b: ''\n  c: [x, 'y']\n  d: x, y\n";
        let (records, _) = records(Path::new("n.yml"), text);
        let r = &records[0];
        assert_eq!(r.get("a").map(|n| &n.value), Some(&Value::Null));
        assert_eq!(r.text("b"), None);
        assert_eq!(r.words("c"), ["x", "y"]);
        assert_eq!(r.words("d"), ["x", "y"]);
    }
}
