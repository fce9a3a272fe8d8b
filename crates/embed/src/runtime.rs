//! The process-wide ONNX Runtime: loaded once, from one file.
//!
//! ort keeps the loaded library and its environment in process globals: a
//! second `ort::init_from` with another path is silently ignored, and a
//! second environment cannot be built. This module makes both explicit: the
//! first load wins, the same file again reuses it, another file is an error.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use ort::environment::Environment;

use crate::{Error, Result};

struct Loaded {
    /// As the caller named it, for messages.
    path: PathBuf,
    /// Canonical, to recognise the same file under another name.
    canonical: PathBuf,
    /// `None` when the library loaded but the environment failed to build.
    environment: Option<Environment>,
}

static RUNTIME: Mutex<Option<Loaded>> = Mutex::new(None);

/// The ONNX Runtime environment backed by the library at `path`, loading it
/// on first use. Never panics: a missing or unloadable library is an error.
pub(crate) fn environment(path: &Path) -> Result<Environment> {
    if !path.is_file() {
        return Err(Error::RuntimeMissing {
            path: path.to_path_buf(),
        });
    }
    // Absolute, so that ort does not resolve it against the executable's
    // folder (a path that panics when the executable cannot be determined).
    let canonical = path.canonicalize().map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;

    let mut runtime = RUNTIME.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(loaded) = runtime.as_ref()
        && loaded.canonical != canonical
    {
        return Err(Error::RuntimeConflict {
            loaded: loaded.path.clone(),
            requested: path.to_path_buf(),
        });
    }
    if let Some(environment) = runtime
        .as_ref()
        .and_then(|loaded| loaded.environment.clone())
    {
        return Ok(environment);
    }

    let builder = ort::init_from(&canonical).map_err(|source| Error::RuntimeLoad {
        path: path.to_path_buf(),
        source,
    })?;
    let loaded = runtime.get_or_insert_with(|| Loaded {
        path: path.to_path_buf(),
        canonical,
        environment: None,
    });
    let environment = builder
        .with_name("distiq")
        .with_telemetry(false)
        .build()
        .map_err(|source| Error::RuntimeInit {
            path: path.to_path_buf(),
            source,
        })?;
    loaded.environment = Some(environment.clone());
    Ok(environment)
}

#[cfg(test)]
mod tests {
    use super::*;

    // The unit-test binary never loads the real runtime, so this sees a
    // fresh process state (the integration suite loads the real one).
    #[test]
    fn a_file_that_is_not_a_library_is_a_load_error_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let fake = dir.path().join("libonnxruntime.so");
        std::fs::write(&fake, b"not an ELF file").unwrap();
        let error = environment(&fake).unwrap_err();
        assert!(matches!(error, Error::RuntimeLoad { .. }), "{error:?}");
        let message = error.to_string();
        assert!(message.contains("./models/fetch"), "{message}");
        assert!(message.contains("libonnxruntime.so"), "{message}");
    }

    #[test]
    fn a_missing_library_is_reported_with_what_to_run() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("onnxruntime").join("libonnxruntime.so");
        let error = environment(&missing).unwrap_err();
        assert!(matches!(error, Error::RuntimeMissing { .. }), "{error:?}");
        assert!(error.to_string().contains("./models/fetch"));
    }
}
