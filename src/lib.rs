//! xypriss-sys: fast, typed, in-process filesystem, system information, file watching and
//! cluster supervision for Node.js.
//!
//! Each area is a plain-Rust core (`fs`, …) with no N-API types, tested with `cargo test`;
//! `bindings` is the thin layer that converts arguments and results for JavaScript.

pub mod archive;
pub mod cluster;
pub mod error;
pub mod fs;
pub mod search;
pub mod sys;
pub mod watch;

mod bindings;

#[cfg(test)]
pub(crate) mod test_support;
