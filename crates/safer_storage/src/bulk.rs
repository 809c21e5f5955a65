//! Multi-row statements: one `INSERT … VALUES (…), (…)` per batch instead of a round trip per
//! row, which is what makes bulk loads fast on PostgreSQL.

use crate::Backend;

/// The most bind parameters one statement may carry: SQLite's limit is 32766, PostgreSQL's
/// 65535.
pub(crate) fn max_binds(backend: &Backend) -> usize {
    match backend {
        Backend::Sqlite(_) => 32_766,
        Backend::Postgres(_) => 65_535,
    }
}

/// Rows per `INSERT` at most, whatever the bind limit allows: larger statements gain no speed.
pub(crate) const MAX_ROWS_PER_INSERT: usize = 1_000;

/// Rows per statement for a table of `n_columns` columns on `backend`.
pub(crate) fn rows_per_insert(backend: &Backend, n_columns: usize) -> usize {
    (max_binds(backend) / n_columns.max(1)).clamp(1, MAX_ROWS_PER_INSERT)
}

/// `INSERT INTO table (cols) VALUES ($1, …), (…)` for `n_rows` rows; with `numbered` false the
/// placeholders are `?`. SQLite looks up a numbered parameter's name by a linear scan, so binding
/// thousands of `$N` parameters takes quadratic time there; anonymous `?` parameters bind in
/// constant time.
pub(crate) fn insert_values_sql(
    table: &str,
    columns: &[&str],
    n_rows: usize,
    numbered: bool,
) -> String {
    let mut sql = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
    let mut param = 1;
    for row in 0..n_rows {
        if row > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for col in 0..columns.len() {
            if col > 0 {
                sql.push_str(", ");
            }
            if numbered {
                sql.push('$');
                sql.push_str(&param.to_string());
                param += 1;
            } else {
                sql.push('?');
            }
        }
        sql.push(')');
    }
    sql
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders() {
        assert_eq!(
            insert_values_sql("t", &["a", "b"], 2, true),
            "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4)"
        );
        assert_eq!(insert_values_sql("t", &["a"], 2, false), "INSERT INTO t (a) VALUES (?), (?)");
    }
}
