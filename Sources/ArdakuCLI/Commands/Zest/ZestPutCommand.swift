import ArdakuFormat
import ArdakuIO
import ArdakuVolume
import ArdakuZest
import ArgumentParser
import Glibc
import PlainCommandLine

extension ZestCommand {
    struct Put: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "put",
            abstract: "Store a host file (or, with -r, a directory tree) in a ZEST volume.",
            usage: "ardaku zest put [-r] [-f] [-v] [-q] [--dictionary <when>] [--level <n>]\n  [--wait[=<seconds>]] (FILE.zest | IMAGE VOLUME) SOURCE NAME",
            discussion: """
            With -r, every regular file under SOURCE is stored as NAME + its path relative to \
            SOURCE, in name order. When the volume has no dictionary yet, one is trained on a \
            sample of the files first (--dictionary). Everything is committed once, at the end.
            """)
        @Argument(help: ArgumentHelp("The volume (FILE.zest, or IMAGE VOLUME), the host SOURCE and the NAME in the volume.",
                                     valueName: "arguments")) var arguments: [String] = []
        @Flag(name: .customShort("r"), help: "Store every regular file under the directory SOURCE, under the directory NAME.") var recursive = false
        @Flag(name: .customShort("f"), help: "Replace existing files.") var force = false
        @Flag(name: .customShort("v"), help: "Name every file stored.") var verbose = false
        @Flag(name: .customShort("q"), help: "Quiet: no warnings about skipped entries, no progress.") var quiet = false
        @Option(help: ArgumentHelp("With -r: train a preset dictionary 'auto' (when the volume has none and it pays), 'always' or 'never'.",
                                valueName: "when"))
        var dictionary: String = "auto"
        @Option(help: ArgumentHelp("zlib level, 1 (fast) to 9 (small).", valueName: "n")) var level: Int32 = 6
        @OptionGroup var waiting: WaitOption

        func run() {
            ZestCommand.perform {
                var rest = arguments
                let usage = "ardaku zest put (FILE.zest | IMAGE VOLUME) SOURCE NAME"
                let session = try ZestSession.open(&rest, writable: true, usage: usage)
                guard rest.count == 2 else { throw ToolError("put takes SOURCE and NAME after the volume: \(usage)") }
                let (source, name) = (rest[0], rest[1])
                _ = try ZestCLI.options(segmentSize: nil, level: level)
                session.volume.compressionLevel = level
                if recursive {
                    let policy: ZestImport.DictionaryPolicy
                    switch dictionary {
                    case "auto": policy = .automatic
                    case "always": policy = .always
                    case "never": policy = .never
                    default: throw ToolError("--dictionary \(dictionary): give auto, always or never")
                    }
                    _ = try ZestCLI.importTree(source, prefix: try ArdakuCommand.directoryPrefix(name), into: session.volume,
                                               replace: force, dictionary: policy, quiet: quiet, verbose: verbose, tool: ZestCommand.tool)
                } else {
                    let fileName = try ZestCLI.fileName(name)
                    let content = try ZestCLI.readHostFile(source)
                    do {
                        if session.volume.contains(fileName) {
                            guard force else { throw ToolError("\(name): file exists (use -f to replace it)") }
                            try session.volume.update(fileName, content)
                        } else {
                            try session.volume.insert(fileName, content)
                        }
                    } catch let error as ZestError { throw ToolError("\(session.display): \(error)") }
                    if verbose { print(fileName.string) }
                }
                try session.commit()
            }
        }
    }
}
