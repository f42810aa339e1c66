//! Listing the files of a directory the way every part of hazard wants them: by extension,
//! sorted, so that runs, corpora and tests see one order on every machine.

use std::path::{Path, PathBuf};

/// The files in `dir` whose extension is `ext` (`"json"`), sorted by path.
pub fn files_in(dir: &Path, ext: &str) -> std::io::Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == ext))
        .collect();
    files.sort();
    Ok(files)
}
