//! The wire format of the control channel between the manager and a worker.
//!
//! A frame is a 4-byte big-endian length followed by that many bytes of payload. The payload's
//! first byte is a [`Tag`]: user messages are JSON text or raw bytes, and a handful of one-byte
//! control frames carry the lifecycle (ready, heartbeat, gc, shutdown). The length counts the tag,
//! so an empty payload is malformed.
//!
//! Everything a worker sends is checked here before anything else looks at it: the length against
//! the maximum before a byte of the body is buffered (a hostile worker cannot make the manager
//! allocate), the tag, the size of control frames, and JSON syntax (so `JSON.parse` on the
//! manager's side cannot throw).

use std::fmt;

/// Bytes in the length prefix.
pub const HEADER: usize = 4;
/// Default maximum payload size (tag included): 16 MiB.
pub const DEFAULT_MAX_FRAME: usize = 16 * 1024 * 1024;

/// What a frame carries; the first payload byte. Mirrored in `lib/frame.js`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Tag {
    /// A user message as UTF-8 JSON text.
    Json = 0x01,
    /// A user message as raw bytes (a Buffer on both sides).
    Binary = 0x02,
    /// Worker → manager: the worker is ready to serve.
    Ready = 0x10,
    /// Worker → manager: the worker's event loop is alive.
    Heartbeat = 0x11,
    /// Manager → worker: memory is under pressure, collect garbage if you can.
    Gc = 0x20,
    /// Manager → worker: stop accepting work, finish, exit.
    Shutdown = 0x21,
    /// Manager → spare: become worker `id` (body: the id, 4 bytes big-endian) and run the entry.
    Activate = 0x22,
}

impl Tag {
    fn from_byte(b: u8) -> Option<Tag> {
        Some(match b {
            0x01 => Tag::Json,
            0x02 => Tag::Binary,
            0x10 => Tag::Ready,
            0x11 => Tag::Heartbeat,
            0x20 => Tag::Gc,
            0x21 => Tag::Shutdown,
            0x22 => Tag::Activate,
            _ => return None,
        })
    }

    /// Whether the frame is a user message (as opposed to a control frame).
    pub fn is_message(self) -> bool {
        matches!(self, Tag::Json | Tag::Binary)
    }
}

/// Why a frame was refused. Any of these closes the channel it arrived on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FrameError {
    TooLarge {
        len: usize,
        max: usize,
    },
    Empty,
    UnknownTag(u8),
    ControlWithBody(Tag),
    InvalidJson(String),
    /// A user message from a spare that has no slot yet (its worker module holds them back).
    BeforeActivation,
}

impl FrameError {
    /// The `ERR_XSYS_*` code reported to JS.
    pub fn code(&self) -> &'static str {
        match self {
            FrameError::TooLarge { .. } => "ERR_XSYS_FRAME_TOO_LARGE",
            _ => "ERR_XSYS_FRAME_MALFORMED",
        }
    }
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FrameError::TooLarge { len, max } => write!(f, "frame of {len} bytes exceeds the maximum of {max} bytes"),
            FrameError::Empty => f.write_str("empty frame"),
            FrameError::UnknownTag(t) => write!(f, "unknown frame type 0x{t:02x}"),
            FrameError::ControlWithBody(t) => write!(f, "control frame {t:?} carries a body"),
            FrameError::InvalidJson(e) => write!(f, "message is not valid JSON ({e})"),
            FrameError::BeforeActivation => f.write_str("a message before the spare was handed a slot"),
        }
    }
}

/// One complete, checked frame inside a receive buffer.
#[derive(Debug, PartialEq, Eq)]
pub struct Frame<'a> {
    pub tag: Tag,
    /// The payload after the tag.
    pub body: &'a [u8],
    /// The whole frame as it was on the wire, header included.
    pub raw: &'a [u8],
}

/// The next complete frame at the start of `buf`, `Ok(None)` when more bytes are needed.
/// An oversize length is refused as soon as the header is in, before the body arrives.
pub fn parse(buf: &[u8], max: usize) -> Result<Option<Frame<'_>>, FrameError> {
    let Some(header) = buf.first_chunk::<HEADER>() else {
        return Ok(None);
    };
    let len = u32::from_be_bytes(*header) as usize;
    if len == 0 {
        return Err(FrameError::Empty);
    }
    if len > max {
        return Err(FrameError::TooLarge { len, max });
    }
    let Some(raw) = buf.get(..HEADER + len) else {
        return Ok(None);
    };
    let tag = Tag::from_byte(raw[HEADER]).ok_or(FrameError::UnknownTag(raw[HEADER]))?;
    let body = &raw[HEADER + 1..];
    match tag {
        Tag::Json => {
            serde_json::from_slice::<serde::de::IgnoredAny>(body)
                .map_err(|e| FrameError::InvalidJson(e.to_string()))?;
        }
        Tag::Binary => {}
        control if !body.is_empty() => return Err(FrameError::ControlWithBody(control)),
        _ => {}
    }
    Ok(Some(Frame { tag, body, raw }))
}

/// Tag byte and body of each frame in `buf`, which holds whole frames [`parse`] has already
/// accepted (nothing is checked again); ends early at anything that is not a whole frame.
pub fn checked_frames(buf: &[u8]) -> impl Iterator<Item = (u8, &[u8])> {
    let mut rest = buf;
    std::iter::from_fn(move || {
        let len = u32::from_be_bytes(*rest.first_chunk::<HEADER>()?) as usize;
        let raw = rest.get(..HEADER + len)?;
        rest = &rest[raw.len()..];
        Some((*raw.get(HEADER)?, raw.get(HEADER + 1..)?))
    })
}

/// A whole frame: header, tag, body.
pub fn encode(tag: Tag, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER + 1 + body.len());
    out.extend_from_slice(&((body.len() + 1) as u32).to_be_bytes());
    out.push(tag as u8);
    out.extend_from_slice(body);
    out
}

/// Bytes that still have to arrive before the frame at the start of `buf` is complete (at least
/// one), so a reader can size its buffer for a large frame once rather than grow it repeatedly.
pub fn missing(buf: &[u8]) -> usize {
    match buf.first_chunk::<HEADER>() {
        Some(h) => (HEADER + u32::from_be_bytes(*h) as usize).saturating_sub(buf.len()).max(1),
        None => HEADER - buf.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checked_frames_yields_tag_and_body_of_each_whole_frame() {
        let mut buf = encode(Tag::Json, b"{}");
        buf.extend(encode(Tag::Binary, &[1, 2, 3]));
        let whole: Vec<_> = checked_frames(&buf).collect();
        assert_eq!(whole, [(Tag::Json as u8, &b"{}"[..]), (Tag::Binary as u8, &[1u8, 2, 3][..])]);
        assert_eq!(checked_frames(&buf[..buf.len() - 1]).count(), 1, "a cut frame is not yielded");
    }

    #[test]
    fn a_json_frame_round_trips() {
        let wire = encode(Tag::Json, br#"{"a":1}"#);
        assert_eq!(&wire[..5], &[0, 0, 0, 8, 0x01]);
        let f = parse(&wire, DEFAULT_MAX_FRAME).unwrap().unwrap();
        assert_eq!(f.tag, Tag::Json);
        assert_eq!(f.body, br#"{"a":1}"#);
        assert_eq!(f.raw, &wire[..]);
    }

    #[test]
    fn binary_bodies_pass_through_untouched() {
        let body = [0u8, 255, 1, 2, 0];
        let wire = encode(Tag::Binary, &body);
        assert_eq!(parse(&wire, 64).unwrap().unwrap().body, &body);
    }

    #[test]
    fn partial_frames_ask_for_more() {
        let wire = encode(Tag::Json, b"[1,2,3]");
        for cut in 0..wire.len() {
            assert_eq!(parse(&wire[..cut], 64), Ok(None), "cut at {cut}");
            assert!(missing(&wire[..cut]) >= 1);
        }
        assert_eq!(missing(&wire[..6]), wire.len() - 6);
    }

    #[test]
    fn an_oversize_length_is_refused_from_the_header_alone() {
        let header = 1_000_000u32.to_be_bytes();
        assert_eq!(parse(&header, 1000), Err(FrameError::TooLarge { len: 1_000_000, max: 1000 }));
        assert_eq!(parse(&header, 1000).unwrap_err().code(), "ERR_XSYS_FRAME_TOO_LARGE");
    }

    #[test]
    fn a_frame_of_exactly_the_maximum_is_accepted() {
        let wire = encode(Tag::Binary, &[7; 9]);
        assert!(parse(&wire, 10).unwrap().is_some());
        assert!(parse(&wire, 9).is_err());
    }

    #[test]
    fn malformed_frames_are_refused() {
        assert_eq!(parse(&[0, 0, 0, 0], 64), Err(FrameError::Empty));
        assert_eq!(parse(&[0, 0, 0, 1, 0x7f], 64), Err(FrameError::UnknownTag(0x7f)));
        assert_eq!(parse(&encode(Tag::Ready, b"x"), 64), Err(FrameError::ControlWithBody(Tag::Ready)));
        let bad = parse(&encode(Tag::Json, b"{nope"), 64).unwrap_err();
        assert!(matches!(bad, FrameError::InvalidJson(_)));
        assert_eq!(bad.code(), "ERR_XSYS_FRAME_MALFORMED");
        assert!(parse(&encode(Tag::Json, &[0xff, 0xfe]), 64).is_err(), "invalid UTF-8 is not JSON");
    }

    #[test]
    fn control_frames_are_one_byte() {
        for tag in [Tag::Ready, Tag::Heartbeat, Tag::Gc, Tag::Shutdown] {
            let wire = encode(tag, b"");
            assert_eq!(wire, vec![0, 0, 0, 1, tag as u8]);
            assert_eq!(parse(&wire, 64).unwrap().unwrap().tag, tag);
            assert!(!tag.is_message());
        }
    }
}
