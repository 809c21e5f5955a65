//! The record splitter shared by every police.uk reader: RFC 4180 quoting over a byte slice.
//!
//! One `memchr3` pass finds every `,`, `"` and `\n` in the file; a small state machine turns
//! those positions into records and fields. Unquoted fields are borrowed from the input;
//! quoted fields are borrowed too unless they contain `""` escapes, in which case they are
//! unescaped into a scratch buffer reused from record to record, so the steady state allocates
//! nothing per row.
//!
//! Rules: `""` inside quotes is one `"`; commas and newlines inside quotes are data; a `"`
//! inside an unquoted field is data (as in Python's `csv` and the `csv` crate); a record ends at
//! `\n`, and a `\r` before it is dropped; blank lines are skipped; the last record may lack its
//! newline. Problems (an unterminated quote, text after a closing quote) are reported on the
//! record, never by stopping.

use memchr::Memchr3;

/// Where a field's text is: a range of the input, or of the scratch buffer when it had to be
/// unescaped.
#[derive(Debug, Clone, Copy)]
struct Span {
    start: usize,
    end: usize,
    in_scratch: bool,
}

/// A quoting problem found while splitting a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Problem {
    /// A quoted field (0-based index) is still open at the end of the file.
    UnterminatedQuote { field: usize },
    /// Text follows the closing quote of a quoted field (0-based index) before the comma.
    TextAfterQuote { field: usize },
}

/// One record: its fields and the 1-based physical line where it starts.
#[derive(Debug)]
pub(crate) struct Record<'s> {
    /// The 1-based physical line where the record starts.
    pub(crate) line: usize,
    /// The first quoting problem, if any; the fields are then best-effort.
    pub(crate) problem: Option<Problem>,
    data: &'s [u8],
    /// `data` as text, when the whole input is valid UTF-8.
    text: Option<&'s str>,
    scratch: &'s [u8],
    spans: &'s [Span],
}

impl<'s> Record<'s> {
    /// The number of fields.
    pub(crate) fn len(&self) -> usize {
        self.spans.len()
    }

    /// The bytes of field `idx` (0-based), unquoted and unescaped. Panics when out of range.
    #[inline]
    pub(crate) fn field(&self, idx: usize) -> &'s [u8] {
        let span = self.spans[idx];
        if span.in_scratch {
            &self.scratch[span.start..span.end]
        } else {
            &self.data[span.start..span.end]
        }
    }

    /// Field `idx` as UTF-8 text, or `None` when it is not valid UTF-8.
    ///
    /// When the whole input is valid UTF-8 (checked once per file) this is a slice, not a
    /// check: field boundaries sit next to ASCII delimiters, so they are character boundaries.
    #[inline]
    pub(crate) fn text(&self, idx: usize) -> Option<&'s str> {
        let span = self.spans[idx];
        if !span.in_scratch {
            if let Some(text) = self.text.and_then(|text| text.get(span.start..span.end)) {
                return Some(text);
            }
        }
        std::str::from_utf8(self.field(idx)).ok()
    }
}

#[derive(Debug, Clone, Copy)]
enum State {
    /// In an unquoted field (or at the start of any field).
    Unquoted,
    /// Inside quotes.
    Quoted,
    /// Just after a quote that closed a quoted field, at this position.
    AfterClose(usize),
    /// After a stray quote that followed a closing quote; the field is already recorded, so
    /// read on to the next delimiter.
    Junk,
}

/// Splits a byte slice into records. Use [`Splitter::next_record`] in a `while let` loop.
pub(crate) struct Splitter<'a> {
    data: &'a [u8],
    text: Option<&'a str>,
    hits: Memchr3<'a>,
    /// Start of the next record.
    pos: usize,
    /// The physical line (1-based) at `pos`.
    line: usize,
    spans: Vec<Span>,
    scratch: Vec<u8>,
}

impl std::fmt::Debug for Splitter<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Splitter").field("pos", &self.pos).field("line", &self.line).finish()
    }
}

impl<'a> Splitter<'a> {
    /// A splitter over `data`, whose first byte is on physical line `first_line`.
    pub(crate) fn new(data: &'a [u8], first_line: usize) -> Splitter<'a> {
        Splitter::with_text(data, first_line, std::str::from_utf8(data).ok())
    }

    /// A splitter over `data` whose UTF-8 check the caller has made: `text` is `data` as text
    /// when it is known to be valid, or `None` to check each field as it is read. The
    /// count-only scan uses this to split one record at a time without re-checking the rest
    /// of the file.
    pub(crate) fn with_text(
        data: &'a [u8],
        first_line: usize,
        text: Option<&'a str>,
    ) -> Splitter<'a> {
        Splitter {
            data,
            text,
            hits: memchr::memchr3_iter(b',', b'"', b'\n', data),
            pos: 0,
            line: first_line,
            spans: Vec::with_capacity(16),
            scratch: Vec::new(),
        }
    }

    /// The start of the next record (an offset into the data) and its physical line.
    pub(crate) fn position(&self) -> (usize, usize) {
        (self.pos, self.line)
    }

    /// The next non-blank record, or `None` at the end of the data.
    pub(crate) fn next_record(&mut self) -> Option<Record<'_>> {
        loop {
            if self.pos >= self.data.len() {
                return None;
            }
            self.spans.clear();
            self.scratch.clear();
            let record_line = self.line;
            let (problem, quoted_any) = self.split_one();
            let blank = !quoted_any && self.spans.len() == 1 && {
                let span = self.spans[0];
                span.start == span.end
            };
            if blank {
                continue;
            }
            return Some(Record {
                line: record_line,
                problem,
                data: self.data,
                text: self.text,
                scratch: &self.scratch,
                spans: &self.spans,
            });
        }
    }

    /// Splits the record at `self.pos` into `self.spans`, leaving `self.pos` at the start of
    /// the next record. Returns the first problem and whether any field was quoted.
    fn split_one(&mut self) -> (Option<Problem>, bool) {
        let data = self.data;
        let mut field_start = self.pos;
        let mut state = State::Unquoted;
        let mut escaped = false;
        let mut problem = None;
        let mut quoted_any = false;
        loop {
            let Some(p) = self.hits.next() else {
                // End of data: the last record has no newline.
                let end = data.len();
                match state {
                    State::Unquoted => {
                        self.push_plain(field_start, strip_cr(data, field_start, end));
                    }
                    State::Junk => {}
                    State::Quoted => {
                        problem
                            .get_or_insert(Problem::UnterminatedQuote { field: self.spans.len() });
                        self.push_quoted(field_start + 1, end, escaped);
                    }
                    State::AfterClose(q) => {
                        if strip_cr(data, q + 1, end) != q + 1 {
                            problem
                                .get_or_insert(Problem::TextAfterQuote { field: self.spans.len() });
                        }
                        self.push_quoted(field_start + 1, q, escaped);
                    }
                }
                self.pos = end;
                return (problem, quoted_any);
            };
            let byte = data[p];
            match state {
                State::Unquoted => match byte {
                    b',' => {
                        self.push_plain(field_start, p);
                        field_start = p + 1;
                    }
                    b'\n' => {
                        self.push_plain(field_start, strip_cr(data, field_start, p));
                        return self.end_record(p, problem, quoted_any);
                    }
                    // A quote opens a quoted field only at the field's first byte.
                    _ if p == field_start => {
                        state = State::Quoted;
                        escaped = false;
                        quoted_any = true;
                    }
                    _ => {}
                },
                State::Quoted => match byte {
                    b'"' => state = State::AfterClose(p),
                    b'\n' => self.line += 1,
                    _ => {}
                },
                State::AfterClose(q) => match byte {
                    b'"' if p == q + 1 => {
                        escaped = true;
                        state = State::Quoted;
                    }
                    b',' | b'\n' => {
                        let text_end = if byte == b'\n' { strip_cr(data, q + 1, p) } else { p };
                        if text_end != q + 1 {
                            problem
                                .get_or_insert(Problem::TextAfterQuote { field: self.spans.len() });
                        }
                        self.push_quoted(field_start + 1, q, escaped);
                        if byte == b'\n' {
                            return self.end_record(p, problem, quoted_any);
                        }
                        field_start = p + 1;
                        state = State::Unquoted;
                    }
                    _ => {
                        // A stray quote after the closing one: keep the quoted text and drop
                        // the rest of the field.
                        problem.get_or_insert(Problem::TextAfterQuote { field: self.spans.len() });
                        self.push_quoted(field_start + 1, q, escaped);
                        state = State::Junk;
                    }
                },
                State::Junk => match byte {
                    b',' => {
                        field_start = p + 1;
                        state = State::Unquoted;
                    }
                    b'\n' => return self.end_record(p, problem, quoted_any),
                    _ => {}
                },
            }
        }
    }

    fn end_record(
        &mut self,
        newline: usize,
        problem: Option<Problem>,
        quoted_any: bool,
    ) -> (Option<Problem>, bool) {
        self.pos = newline + 1;
        self.line += 1;
        (problem, quoted_any)
    }

    #[inline]
    fn push_plain(&mut self, start: usize, end: usize) {
        self.spans.push(Span { start, end, in_scratch: false });
    }

    fn push_quoted(&mut self, start: usize, end: usize, escaped: bool) {
        if !escaped {
            self.spans.push(Span { start, end, in_scratch: false });
            return;
        }
        let scratch_start = self.scratch.len();
        let mut rest = &self.data[start..end];
        while let Some(q) = memchr::memchr(b'"', rest) {
            // Inside a closed quoted field every `"` is the first of a `""` pair.
            self.scratch.extend_from_slice(&rest[..=q]);
            rest = rest.get(q + 2..).unwrap_or_default();
        }
        self.scratch.extend_from_slice(rest);
        self.spans.push(Span { start: scratch_start, end: self.scratch.len(), in_scratch: true });
    }
}

/// `end`, moved back over one `\r` if the text `start..end` ends with one.
#[inline]
fn strip_cr(data: &[u8], start: usize, end: usize) -> usize {
    if end > start && data[end - 1] == b'\r' {
        end - 1
    } else {
        end
    }
}

#[cfg(test)]
mod tests {
    use super::{Problem, Splitter};

    /// Splits `input` and renders each record as `line: field|field|…` plus any problem.
    fn split(input: &str) -> Vec<String> {
        let mut splitter = Splitter::new(input.as_bytes(), 1);
        let mut out = Vec::new();
        while let Some(record) = splitter.next_record() {
            let fields: Vec<String> = (0..record.len())
                .map(|i| String::from_utf8_lossy(record.field(i)).into_owned())
                .collect();
            let mut text = format!("{}: {}", record.line, fields.join("|"));
            if let Some(problem) = record.problem {
                text.push_str(&format!(" {problem:?}"));
            }
            out.push(text);
        }
        out
    }

    #[test]
    fn plain_records_lf_and_crlf() {
        assert_eq!(split("a,b,c\nd,e,f\n"), ["1: a|b|c", "2: d|e|f"]);
        assert_eq!(split("a,b,c\r\nd,e,f\r\n"), ["1: a|b|c", "2: d|e|f"]);
        assert_eq!(split("a,,\n,,\n"), ["1: a||", "2: ||"]);
    }

    #[test]
    fn last_line_without_newline() {
        assert_eq!(split("a,b\nc,d"), ["1: a|b", "2: c|d"]);
        assert_eq!(split("a,b\r\nc,d\r"), ["1: a|b", "2: c|d"]);
        assert_eq!(split("a,\"b\""), ["1: a|b"]);
    }

    #[test]
    fn blank_lines_are_skipped_but_counted() {
        assert_eq!(split("\n\na,b\n\r\n\nc,d\n\n"), ["3: a|b", "6: c|d"]);
        assert_eq!(split(""), Vec::<String>::new());
        assert_eq!(split("\n\r\n"), Vec::<String>::new());
        // A quoted empty field is a record, not a blank line.
        assert_eq!(split("\"\"\n"), ["1: "]);
    }

    #[test]
    fn quotes_commas_newlines_and_escapes() {
        assert_eq!(split("\"a,b\",c\n"), ["1: a,b|c"]);
        assert_eq!(
            split("x,\"line one\nline two\",y\nz,1,2\n"),
            ["1: x|line one\nline two|y", "3: z|1|2"]
        );
        assert_eq!(split("\"say \"\"hi\"\"\",\"\"\"\"\n"), ["1: say \"hi\"|\""]);
        assert_eq!(split("\"\",b\r\n"), ["1: |b"]);
        assert_eq!(split("a\"b,c\n"), ["1: a\"b|c"]);
        // Quoted CRLF inside a field is data, the CRLF ending the record is not.
        assert_eq!(split("\"a\r\nb\",c\r\nd,e\r\n"), ["1: a\r\nb|c", "3: d|e"]);
    }

    #[test]
    fn quoting_problems() {
        assert_eq!(
            split("a,\"open\nb,c\n"),
            [format!("1: a|open\nb,c\n {:?}", Problem::UnterminatedQuote { field: 1 })]
        );
        assert_eq!(
            split("\"a\"x,b\nc,d\n"),
            [format!("1: a|b {:?}", Problem::TextAfterQuote { field: 0 }), "2: c|d".to_string()]
        );
        assert_eq!(
            split("\"a\"x\"y,b\n"),
            [format!("1: a|b {:?}", Problem::TextAfterQuote { field: 0 })]
        );
        assert_eq!(
            split("a,\"b\" \n"),
            [format!("1: a|b {:?}", Problem::TextAfterQuote { field: 1 })]
        );
    }
}
