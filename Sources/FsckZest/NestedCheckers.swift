import ArdakuCheck

/// The nested-volume checkers this build runs in pass 7.
///
/// The ZEST and CAS modules register theirs here when they land (a `NestedVolumeChecker`
/// each, for files of type `zest` and `cas`); until then pass 7 does not run and the
/// summary says how many nested volumes were left unchecked.
enum NestedCheckers {
    static let all: [any NestedVolumeChecker] = []
}
