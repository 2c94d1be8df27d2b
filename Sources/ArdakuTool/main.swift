import ArdakuCLI
import DumpfsCLI
import FsckCLI

// One executable for every tool, as e2fsprogs' mkfs.ext4 and fsck.ext4 are links to one
// program: the name it was run by chooses the tool (mkfs.ardaku, fsck.zest, fsck.ardaku,
// dumpfs are links to ardaku), and `ardaku mkfs|fsck|dump ...` reach the same tools.

/// The tool a name runs, or nil for `ardaku` itself.
func tool(named name: Substring) -> (([String]) -> Void)? {
    switch name {
    case "mkfs.ardaku", "mkfs": return { MkfsCommand.launch($0) }
    case "fsck.zest", "fsck.ardaku", "fsck": return { FsckLauncher.launch($0) }
    case "dumpfs", "dump": return { Dumpfs.launch($0) }
    default: return nil
    }
}

let arguments = Array(CommandLine.arguments.dropFirst())
let invokedAs = CommandLine.arguments.first?.split(separator: "/").last ?? "ardaku"
if invokedAs != "ardaku", let run = tool(named: invokedAs) {
    run(arguments)
} else if let first = arguments.first, ["mkfs", "fsck", "dump"].contains(first), let run = tool(named: Substring(first)) {
    run(Array(arguments.dropFirst()))
} else {
    ArdakuCommand.launch()
}
