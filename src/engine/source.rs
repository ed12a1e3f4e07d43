//! Git sources: a cache of repositories, revision resolution, reading trees at
//! a commit without a checkout, and the history of a path.
