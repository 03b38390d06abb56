//! Archives: gzip streams (`gzip`, `gunzip`; compressed in parallel by `pgzip`) and tar archives
//! (`tar`, `untar`).
//!
//! Extraction is built to be safe on hostile input. Every entry is created relative to an open
//! handle of a fresh staging directory inside the destination, one path component at a time
//! without following symbolic links; names and link targets are checked before anything is
//! created (`entry_name`); limits bound what an archive may cost (`limits`). Only when the
//! whole archive has been read and verified is the staging directory's content moved into the
//! destination, so a corrupt or truncated archive leaves nothing behind.

mod create;
mod entry_name;
mod extract;
mod gzip;
mod limits;
mod merge;
mod pgzip;
mod staged;

#[cfg_attr(unix, path = "platform_unix.rs")]
#[cfg_attr(windows, path = "platform_windows.rs")]
mod platform;

pub use create::TarSummary;
pub use extract::{ExtractReport, OnUnsafe, Skipped};
pub use limits::Limits;

use crate::error::Error;

/// The archive is not valid (bad header, checksum, truncated, …).
pub const CORRUPT: &str = "ERR_XSYS_CORRUPT_ARCHIVE";
/// An entry would escape or endanger the destination.
pub const UNSAFE: &str = "ERR_XSYS_UNSAFE_ENTRY";
/// The archive exceeds one of the extraction limits.
pub const LIMIT: &str = "ERR_XSYS_ARCHIVE_LIMIT";

/// Map an error met while reading compressed or archived data: over a limit, corrupt data, or
/// a plain I/O error of the file.
fn read_error(op: &'static str, e: std::io::Error, archive: &std::path::Path) -> Error {
    use std::io::ErrorKind::*;
    if let Some(over) = e.get_ref().and_then(|inner| inner.downcast_ref::<limits::OverBudget>()) {
        return Error::new(LIMIT, op, over.to_string()).path(archive).hint("raise limits.maxRatio or limits.maxBytes");
    }
    match e.kind() {
        InvalidData | InvalidInput | UnexpectedEof | Other => {
            let what = if e.kind() == UnexpectedEof {
                "unexpected end of data (truncated?)".to_string()
            } else {
                e.to_string()
            };
            Error::new(CORRUPT, op, format!("corrupt archive: {what}")).path(archive)
        }
        _ => Error::io(e, op, "read").path(archive),
    }
}
