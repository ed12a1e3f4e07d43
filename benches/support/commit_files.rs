//! Bench fixture: a Git repository holding many files in one commit, built
//! straight in the object database (no working tree, no per-file I/O), so
//! setting up thousands of files takes no longer than the benchmark.

use std::path::Path;

/// Initialises a repository at `dir` and commits `files` (path, contents)
/// on HEAD with `message`.
pub fn commit_files(dir: &Path, message: &str, files: impl IntoIterator<Item = (String, Vec<u8>)>) {
    let repo = git2::Repository::init(dir).expect("init bench repo");
    let mut index = repo.index().expect("index");
    for (path, contents) in files {
        let entry = git2::IndexEntry {
            ctime: git2::IndexTime::new(0, 0),
            mtime: git2::IndexTime::new(0, 0),
            dev: 0,
            ino: 0,
            mode: 0o100644,
            uid: 0,
            gid: 0,
            file_size: 0,
            id: repo.blob(&contents).expect("write blob"),
            flags: 0,
            flags_extended: 0,
            path: path.into_bytes(),
        };
        index.add(&entry).expect("add entry");
    }
    let tree_id = index.write_tree().expect("write tree");
    let tree = repo.find_tree(tree_id).expect("tree");
    let signature = git2::Signature::new("bench", "bench@example.invalid", &git2::Time::new(0, 0))
        .expect("signature");
    repo.commit(Some("HEAD"), &signature, &signature, message, &tree, &[])
        .expect("commit");
}
