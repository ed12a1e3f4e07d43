//! From a source tree at a commit to desired objects.
