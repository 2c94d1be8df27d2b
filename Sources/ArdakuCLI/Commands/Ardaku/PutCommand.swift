import ArdakuFormat
import ArdakuIO
import ArdakuVolume
import ToolCommandLine
import PlainCommandLine

extension ArdakuCommand {
    struct Put: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "put", abstract: "Store a host file (or, with -r, a directory tree) in the volume.",
            usage: """
            ardaku put [-r] [-f] [-v] [--all-root] [--force-uid <uid>] [--force-gid <gid>] [--no-xattrs]
                [--wait[=<seconds>]] <image> <source> <name>
            """,
            discussion: """
            SOURCE '-' (without -r) stores standard input, read to its end: its pages are stored \
            as they arrive, so input of any length takes no more memory than one page. Input \
            longer than the volume's free space (even zeros, which would be stored as holes) \
            stores nothing.

            A host file (with -r, every entry under SOURCE) is stored with its mode \
            (setuid, setgid and sticky bits too), owner, group, times to the nanosecond and \
            extended attributes; --all-root, --force-uid and --force-gid record other owners, \
            --no-xattrs none of the extended attributes. With -r, directories (empty ones \
            too, and NAME itself), symbolic links (their targets, never followed), FIFOs and \
            devices are stored as entries of their own; a directory already in the volume \
            keeps its attributes unless -f. Sockets are skipped with a warning.
            """)
        @Argument(help: "Image file or device.") var image: String
        @Argument(help: "Host file ('-': standard input), or directory with -r.") var source: String
        @Argument(help: "Name in the volume (a directory prefix with -r).") var name: String
        @Flag(name: .customShort("r"), help: "Store the directory SOURCE with everything under it.") var recursive = false
        @Flag(name: .customShort("f"), help: "Replace existing files.") var force = false
        @Flag(name: .customShort("v"), help: "Name every file stored.") var verbose = false
        @OptionGroup var recording: RecordingOptions
        @OptionGroup var waiting: WaitOption

        func run() {
            ArdakuCommand.perform {
                let (_, volume) = try ImageAccess.openVolume(image, writable: true)
                if recursive {
                    guard source != "-" else { throw ToolError("put -r stores a directory tree, not standard input") }
                    var importer = TreeImport(tool: "ardaku")
                    importer.replaceExisting = force
                    importer.verbose = verbose
                    importer.attributes = recording.walkerOptions(latestTime: TimeFormat.sourceDateEpoch)
                    let summary = try importer.run(root: source, prefix: try ArdakuCommand.directoryPrefix(name), into: volume)
                    if summary.skipped > 0 { Console.warning("ardaku", SkipReport.summary(summary.skipped) + " (named above)") }
                } else {
                    let fileName = try ImageAccess.fileName(name)
                    var options = PutOptions()
                    options.replaceExisting = force
                    do {
                        if source == "-" {
                            let freeBytes = UInt64(volume.system.totalPageCount - volume.system.usedPageCount) << 16
                            try volume.put(fileName, streaming: StandardInputSource(limit: freeBytes), options: options)
                        } else {
                            let file = try HostFileSource(path: source)
                            // What put -r records for each file of a tree, for this one file.
                            let recorded = HostTreeWalker.attributes(
                                of: source, options: recording.walkerOptions(latestTime: TimeFormat.sourceDateEpoch)
                            ) { message in Console.warning("ardaku", "\(source): \(message)") }
                            switch recorded {
                            case .success(let attributes) where attributes.kind == .regular: options.attributes = attributes
                            case .success: break
                            case .failure(let error): throw ToolError(error.message)
                            }
                            try volume.put(fileName, from: file, options: options)
                        }
                    }
                    catch VolumeError.alreadyExists(let existing) { throw ToolError("\(existing): file exists (use -f to replace it)") }
                }
                try volume.close()
            }
        }
    }
}
