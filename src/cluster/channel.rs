//! The manager's end of one worker's control channel: a non-blocking stream socket.
//!
//! Any thread may send. When nothing is queued, a send writes straight to the socket from the
//! calling thread (the JS thread, for `cluster.send`): no hop through the supervisor thread on
//! the latency path. What the socket does not take is queued and written by the worker's task
//! when the socket becomes writable, so frames are never reordered or split between writers.
//! Callers batch frames into one send per event-loop turn; the queue's size is the backpressure
//! signal.

use std::collections::VecDeque;
use std::io;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::sync::{Mutex, MutexGuard};

use tokio::sync::Notify;

/// Above this many queued bytes `send` reports backpressure.
pub const HIGH_WATER_MARK: usize = 1024 * 1024;

#[derive(Default)]
struct Outbox {
    chunks: VecDeque<Vec<u8>>,
    /// Bytes of the front chunk already written.
    offset: usize,
    queued: usize,
    /// `send` reported backpressure since the queue was last empty.
    over: bool,
    closed: bool,
}

/// What a flush achieved.
#[derive(Debug, PartialEq, Eq)]
pub enum Flushed {
    /// Everything is written; `drained` if backpressure had been reported meanwhile.
    Empty { drained: bool },
    /// The socket is full; wait until it is writable.
    Blocked,
}

pub struct Channel {
    fd: OwnedFd,
    outbox: Mutex<Outbox>,
    /// Wakes the worker's task when something was queued.
    pub queued: Notify,
}

impl AsRawFd for Channel {
    fn as_raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}

impl Channel {
    /// `fd` must be a non-blocking stream socket.
    pub fn new(fd: OwnedFd) -> Self {
        Channel { fd, outbox: Mutex::new(Outbox::default()), queued: Notify::new() }
    }

    fn outbox(&self) -> MutexGuard<'_, Outbox> {
        self.outbox.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Send whole frames. `Ok(false)` means the queue is over the high-water mark (the bytes are
    /// still queued); `Err` that the channel is closed and the bytes were dropped.
    pub fn send(&self, bytes: &[u8]) -> io::Result<bool> {
        let mut out = self.outbox();
        if out.closed {
            return Err(io::Error::from(io::ErrorKind::BrokenPipe));
        }
        let mut written = 0;
        if out.queued == 0 {
            while written < bytes.len() {
                match self.write(&bytes[written..]) {
                    Ok(n) => written += n,
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => {
                        close_outbox(&mut out);
                        return Err(e);
                    }
                }
            }
        }
        if written < bytes.len() {
            let was_empty = out.queued == 0;
            out.chunks.push_back(bytes[written..].to_vec());
            out.queued += bytes.len() - written;
            if was_empty {
                self.queued.notify_one();
            }
        }
        let below = out.queued <= HIGH_WATER_MARK;
        out.over |= !below;
        Ok(below)
    }

    /// Write what is queued, until done or the socket is full.
    pub fn flush(&self) -> io::Result<Flushed> {
        let mut out = self.outbox();
        loop {
            let Some(front) = out.chunks.front() else {
                let drained = std::mem::take(&mut out.over);
                return Ok(Flushed::Empty { drained });
            };
            let (result, len) = (self.write(&front[out.offset..]), front.len());
            match result {
                Ok(n) => {
                    out.offset += n;
                    out.queued -= n;
                    if out.offset == len {
                        out.chunks.pop_front();
                        out.offset = 0;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(Flushed::Blocked),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    close_outbox(&mut out);
                    return Err(e);
                }
            }
        }
    }

    #[cfg(test)]
    fn has_queued(&self) -> bool {
        self.outbox().queued > 0
    }

    /// Read into the spare capacity of `buf`; `Ok(0)` is end of stream.
    pub fn read(&self, buf: &mut Vec<u8>) -> io::Result<usize> {
        let spare = buf.spare_capacity_mut();
        // SAFETY: recv writes at most `spare.len()` bytes into memory we own; `set_len` below
        // covers only what it reported as written.
        let n = unsafe { libc::recv(self.fd.as_raw_fd(), spare.as_mut_ptr().cast(), spare.len(), libc::MSG_DONTWAIT) };
        if n < 0 {
            return Err(io::Error::last_os_error());
        }
        let n = n as usize;
        // SAFETY: the first n spare bytes were initialised by recv.
        unsafe { buf.set_len(buf.len() + n) };
        Ok(n)
    }

    /// Shut the socket both ways (the worker sees end of stream) and drop anything queued.
    pub fn close(&self) {
        let mut out = self.outbox();
        if !out.closed {
            close_outbox(&mut out);
            // SAFETY: shutdown on a socket we own; failure (already disconnected) is harmless.
            unsafe { libc::shutdown(self.fd.as_raw_fd(), libc::SHUT_RDWR) };
        }
    }

    fn write(&self, bytes: &[u8]) -> io::Result<usize> {
        // SAFETY: send reads at most bytes.len() bytes from a live slice. MSG_NOSIGNAL: a
        // vanished worker is an EPIPE error here, never a SIGPIPE for the whole process.
        let n = unsafe {
            libc::send(self.fd.as_raw_fd(), bytes.as_ptr().cast(), bytes.len(), libc::MSG_DONTWAIT | libc::MSG_NOSIGNAL)
        };
        if n < 0 {
            Err(io::Error::last_os_error())
        } else {
            Ok(n as usize)
        }
    }
}

fn close_outbox(out: &mut Outbox) {
    out.closed = true;
    out.chunks.clear();
    out.offset = 0;
    out.queued = 0;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::os;

    fn pair() -> (Channel, OwnedFd) {
        let (ours, theirs) = os::channel_pair().unwrap();
        (Channel::new(ours), theirs)
    }

    fn drain(fd: &OwnedFd, want: usize) -> Vec<u8> {
        let mut got = Vec::new();
        let mut buf = [0u8; 65536];
        while got.len() < want {
            // SAFETY: blocking read into a stack buffer.
            let n = unsafe { libc::read(fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) };
            assert!(n > 0);
            got.extend_from_slice(&buf[..n as usize]);
        }
        got
    }

    #[test]
    fn small_sends_go_straight_to_the_socket() {
        let (ch, theirs) = pair();
        assert!(ch.send(b"hello").unwrap());
        assert!(!ch.has_queued());
        assert_eq!(drain(&theirs, 5), b"hello");
    }

    #[test]
    fn a_full_socket_queues_reports_backpressure_and_keeps_order() {
        let (ch, theirs) = pair();
        let block = vec![7u8; 512 * 1024];
        let mut below = true;
        let mut sent = 0;
        for i in 0..8u8 {
            let mut b = block.clone();
            b[0] = i;
            below &= ch.send(&b).unwrap();
            sent += b.len();
        }
        assert!(!below, "4 MiB into a socket buffer must hit the high-water mark");
        assert!(ch.has_queued());
        let reader = std::thread::spawn(move || drain(&theirs, sent));
        let drained = loop {
            match ch.flush().unwrap() {
                Flushed::Empty { drained } => break drained,
                Flushed::Blocked => std::thread::sleep(std::time::Duration::from_millis(1)),
            }
        };
        assert!(drained);
        let got = reader.join().unwrap();
        for i in 0..8 {
            assert_eq!(got[i * block.len()], i as u8);
        }
    }

    #[test]
    fn sending_on_a_closed_channel_fails() {
        let (ch, _theirs) = pair();
        ch.close();
        assert!(ch.send(b"x").is_err());
    }

    #[test]
    fn a_vanished_peer_is_an_error_not_a_signal() {
        let (ch, theirs) = pair();
        drop(theirs);
        assert!(ch.send(b"x").is_err());
    }
}
