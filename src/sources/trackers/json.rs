//! The JSON the trackers publish: a top-level array of records, each read
//! on its own so that one record of the wrong shape costs only itself, and
//! each named by the line it starts on.

use serde::de::DeserializeOwned;
use serde_json::value::RawValue;

use super::File;
use crate::place::{LineIndex, Place, Placed};

/// The records of a JSON array file as `T`, each with its line; a record
/// that is not a `T` is reported with its line and left out. A file that
/// is not a JSON array is one problem.
pub(crate) fn records<T: DeserializeOwned>(file: &File<'_>) -> (Vec<(T, usize)>, Vec<Placed>) {
    let text = file.text.trim_start_matches('\u{feff}');
    let raws: Vec<&RawValue> = match serde_json::from_str(text) {
        Ok(raws) => raws,
        Err(e) => {
            let problem = Placed {
                place: Place {
                    path: file.path.to_owned(),
                    line: e.line().max(1),
                    column: e.column().max(1),
                },
                message: format!("not a JSON array of records: {e}"),
            };
            return (Vec::new(), vec![problem]);
        }
    };
    let lines = LineIndex::new(text);
    let base = text.as_ptr() as usize;
    let (mut out, mut problems) = (Vec::with_capacity(raws.len()), Vec::new());
    for raw in raws {
        let offset = (raw.get().as_ptr() as usize).saturating_sub(base);
        let line = lines.line(offset);
        match serde_json::from_str::<T>(raw.get()) {
            Ok(record) => out.push((record, line)),
            Err(e) => problems.push(file.problem(
                line + e.line().saturating_sub(1),
                format!("record left out: {e}"),
            )),
        }
    }
    (out, problems)
}

/// The trimmed, non-empty string at `key` of a JSON record.
pub(crate) fn text<'a>(
    record: &'a serde_json::Map<String, serde_json::Value>,
    key: &str,
) -> Option<&'a str> {
    record
        .get(key)
        .and_then(serde_json::Value::as_str)
        .map(str::trim)
        .filter(|t| !t.is_empty())
}
