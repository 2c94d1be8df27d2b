import ArdakuCheck

/// The nested-volume checkers `fsck.zest` runs in pass 7 and on standalone files: one
/// `NestedVolumeChecker` per nested type (`zest`, `cas`). The one list the executable, the
/// corpus transcripts and the crash harness all use, so they cannot drift apart.
public enum NestedCheckers {
    public static let all: [any NestedVolumeChecker] = [ZestNestedChecker(), CASNestedChecker()]
}
