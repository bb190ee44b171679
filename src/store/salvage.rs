//! What can still be read from a damaged state file, copied into the
//! fresh one that replaces it: table by table, row by row, until a table's
//! rows can no longer be read. The reminder ledger comes first, as losing
//! it is what could make a reminder be sent twice; stored bodies can be
//! fetched again. Rows the new file already has are kept as they are.

use std::path::Path;

use rusqlite::types::Value;
use rusqlite::{Connection, OpenFlags};

use super::Store;

/// The tables copied, most precious first.
const TABLES: [&str; 3] = ["delivery", "deadline", "source"];

/// Copies what can be read of `damaged` into `into`; returns how many rows
/// were copied. Nothing here fails: what cannot be read is left behind.
pub(super) fn salvage(damaged: &Path, into: &Store) -> usize {
    let Ok(from) = Connection::open_with_flags(damaged, OpenFlags::SQLITE_OPEN_READ_ONLY) else {
        return 0;
    };
    TABLES
        .iter()
        .map(|table| copy_table(&from, &into.conn, table))
        .sum()
}

/// Copies the readable rows of `table`, in one transaction.
fn copy_table(from: &Connection, into: &Connection, table: &str) -> usize {
    let Ok(mut select) = from.prepare(&format!("SELECT * FROM {table}")) else {
        return 0;
    };
    let columns: Vec<String> = select
        .column_names()
        .iter()
        .map(|c| (*c).to_owned())
        .collect();
    let insert = format!(
        "INSERT OR IGNORE INTO {table} ({}) VALUES ({})",
        columns.join(", "),
        vec!["?"; columns.len()].join(", ")
    );
    let Ok(mut rows) = select.query([]) else {
        return 0;
    };
    let Ok(tx) = into.unchecked_transaction() else {
        return 0;
    };
    let mut copied = 0;
    while let Ok(Some(row)) = rows.next() {
        let values: Result<Vec<Value>, _> = (0..columns.len()).map(|i| row.get(i)).collect();
        let Ok(values) = values else { break };
        if tx
            .execute(&insert, rusqlite::params_from_iter(values))
            .is_ok_and(|n| n == 1)
        {
            copied += 1;
        }
    }
    drop(rows);
    if tx.commit().is_err() {
        return 0;
    }
    copied
}
