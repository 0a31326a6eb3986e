//! Atomic file replacement: write a sibling temporary file, fsync it, rename
//! it over the target.
//!
//! A reader (or a crash) sees either the old file whole or the new file
//! whole, never a prefix. On failure the temporary file is removed and an
//! existing target is left untouched.

use std::ffi::OsString;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::{Error, Result};

/// Distinguishes temporary files of concurrent writes within one process;
/// the process id distinguishes processes.
static COUNTER: AtomicU64 = AtomicU64::new(0);

fn io_error(action: &str, path: &Path, source: io::Error) -> Error {
    Error::Io {
        action: action.into(),
        path: path.display().to_string(),
        reason: source,
    }
}

/// Replaces the file at `path` by `bytes`, atomically.
///
/// The temporary file is `.NAME.tmp-<pid>-<counter>` in the target's
/// directory (the same file system, so the rename is atomic). A symbolic
/// link at `path` is followed: the file it points to is replaced, the link
/// stays. An existing target's permissions are carried over.
///
/// # Errors
///
/// [`Error::Io`] naming `path`: "write" when the temporary file cannot be
/// created, written or synced (e.g. the directory does not exist),
/// "replace" when the rename fails (e.g. `path` is a directory).
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let target = resolve_symlink(path);
    let Some(file_name) = target.file_name() else {
        return Err(io_error(
            "write",
            path,
            io::Error::new(io::ErrorKind::InvalidInput, "the path does not name a file"),
        ));
    };
    let dir = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut tmp_name = OsString::from(".");
    tmp_name.push(file_name);
    tmp_name.push(format!(
        ".tmp-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let tmp = dir.join(tmp_name);

    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&tmp)
        .map_err(|e| io_error("write", path, e))?;
    let written = file.write_all(bytes).and_then(|()| file.sync_all());
    drop(file);
    if let Err(e) = written {
        let _ = fs::remove_file(&tmp);
        return Err(io_error("write", path, e));
    }
    if let Ok(meta) = fs::metadata(&target) {
        if meta.is_file() {
            // Best effort: a checkpoint that was read-only for others stays so.
            let _ = fs::set_permissions(&tmp, meta.permissions());
        }
    }
    if let Err(e) = fs::rename(&tmp, &target) {
        let _ = fs::remove_file(&tmp);
        return Err(io_error("replace", path, e));
    }
    // Best effort: make the rename itself durable. Directories cannot be
    // opened for syncing on every platform; the data is already synced.
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// The file a symbolic link at `path` points to (so the link survives the
/// rename), or `path` itself.
fn resolve_symlink(path: &Path) -> PathBuf {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => {
            fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
        }
        _ => path.to_path_buf(),
    }
}
