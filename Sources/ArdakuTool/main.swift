import ArdakuCLI
import DumpfsCLI
import FsckCLI

// One executable for every tool, as e2fsprogs' mkfs.ext4 and fsck.ext4 are links to one
// program: the name it was run by chooses the tool (mkfs.ardaku, fsck.zest, fsck.ardaku,
// dumpfs are links to ardaku), and `ardaku mkfs|fsck|dump ...` reach the same tools.

/// The tool each installed name runs, and the same tools as `ardaku` subcommands.
let toolsByProgramName: [Substring: ([String]) -> Void] = [
    "mkfs.ardaku": { MkfsCommand.launch($0) },
    "fsck.zest": { FsckLauncher.launch($0) },
    "fsck.ardaku": { FsckLauncher.launch($0) },
    "dumpfs": { Dumpfs.launch($0) },
]
let toolsBySubcommand: [String: Substring] = ["mkfs": "mkfs.ardaku", "fsck": "fsck.zest", "dump": "dumpfs"]

let arguments = Array(CommandLine.arguments.dropFirst())
let invokedAs = CommandLine.arguments.first?.split(separator: "/").last ?? "ardaku"
if let run = toolsByProgramName[invokedAs] {
    run(arguments)
} else if let first = arguments.first, let name = toolsBySubcommand[first], let run = toolsByProgramName[name] {
    run(Array(arguments.dropFirst()))
} else {
    ArdakuCommand.launch(arguments)
}
