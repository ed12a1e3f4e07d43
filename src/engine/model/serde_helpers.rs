//! Small predicates for `skip_serializing_if`, so serialized resources omit
//! what the user left out (as Argo CD's `omitempty` does).

pub(crate) fn is_false(value: &bool) -> bool {
    !*value
}
