//! Locating problems in TOML files: a path of keys and indexes into the parsed document
//! becomes the span of the deepest node that exists, and a byte offset becomes a line and
//! column. Shared by every TOML format Safer reads (the plan, survey definitions, indicators).

use std::ops::Range;

use toml_edit::{ImDocument, Item, Table, TableLike, Value};

/// One step of the path from the top of a file to a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Seg {
    /// A key of a table.
    Key(&'static str),
    /// An element of an array (or array of tables).
    Index(usize),
}

/// Line and column (both from 1; the column in characters) of a byte offset into `source`.
pub(crate) fn line_column(source: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(source.len());
    let before = &source.as_bytes()[..offset];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let column = String::from_utf8_lossy(&before[line_start..]).chars().count() + 1;
    (line, column)
}

/// A node of the parsed document, whichever of toml_edit's types holds it.
#[derive(Clone, Copy)]
enum Node<'a> {
    Item(&'a Item),
    Table(&'a Table),
    Value(&'a Value),
}

impl<'a> Node<'a> {
    fn span(self) -> Option<Range<usize>> {
        match self {
            Node::Item(item) => item.span(),
            Node::Table(table) => table.span(),
            Node::Value(value) => value.span(),
        }
    }

    fn table_like(self) -> Option<&'a dyn TableLike> {
        match self {
            Node::Item(item) => item.as_table_like(),
            Node::Table(table) => Some(table),
            Node::Value(value) => value.as_inline_table().map(|t| t as &dyn TableLike),
        }
    }

    /// The child at `seg`, with the span of its key when it is a key (the key's line reads best).
    fn child(self, seg: &Seg) -> Option<(Node<'a>, Option<Range<usize>>)> {
        match seg {
            Seg::Key(key) => {
                let (k, item) = self.table_like()?.get_key_value(key)?;
                Some((Node::Item(item), k.span()))
            }
            Seg::Index(i) => match self {
                Node::Item(Item::ArrayOfTables(tables)) => {
                    Some((Node::Table(tables.get(*i)?), None))
                }
                Node::Item(Item::Value(Value::Array(array))) | Node::Value(Value::Array(array)) => {
                    Some((Node::Value(array.get(*i)?), None))
                }
                _ => None,
            },
        }
    }
}

/// The span of the deepest node along `path` that exists in the document: a key's own span
/// when the step is a key (the key's line reads best), an element's span when it is an index.
pub(crate) fn span_of(doc: &ImDocument<&str>, path: &[Seg]) -> Option<Range<usize>> {
    let mut node = Node::Table(doc.as_table());
    let mut best = None;
    for seg in path {
        let Some((child, key_span)) = node.child(seg) else { break };
        best = key_span.or_else(|| child.span()).or(best);
        node = child;
    }
    best
}
