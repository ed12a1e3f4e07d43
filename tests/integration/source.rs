//! Integration tests for `engine::source`: opening, cloning and fetching
//! repositories, resolving revisions, reading trees and walking history,
//! through the public API only.

use std::sync::Arc;

use fleetdeck::engine::source::{
    CommitCache, CommitId, EntryKind, FsTree, RepoCache, RepoKind, RepoPath, SourceError,
    SourceTree, TreeEntry,
};

use super::support::{TestRepo, sandbox};

fn path(text: &str) -> RepoPath {
    RepoPath::new(text).expect("valid repo path")
}

fn id(sha: &str) -> CommitId {
    sha.parse().expect("full commit id")
}

fn entry(name: &str, kind: EntryKind) -> TreeEntry {
    TreeEntry {
        name: name.to_owned(),
        kind,
    }
}

fn read_text(tree: &dyn SourceTree, file: &str) -> Option<String> {
    tree.read_file(&path(file))
        .expect("read succeeds")
        .map(|bytes| String::from_utf8(bytes).expect("utf-8"))
}

/// A cache whose (unused) mirror directory lives in its own temp dir.
fn local_cache() -> (tempfile::TempDir, RepoCache) {
    let dir = tempfile::tempdir().expect("cache dir");
    let cache = RepoCache::new(dir.path().join("repos"));
    (dir, cache)
}

#[test]
fn resolves_every_kind_of_revision_in_a_local_repo() {
    let origin = TestRepo::new();
    let first = origin.write("a.txt", "one").commit("first");
    origin.tag("v1");
    let second = origin.write("a.txt", "two").commit("second");
    origin.annotated_tag("v2", "release two");
    origin.branch("feature").checkout("feature");
    let third = origin.write("b.txt", "feature").commit("third");
    origin.checkout("main");

    let (_dir, cache) = local_cache();
    let repo = cache
        .open(origin.path().to_str().expect("utf-8 path"))
        .expect("open");
    assert_eq!(repo.kind(), RepoKind::Local);

    let cases = [
        ("", &second),
        ("HEAD", &second),
        ("main", &second),
        ("feature", &third),
        ("v1", &first),
        ("v2", &second),
        ("refs/tags/v2", &second),
        ("refs/heads/feature", &third),
        (first.as_str(), &first),
        (&third[..7], &third),
        (&first[..10], &first),
    ];
    for (revision, expected) in cases {
        let resolved = repo
            .resolve(revision)
            .unwrap_or_else(|err| panic!("resolve {revision:?}: {err}"));
        assert_eq!(resolved, id(expected), "revision {revision:?}");
    }

    let missing_sha = "0".repeat(40);
    for unknown in [
        "nope",
        "refs/heads/nope",
        missing_sha.as_str(),
        "abcdef1",
        "a b",
    ] {
        let err = repo.resolve(unknown).expect_err("unknown revision");
        assert!(
            matches!(&err, SourceError::UnknownRevision { revision, .. } if revision == unknown),
            "{unknown}: {err:?}"
        );
    }
    let err = repo.resolve("nope").expect_err("unknown");
    assert_eq!(
        err.to_string(),
        format!("repository {}: unknown revision 'nope'", repo.name())
    );

    // Same location, same repository object.
    let again = cache
        .open(origin.path().to_str().expect("utf-8 path"))
        .expect("reopen");
    assert!(Arc::ptr_eq(&repo, &again));
    // Fetch is a documented no-op for a repository read in place.
    repo.fetch().expect("no-op fetch");
    assert_eq!(repo.resolve("main").expect("resolve"), id(&second));
}

#[test]
fn local_clone_resolves_remote_tracking_branches() {
    let origin = TestRepo::new();
    origin.write("a.txt", "one").commit("first");
    origin.branch("feature").checkout("feature");
    let feature = origin.write("b.txt", "two").commit("on feature");
    origin.checkout("main");

    let checkout_dir = tempfile::tempdir().expect("checkout dir");
    git2::Repository::clone(&origin.url(), checkout_dir.path()).expect("git clone");

    let (_dir, cache) = local_cache();
    let repo = cache
        .open(checkout_dir.path().to_str().expect("utf-8 path"))
        .expect("open checkout");
    // `feature` exists only as refs/remotes/origin/feature in the checkout.
    assert_eq!(repo.resolve("feature").expect("resolve"), id(&feature));
}

#[test]
fn reads_two_commits_at_once_without_a_checkout() {
    let origin = TestRepo::new();
    let first = origin
        .write("apps/guestbook/deploy.yaml", "replicas: 1\n")
        .write("README.md", "hello\n")
        .commit("first");
    let second = origin
        .write("apps/guestbook/deploy.yaml", "replicas: 3\n")
        .write("apps/guestbook/service.yaml", "port: 80\n")
        .write("apps/base/kustomization.yaml", "resources: []\n")
        .commit("second");

    let (_dir, cache) = local_cache();
    let repo = cache
        .open(origin.path().to_str().expect("utf-8 path"))
        .expect("open");
    let old = repo.tree(id(&first)).expect("tree at first");
    let new = repo.tree(id(&second)).expect("tree at second");
    assert_eq!(old.commit(), id(&first));
    assert_eq!(old.describe(), format!("{}@{}", repo.name(), &first[..7]));

    let (old_result, new_result) = std::thread::scope(|scope| {
        let old_job = scope.spawn(move || {
            let listing = old.list_dir(&path("apps/guestbook")).expect("list");
            (read_text(&old, "apps/guestbook/deploy.yaml"), listing)
        });
        let new_job = scope.spawn(move || {
            let listing = new.list_dir(&path("apps/guestbook")).expect("list");
            (read_text(&new, "apps/guestbook/deploy.yaml"), listing)
        });
        (
            old_job.join().expect("old reader"),
            new_job.join().expect("new reader"),
        )
    });
    assert_eq!(old_result.0.as_deref(), Some("replicas: 1\n"));
    assert_eq!(
        old_result.1,
        Some(vec![entry("deploy.yaml", EntryKind::File)])
    );
    assert_eq!(new_result.0.as_deref(), Some("replicas: 3\n"));
    assert_eq!(
        new_result.1,
        Some(vec![
            entry("deploy.yaml", EntryKind::File),
            entry("service.yaml", EntryKind::File),
        ])
    );

    // The working tree is untouched by reading old commits.
    let tree = repo.tree(id(&second)).expect("tree");
    assert_eq!(
        tree.list_dir(&RepoPath::root()).expect("list root"),
        Some(vec![
            entry("README.md", EntryKind::File),
            entry("apps", EntryKind::Dir)
        ])
    );
    assert_eq!(
        read_text(&tree, "apps/guestbook/../base/kustomization.yaml").as_deref(),
        Some("resources: []\n")
    );
    // A directory is not a file, a file is not a directory, absent is absent.
    assert_eq!(tree.read_file(&path("apps")).expect("read dir"), None);
    assert_eq!(tree.list_dir(&path("README.md")).expect("list file"), None);
    assert_eq!(tree.read_file(&path("apps/nope.yaml")).expect("read"), None);
    assert_eq!(tree.list_dir(&path("README.md/x")).expect("list"), None);
}

#[test]
fn tree_errors_name_the_tree_and_path() {
    let origin = TestRepo::new();
    let sha = origin.write("apps/a.yaml", "a: 1\n").commit("first");
    let (_dir, cache) = local_cache();
    let repo = cache
        .open(origin.path().to_str().expect("utf-8 path"))
        .expect("open");
    let tree = repo.tree(id(&sha)).expect("tree");
    let described = format!("{}@{}", repo.name(), &sha[..7]);

    let err = tree
        .require_file(&path("apps/missing.yaml"))
        .expect_err("missing");
    assert!(matches!(err, SourceError::PathNotFound { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!("{described}: path 'apps/missing.yaml' not found")
    );
    let err = tree.require_dir(&path("apps/a.yaml")).expect_err("file");
    assert_eq!(
        err.to_string(),
        format!("{described}: path 'apps/a.yaml' is not a directory")
    );
    let err = tree.require_dir(&path("nowhere")).expect_err("missing dir");
    assert!(matches!(err, SourceError::PathNotFound { .. }), "{err:?}");
    assert_eq!(
        tree.require_file(&path("apps/a.yaml")).expect("present"),
        b"a: 1\n"
    );

    let err = RepoPath::new("../x").expect_err("escapes");
    assert!(
        matches!(err, SourceError::PathEscapesRepo { .. }),
        "{err:?}"
    );
    assert_eq!(err.to_string(), "path '../x' escapes the repository root");

    let err = repo.tree(id(&"1".repeat(40))).expect_err("no such commit");
    assert!(
        matches!(err, SourceError::UnknownRevision { .. }),
        "{err:?}"
    );
}

#[cfg(unix)]
#[test]
fn symlinks_are_followed_inside_the_tree_only() {
    let origin = TestRepo::new();
    let sha = origin
        .write("base/app.yaml", "kind: App\n")
        .symlink("overlay/app.yaml", "../base/app.yaml")
        .symlink("shared", "base")
        .symlink("escape", "../../etc/passwd")
        .symlink("absolute", "/etc/passwd")
        .symlink("loop-a", "loop-b")
        .symlink("loop-b", "loop-a")
        .commit("links");
    let (_dir, cache) = local_cache();
    let repo = cache
        .open(origin.path().to_str().expect("utf-8 path"))
        .expect("open");
    let git_tree = repo.tree(id(&sha)).expect("tree");
    let fs_tree = FsTree::new(origin.path());

    for tree in [&git_tree as &dyn SourceTree, &fs_tree] {
        let who = tree.describe();
        assert_eq!(
            read_text(tree, "overlay/app.yaml").as_deref(),
            Some("kind: App\n"),
            "{who}"
        );
        assert_eq!(
            read_text(tree, "shared/app.yaml").as_deref(),
            Some("kind: App\n"),
            "{who}"
        );
        assert_eq!(
            tree.list_dir(&path("shared")).expect("list through link"),
            Some(vec![entry("app.yaml", EntryKind::File)]),
            "{who}"
        );
        let root = tree
            .list_dir(&RepoPath::root())
            .expect("list root")
            .expect("root");
        assert!(
            root.contains(&entry("shared", EntryKind::Symlink)),
            "{who}: {root:?}"
        );
        assert!(!root.iter().any(|e| e.name == ".git"), "{who}: {root:?}");
        for escaping in ["escape", "absolute"] {
            let err = tree
                .read_file(&path(escaping))
                .expect_err("escapes the tree");
            assert!(
                matches!(err, SourceError::PathEscapesRepo { .. }),
                "{who}: {err:?}"
            );
        }
        let err = tree.read_file(&path("loop-a")).expect_err("loop");
        assert!(
            matches!(err, SourceError::SymlinkLoop { .. }),
            "{who}: {err:?}"
        );
    }
}

#[test]
fn fs_tree_reads_a_plain_directory() {
    let dir = tempfile::tempdir().expect("dir");
    std::fs::create_dir_all(dir.path().join("apps/one")).expect("mkdir");
    std::fs::write(dir.path().join("apps/one/a.yaml"), "a").expect("write");
    std::fs::write(dir.path().join("apps/z.yaml"), "z").expect("write");
    let tree = FsTree::new(dir.path());
    assert_eq!(
        tree.list_dir(&path("apps")).expect("list"),
        Some(vec![
            entry("one", EntryKind::Dir),
            entry("z.yaml", EntryKind::File)
        ])
    );
    assert_eq!(read_text(&tree, "apps/one/a.yaml").as_deref(), Some("a"));
    assert_eq!(read_text(&tree, "apps/one/missing").as_deref(), None);
    assert_eq!(read_text(&tree, "apps/z.yaml/below").as_deref(), None);
    assert_eq!(
        tree.list_dir(&path("apps/z.yaml")).expect("list file"),
        None
    );
    let err = tree.require_file(&path("apps/none")).expect_err("missing");
    assert_eq!(
        err.to_string(),
        format!("{}: path 'apps/none' not found", dir.path().display())
    );
}

#[test]
fn clones_a_remote_into_the_cache_and_fetches_new_commits() {
    let origin = TestRepo::new();
    let first = origin.write("app.yaml", "v: 1\n").commit("first");
    origin.tag("v1").branch("doomed");
    let cache_root = tempfile::tempdir().expect("cache dir");
    let cache_dir = cache_root.path().join("repos");
    let cache = RepoCache::new(cache_dir.clone());

    let repo = cache.open(&origin.url()).expect("clone");
    assert_eq!(repo.kind(), RepoKind::Remote);
    assert!(
        repo.path().starts_with(&cache_dir),
        "{}",
        repo.path().display()
    );
    assert_eq!(repo.resolve("HEAD").expect("HEAD"), id(&first));
    assert_eq!(repo.resolve("main").expect("main"), id(&first));
    assert_eq!(repo.resolve("v1").expect("tag"), id(&first));
    assert_eq!(repo.resolve("doomed").expect("branch"), id(&first));
    assert!(Arc::ptr_eq(
        &repo,
        &cache.open(&origin.url()).expect("reopen")
    ));

    // Only the finished mirror is left in the cache directory.
    let entries: Vec<String> = std::fs::read_dir(&cache_dir)
        .expect("list cache")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert!(!entries[0].starts_with(".tmp"), "{entries:?}");

    // Upstream moves on: a new commit, a new branch, a deleted branch.
    let second = origin.write("app.yaml", "v: 2\n").commit("second");
    origin.branch("next");
    origin
        .git()
        .find_branch("doomed", git2::BranchType::Local)
        .expect("branch")
        .delete()
        .expect("delete branch");
    assert_eq!(repo.resolve("main").expect("stale main"), id(&first));
    assert!(repo.resolve("next").is_err());

    // Reads carry on while fetches run; concurrent fetches take turns.
    std::thread::scope(|scope| {
        let fetchers: Vec<_> = (0..2).map(|_| scope.spawn(|| repo.fetch())).collect();
        let reader = scope.spawn(|| {
            for _ in 0..20 {
                let head = repo.resolve("v1").expect("resolve during fetch");
                assert_eq!(head, id(&first));
                repo.tree(head).expect("tree during fetch");
            }
        });
        for fetcher in fetchers {
            fetcher.join().expect("fetch thread").expect("fetch");
        }
        reader.join().expect("reader thread");
    });
    assert_eq!(repo.resolve("main").expect("fetched main"), id(&second));
    assert_eq!(repo.resolve("HEAD").expect("fetched HEAD"), id(&second));
    assert_eq!(repo.resolve("next").expect("new branch"), id(&second));
    let err = repo.resolve("doomed").expect_err("pruned branch");
    assert!(
        matches!(err, SourceError::UnknownRevision { .. }),
        "{err:?}"
    );
    let tree = repo.tree(id(&second)).expect("tree");
    assert_eq!(read_text(&tree, "app.yaml").as_deref(), Some("v: 2\n"));

    // A new cache over the same directory reuses the mirror without cloning:
    // it works even once the origin is gone.
    let origin_url = origin.url();
    drop(origin);
    let later = RepoCache::new(cache_dir);
    let reused = later.open(&origin_url).expect("reuse mirror");
    assert_eq!(reused.path(), repo.path());
    assert_eq!(reused.resolve("main").expect("main"), id(&second));
    let err = reused.fetch().expect_err("origin is gone");
    assert!(matches!(err, SourceError::Fetch { .. }), "{err:?}");
}

#[test]
fn failed_clone_leaves_no_cache_entry() {
    sandbox();
    let cache_root = tempfile::tempdir().expect("cache dir");
    let cache_dir = cache_root.path().join("repos");
    let cache = RepoCache::new(cache_dir.clone());
    let missing = cache_root.path().join("no-such-origin");
    let url = format!("file://{}", missing.display());
    let err = cache.open(&url).expect_err("clone fails");
    assert!(matches!(err, SourceError::Clone { .. }), "{err:?}");
    assert_eq!(err.to_string(), format!("repository {url}: cannot clone"));
    let leftovers = std::fs::read_dir(&cache_dir).map_or(0, |dir| dir.count());
    assert_eq!(leftovers, 0);
    // A failed open is not cached: it is tried again (and fails again).
    assert!(matches!(cache.open(&url), Err(SourceError::Clone { .. })));
}

#[test]
fn history_lists_only_commits_touching_the_path() {
    let origin = TestRepo::new();
    let c1 = origin
        .write("apps/web/deploy.yaml", "replicas: 1\n")
        .write("other/x.yaml", "x: 1\n")
        .commit("add web\n\nWith a body that is not the subject.");
    let _c2 = origin.write("other/x.yaml", "x: 2\n").commit("touch other");
    let c3 = origin
        .write("apps/web/deploy.yaml", "replicas: 2\n")
        .commit("scale web");
    origin.branch("feature").checkout("feature");
    let c4 = origin
        .write("apps/web/svc.yaml", "port: 80\n")
        .commit("feature: add service");
    origin.checkout("main");
    let _c5 = origin
        .write("other/x.yaml", "x: 3\n")
        .commit("touch other again");
    let c6 = origin
        .remove("apps/web/deploy.yaml")
        .commit("remove web deploy");

    let (_dir, cache) = local_cache();
    let repo = cache
        .open(origin.path().to_str().expect("utf-8 path"))
        .expect("open");
    let ids = |from: &str, at: &str, limit: usize| -> Vec<String> {
        repo.history(id(from), &path(at), limit)
            .expect("history")
            .into_iter()
            .map(|info| info.id.to_string())
            .collect()
    };

    assert_eq!(
        ids(&c6, "apps/web", 10),
        [c6.clone(), c3.clone(), c1.clone()]
    );
    assert_eq!(ids(&c6, "apps/web", 2), [c6.clone(), c3.clone()]);
    assert_eq!(ids(&c6, "apps/web", 0), Vec::<String>::new());
    assert_eq!(
        ids(&c4, "apps/web", 10),
        [c4.clone(), c3.clone(), c1.clone()]
    );
    assert_eq!(
        ids(&c6, "apps/web/deploy.yaml", 10),
        [c6.clone(), c3.clone(), c1.clone()]
    );
    assert_eq!(ids(&c6, "never/there", 10), Vec::<String>::new());
    assert_eq!(
        ids(&c6, "", 10).len(),
        5,
        "every mainline commit changes the root"
    );

    let history = repo
        .history(id(&c6), &path("apps/web"), 10)
        .expect("history");
    let oldest = history.last().expect("root commit");
    assert_eq!(oldest.subject, "add web");
    assert_eq!(oldest.author_name, "Fleet Tester");
    assert_eq!(oldest.author_email, "tester@fleetdeck.test");
    assert_eq!(oldest.offset_minutes, 0);
    assert!(history.windows(2).all(|pair| pair[0].time > pair[1].time));
    assert_eq!(repo.commit_info(id(&c1)).expect("commit info"), *oldest);
    let json = serde_json::to_value(oldest).expect("serialise");
    assert_eq!(json["id"], c1);
}

#[test]
fn commit_subjects_are_read_once_per_commit_and_only_for_commit_ids() {
    let origin = TestRepo::new();
    let first = origin
        .write("a.txt", "one")
        .commit("Add a\n\nA body that is not the subject.");
    let second = origin.write("a.txt", "two").commit("Change a  ");
    let (_dir, cache) = local_cache();
    let repo = cache
        .open(origin.path().to_str().expect("utf-8 path"))
        .expect("open");
    let commits = CommitCache::new(8);
    let opened = std::cell::Cell::new(0);
    let lookup = |revision: &str| {
        commits
            .lookup(revision, || {
                opened.set(opened.get() + 1);
                Ok(Arc::clone(&repo))
            })
            .expect("lookup")
    };

    let info = lookup(&first).expect("a known commit");
    assert_eq!(info.id, id(&first));
    assert_eq!(info.subject, "Add a", "the first line only");
    assert_eq!(info.author_name, "Fleet Tester");
    assert!(info.time > 0);
    assert_eq!(
        lookup(&second).map(|info| info.subject),
        Some("Change a".to_string()),
        "trailing blanks trimmed"
    );
    assert_eq!(opened.get(), 2);
    assert_eq!(lookup(&first), Some(info), "served from the cache");
    assert_eq!(opened.get(), 2, "a cached commit does not open the repo");

    for not_a_commit_id in ["1.2.3", "main", &first[..7], ""] {
        assert_eq!(lookup(not_a_commit_id), None, "{not_a_commit_id:?}");
    }
    assert_eq!(opened.get(), 2, "a chart version never touches Git");
    let unknown = "0123456789abcdef0123456789abcdef01234567";
    assert_eq!(lookup(unknown), None);
    assert_eq!(lookup(unknown), None);
    assert_eq!(opened.get(), 4, "an unknown commit is not cached");
    assert_eq!(commits.len(), 2);

    // A repository that cannot be opened is an error, not a missing subject.
    let third = origin.write("a.txt", "three").commit("Change a again");
    let failed = commits.lookup(&third, || {
        cache.open(&origin.path().join("missing").display().to_string())
    });
    assert!(
        matches!(failed, Err(SourceError::Open { .. })),
        "{failed:?}"
    );
}

#[test]
fn a_remote_not_cloned_yet_is_not_cloned_by_an_offline_open() {
    sandbox();
    let origin = TestRepo::new();
    origin.write("a.txt", "one").commit("first");
    let (_dir, cache) = local_cache();
    let url = origin.url();
    let err = cache.open_cached(&url).expect_err("not cloned yet");
    assert!(matches!(err, SourceError::NotCloned { .. }), "{err:?}");
    assert!(!cache.cache_dir().exists(), "nothing was cloned");
    let commits = CommitCache::default();
    assert_eq!(
        commits
            .lookup(&origin.head(), || cache.open_cached(&url))
            .expect("no error"),
        None,
        "a repository not cloned yet knows no commit"
    );
    cache.open(&url).expect("clone");
    assert_eq!(
        cache.open_cached(&url).expect("cloned").kind(),
        RepoKind::Remote
    );
}

#[test]
fn opening_errors_name_the_location() {
    sandbox();
    let (dir, cache) = local_cache();
    let missing = dir.path().join("missing");
    let location = missing.to_str().expect("utf-8 path");
    let err = cache.open(location).expect_err("missing repo");
    assert!(matches!(err, SourceError::Open { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!("repository {location}: cannot open")
    );
    assert!(
        std::error::Error::source(&err).is_some(),
        "keeps the git cause"
    );

    let plain = dir.path().join("plain");
    std::fs::create_dir(&plain).expect("mkdir");
    let err = cache
        .open(plain.to_str().expect("utf-8"))
        .expect_err("not a repo");
    assert!(matches!(err, SourceError::Open { .. }), "{err:?}");

    let err = cache.open("   ").expect_err("empty location");
    assert!(
        matches!(err, SourceError::InvalidLocation { .. }),
        "{err:?}"
    );
}

#[test]
fn mirror_head_follows_the_remote_default_branch() {
    let origin = TestRepo::new();
    let on_main = origin.write("a.txt", "main").commit("on main");
    origin.branch("trunk").checkout("trunk");
    let on_trunk = origin.write("a.txt", "trunk").commit("on trunk");
    let cache_root = tempfile::tempdir().expect("cache dir");
    let cache = RepoCache::new(cache_root.path().join("repos"));

    let repo = cache.open(&origin.url()).expect("clone");
    assert_eq!(repo.resolve("HEAD").expect("HEAD"), id(&on_trunk));

    origin.checkout("main");
    repo.fetch().expect("fetch");
    assert_eq!(repo.resolve("").expect("HEAD"), id(&on_main));
}
