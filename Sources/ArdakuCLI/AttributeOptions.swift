import ArdakuFormat
import ArdakuIO
import Glibc
import ToolCommandLine

/// How a tree's attributes are recorded (`mkfs.ardaku -d`, `ardaku put -r`), with
/// mkfs.erofs's and mke2fs's spellings: every file root's, or one owner or group for all;
/// extended attributes left out.
struct RecordingOptions: ParsableArguments {
    @Flag(name: .customLong("all-root"), help: "Record every file as owned by root (uid and gid 0).")
    var allRoot = false
    @Option(name: .customLong("force-uid"), help: ArgumentHelp("Record this owner (a number) for every file.", valueName: "uid"))
    var forcedOwner: UInt32?
    @Option(name: .customLong("force-gid"), help: ArgumentHelp("Record this group (a number) for every file.", valueName: "gid"))
    var forcedGroup: UInt32?
    @Flag(name: .customLong("no-xattrs"), help: "Do not record extended attributes.")
    var noExtendedAttributes = false

    init() {}

    /// The walker's options; `latestTime` (SOURCE_DATE_EPOCH) clamps every time.
    func walkerOptions(latestTime: UInt64?) -> HostTreeWalker.Options {
        var options = HostTreeWalker.Options()
        options.allRoot = allRoot
        options.forcedOwner = forcedOwner
        options.forcedGroup = forcedGroup
        options.readsExtendedAttributes = !noExtendedAttributes
        options.latestTime = latestTime.map { FileAttributes.Timestamp(seconds: Int64(clamping: $0)) }
        return options
    }
}

/// How extracted files get their recorded attributes (`ardaku get`), as tar's options say it.
struct RestoringOptions: ParsableArguments {
    @Flag(name: .customLong("no-same-owner"), help: "Leave files owned by the user running get (the default unless run as root).")
    var noSameOwner = false
    @Flag(name: .customLong("no-xattrs"), help: "Do not restore extended attributes.")
    var noExtendedAttributes = false

    init() {}

    func apply(to output: SafeOutput) {
        if noSameOwner { output.sameOwner = false }
        if noExtendedAttributes { output.extendedAttributes = false }
    }
}
