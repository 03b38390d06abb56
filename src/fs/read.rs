//! Reading whole files, and opening them for streams.

use std::io::Read;

use super::{platform, FileSystem};
use crate::error::{Error, IoContext, Result};

impl FileSystem {
    /// The file's bytes. Files larger than `max_bytes` (what a Buffer or string can hold) are
    /// refused before anything is read, with `ERR_FS_FILE_TOO_LARGE`, as `node:fs` does.
    pub fn read(&self, path: &str, max_bytes: u64) -> Result<Vec<u8>> {
        const OP: &str = "read";
        let target = self.resolve(path, OP)?;
        let shown = target.shown();
        let mut file = target.open_read(OP)?;
        let md = file.metadata().ctx(OP, "fstat", &shown)?;
        if md.is_dir() {
            return Err(Error::io(std::io::Error::from(std::io::ErrorKind::IsADirectory), OP, "read").path(shown));
        }
        let too_large = || {
            Error::new("ERR_FS_FILE_TOO_LARGE", OP, format!("file is larger than {max_bytes} bytes"))
                .class(crate::error::JsClass::RangeError)
                .path(&shown)
        };
        if md.len() > max_bytes {
            return Err(too_large());
        }
        // Size is a hint: /proc files report 0, and files grow while being read.
        let mut buf = Vec::with_capacity(md.len() as usize);
        (&mut file).take(max_bytes + 1).read_to_end(&mut buf).ctx(OP, "read", &shown)?;
        if buf.len() as u64 > max_bytes {
            return Err(too_large());
        }
        Ok(buf)
    }

    /// Open a file for reading and hand its descriptor to Node (for `fs.ReadStream`).
    pub fn open_for_stream(&self, path: &str) -> Result<i32> {
        const OP: &str = "stream";
        let target = self.resolve(path, OP)?;
        let file = target.open_read(OP)?;
        let md = file.metadata().ctx(OP, "fstat", &target.shown())?;
        if md.is_dir() {
            return Err(Error::io(std::io::ErrorKind::IsADirectory.into(), OP, "read").path(target.shown()));
        }
        Ok(platform::into_node_fd(file))
    }
}
