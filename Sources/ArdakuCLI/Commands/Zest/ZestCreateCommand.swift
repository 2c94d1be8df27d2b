import ArdakuFormat
import ArdakuIO
import ArdakuVolume
import ArdakuZest
import ToolCommandLine
import Glibc
import PlainCommandLine

extension ZestCommand {
    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "create",
            abstract: "Make an empty ZEST volume: a standalone file, or a file of type 'zest' in an Ardaku image.",
            usage: "ardaku zest create [--segment-size <n>] [-f] [--wait[=<seconds>]]\n  (FILE.zest | IMAGE VOLUME)")
        @Argument(help: ArgumentHelp("FILE.zest, or IMAGE VOLUME.", valueName: "target")) var arguments: [String] = []
        @Option(help: ArgumentHelp("Bytes per segment, a power of two from 16 to 4096 (default 32: every file wastes half a segment on average).",
                                valueName: "n"))
        var segmentSize: UInt32?
        @Flag(name: .customShort("f"), help: "Replace an existing file of that name with the empty volume.") var force = false
        @OptionGroup var waiting: WaitOption

        func run() {
            ZestCommand.perform {
                _ = try ZestSession.create(arguments, options: try ZestCLI.options(segmentSize: segmentSize, level: 6), replace: force)
            }
        }
    }
}
