import ArdakuCASCheck
import ArdakuCheck
import ArdakuZestCheck

/// The nested-volume checkers this build runs in pass 7 and on standalone files.
///
/// One `NestedVolumeChecker` per nested type (`zest`, `cas`).
/// The corpus transcripts are made with the same list (`CheckFixtures.Transcript`), so
/// keep the two equal: FsckBinaryTests compares this binary's output with them.
enum NestedCheckers {
    static let all: [any NestedVolumeChecker] = [ZestNestedChecker(), CASNestedChecker()]
}
