//! Searching one file for lines that match a regex.
//!
//! The file is read in large blocks; each block is searched up to its last line break as one
//! haystack, so the regex engine's literal prefilters run over megabytes at a time instead of
//! line by line, and lines are only located (and counted) around matches. A line longer than
//! the buffer grows the buffer: no line is too long. A NUL byte anywhere marks the file as
//! binary; it is then skipped (the end of a file is only checked for one once it matches).

use std::cell::RefCell;
use std::io::{self, Read};

use memchr::{memchr, memrchr};
use regex::bytes::Regex;

use crate::fs::walk::Control;

const BLOCK: usize = 256 * 1024;
/// A buffer grown past this (by a long line) is released after the file.
const KEEP: usize = 4 * BLOCK;

thread_local! {
    static BUFFER: RefCell<Vec<u8>> = RefCell::new(Vec::new());
}

pub enum Outcome {
    /// The whole file was searched (or `on_match` asked to stop).
    Searched,
    /// A NUL byte was found; matches already reported should be discarded.
    Binary,
}

/// Call `on_match(line_number, line)` (1-based, without its line break or a trailing `\r`) for
/// every matching line, until it returns `false`. Reports the bytes read to `ctl`.
pub fn search(
    reader: impl Read,
    re: &Regex,
    ctl: Control<'_>,
    on_match: impl FnMut(u64, &[u8]) -> bool,
) -> io::Result<Outcome> {
    BUFFER.with(|cell| {
        let mut buf = cell.borrow_mut();
        if buf.len() < BLOCK {
            buf.resize(BLOCK, 0);
        }
        let outcome = search_with(&mut buf, reader, re, ctl, on_match);
        // A very long line grew the buffer: give the memory back instead of keeping it for
        // the life of the thread.
        if buf.len() > KEEP {
            *buf = vec![0; BLOCK];
        }
        outcome
    })
}

fn search_with(
    buf: &mut Vec<u8>,
    mut reader: impl Read,
    re: &Regex,
    ctl: Control<'_>,
    mut on_match: impl FnMut(u64, &[u8]) -> bool,
) -> io::Result<Outcome> {
    {
        let mut start = 0; // first byte not yet searched
        let mut len = 0; // bytes held
        let mut line = 1u64; // number of the line starting at `start`
        let mut matched = false; // a match was reported from an earlier block
        loop {
            if len == buf.len() {
                if start > 0 {
                    buf.copy_within(start..len, 0);
                    len -= start;
                    start = 0;
                } else {
                    let grown = buf.len() * 2;
                    buf.resize(grown, 0);
                }
            }
            // Fill the buffer (or reach the end) before searching, so a file that fits in one
            // block is searched once, as a whole, and its lines are never counted in bulk.
            let (n, eof) = fill(&mut reader, &mut buf[len..])?;
            let fresh = len..len + n;
            // A NUL byte marks the file binary. Bytes with more of the file after them are
            // checked now (a binary file is then not read further); the last bytes read (for
            // most files, the whole file) only once they hold a match, since a file without
            // matches answers nothing whether or not it is binary.
            if !eof && memchr(0, &buf[fresh.clone()]).is_some() {
                return Ok(Outcome::Binary);
            }
            ctl.add_bytes(n as u64);
            len += n;
            let end = if eof {
                len
            } else {
                match memrchr(b'\n', &buf[start..len]) {
                    Some(i) => start + i + 1,
                    None => continue,
                }
            };
            let mut unchecked = eof.then_some(fresh);
            let mut binary = false;
            let (at, counted_to, go_on) = search_block(&buf[start..end], re, line, &mut |line, text| {
                if let Some(fresh) = unchecked.take() {
                    if memchr(0, &buf[fresh]).is_some() {
                        binary = true;
                        return false;
                    }
                }
                matched = true;
                on_match(line, text)
            });
            // Earlier blocks matched but this last one did not: its bytes still decide whether
            // the file is binary, as they would in a file read in one block.
            if let Some(fresh) = unchecked.filter(|_| matched) {
                binary |= memchr(0, &buf[fresh]).is_some();
            }
            if binary {
                return Ok(Outcome::Binary);
            }
            if eof || !go_on || ctl.cancelled() {
                return Ok(Outcome::Searched);
            }
            // Lines are counted only as far as needed: up to matches, and past a block only
            // when more of the file follows (most files fit in one block and are never counted).
            line = at + count_lines(&buf[start + counted_to..end]);
            start = end;
        }
    }
}

/// Search whole lines in `block`, whose first line is number `first_line`. Returns the number
/// of the line starting at the returned offset (how far lines were counted) and whether to go on.
fn search_block(
    block: &[u8],
    re: &Regex,
    first_line: u64,
    on_match: &mut impl FnMut(u64, &[u8]) -> bool,
) -> (u64, usize, bool) {
    let mut pos = 0;
    let mut counted_to = 0;
    let mut line = first_line;
    while pos <= block.len() {
        let Some(m) = re.find_at(block, pos) else { break };
        let line_start = memrchr(b'\n', &block[..m.start()]).map_or(0, |i| i + 1);
        let line_end = memchr(b'\n', &block[m.start()..]).map_or(block.len(), |i| m.start() + i);
        if line_start == block.len() {
            break; // an empty match after the final line break: there is no line there
        }
        let text = &block[line_start..line_end];
        // A match running across a line break only counts if the line matches on its own.
        if m.end() <= line_end || re.is_match(text) {
            line += count_lines(&block[counted_to..line_start]);
            counted_to = line_start;
            let text = text.strip_suffix(b"\r").unwrap_or(text);
            if !on_match(line, text) {
                return (line, counted_to, false);
            }
        }
        pos = line_end + 1;
    }
    (line, counted_to, true)
}

fn count_lines(bytes: &[u8]) -> u64 {
    bytecount::count(bytes, b'\n') as u64
}

/// Read until `buf` is full or the input ends: `(bytes read, reached the end)`.
fn fill(reader: &mut impl Read, buf: &mut [u8]) -> io::Result<(usize, bool)> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => return Ok((filled, true)),
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok((filled, false))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::compile_regex;

    fn lines(text: &[u8], pattern: &str) -> Vec<(u64, String)> {
        let re = compile_regex("grep", pattern, false, false).unwrap();
        let mut out = Vec::new();
        let outcome = search(text, &re, Control::default(), |n, l| {
            out.push((n, String::from_utf8_lossy(l).into_owned()));
            true
        })
        .unwrap();
        assert!(matches!(outcome, Outcome::Searched));
        out
    }

    #[test]
    fn reports_line_numbers_and_text() {
        assert_eq!(lines(b"one\ntwo\nthree\ntwo again", "two"), [(2, "two".into()), (4, "two again".into())]);
    }

    #[test]
    fn matches_never_span_lines() {
        assert_eq!(lines(b"a\nb\nab\n", r"a\s*b"), [(3, "ab".into())]);
        assert_eq!(lines(b"x\r\ny\r\n", "x$"), [(1, "x".into())]);
    }

    #[test]
    fn anchors_work_per_line() {
        assert_eq!(lines(b"foo\nbar foo\n", "^foo"), [(1, "foo".into())]);
    }

    #[test]
    fn lines_longer_than_the_buffer_are_found_whole() {
        let mut text = vec![b'x'; 3 * BLOCK];
        text.extend_from_slice(b"needle\nshort needle\n");
        let found = lines(&text, "needle");
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].1.len(), 3 * BLOCK + 6);
        assert_eq!(found[1], (2, "short needle".into()));
    }

    #[test]
    fn a_buffer_grown_by_a_long_line_is_given_back() {
        let mut text = vec![b'x'; 8 * BLOCK];
        text.extend_from_slice(b"needle\n");
        assert_eq!(lines(&text, "needle").len(), 1);
        assert_eq!(BUFFER.with(|b| b.borrow().len()), BLOCK);
        assert!(BUFFER.with(|b| b.borrow().capacity()) <= KEEP);
    }

    #[test]
    fn line_numbers_stay_right_across_blocks() {
        let text: String = (1..=100_000).map(|i| format!("line {i}\n")).collect();
        assert_eq!(lines(text.as_bytes(), "^line 99999$"), [(99_999, "line 99999".into())]);
    }

    #[test]
    fn a_nul_byte_marks_the_file_binary() {
        let re = compile_regex("grep", "x", false, false).unwrap();
        let outcome = search(&b"x\n\0"[..], &re, Control::default(), |_, _| true).unwrap();
        assert!(matches!(outcome, Outcome::Binary));
    }

    #[test]
    fn a_binary_file_reports_no_line_whichever_comes_first() {
        let re = compile_regex("grep", "x", false, false).unwrap();
        for text in [&b"x\nabc\0def\n"[..], b"a\0\nx\n", b"\0x"] {
            let mut calls = 0;
            let outcome = search(text, &re, Control::default(), |_, _| {
                calls += 1;
                true
            })
            .unwrap();
            assert!(matches!(outcome, Outcome::Binary), "{text:?}");
            assert_eq!(calls, 0, "{text:?}");
        }
    }

    #[test]
    fn a_nul_byte_in_an_early_block_hides_matches_in_later_ones() {
        let re = compile_regex("grep", "needle", false, false).unwrap();
        let mut text = vec![b'a'; 2 * BLOCK];
        text[10] = 0;
        text.extend_from_slice(b"\nneedle\n");
        let outcome = search(&text[..], &re, Control::default(), |_, _| panic!("a binary file matched")).unwrap();
        assert!(matches!(outcome, Outcome::Binary));
    }

    #[test]
    fn a_nul_byte_only_in_the_last_block_marks_a_file_with_earlier_matches_binary() {
        let re = compile_regex("grep", "needle", false, false).unwrap();
        let mut text = b"needle\n".to_vec();
        text.extend(std::iter::repeat_n(b'a', 2 * BLOCK));
        text.extend_from_slice(b"\nend\0\n");
        let outcome = search(&text[..], &re, Control::default(), |_, _| true).unwrap();
        assert!(matches!(outcome, Outcome::Binary));
    }
}
