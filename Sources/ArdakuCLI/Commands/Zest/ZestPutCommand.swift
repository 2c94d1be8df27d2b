import ArdakuFormat
import ArdakuIO
import ArdakuVolume
import ArdakuZest
import ToolCommandLine
import Glibc
import PlainCommandLine

extension ZestCommand {
    struct Put: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "put",
            abstract: "Store a host file (or, with -r, a directory tree) in a ZEST volume.",
            usage: "ardaku zest put [-r] [-f] [-v] [-q] [--dictionary <when>] [--level <n>]\n  [--wait[=<seconds>]] (FILE.zest | IMAGE VOLUME) SOURCE NAME",
            discussion: """
            A missing volume is created with the defaults of zest create: a standalone FILE.zest \
            that does not exist (or is empty), or VOLUME in the image. SOURCE '-' (without -r) \
            reads standard input, at most the \(ZestLimits.maxFileBytes) bytes a ZEST file may \
            hold: longer input is refused and nothing is stored. With -r, every regular file \
            under SOURCE is stored as NAME + its path relative to SOURCE, in name order. When the \
            volume has no dictionary yet, one is trained on a sample of the files first \
            (--dictionary). Everything is committed once, at the end.
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
                guard rest.count >= 3 else { throw ToolError("put takes SOURCE and NAME after the volume: \(usage)") }
                let (source, name) = (rest[rest.count - 2], rest[rest.count - 1])
                let options = try ZestCLI.options(segmentSize: nil, level: level)
                let policy: ZestImport.DictionaryPolicy
                switch dictionary {
                case "auto": policy = .automatic
                case "always": policy = .always
                case "never": policy = .never
                default: throw ToolError("--dictionary \(dictionary): give auto, always or never")
                }
                // SOURCE and NAME are read and checked before the volume is opened, so that a
                // source that cannot be stored creates no volume.
                var content: [UInt8] = []
                if recursive {
                    guard source != "-" else { throw ToolError("put -r stores a directory tree, not standard input") }
                    guard HostPaths.isDirectory(source) else { throw ToolError("\(source): not a directory") }
                    _ = try ArdakuCommand.directoryPrefix(name)
                } else {
                    _ = try ZestCLI.fileName(name)
                    content = source == "-" ? try ZestCLI.readStandardInput() : try ZestCLI.readHostFile(source)
                }
                var existed = false
                if case .success = SystemCalls.pathInfo(rest[0]) { existed = true }
                let (session, created) = try ZestSession.openCreating(&rest, rest: 2, options: options, usage: usage)
                guard rest.count == 2 else { throw ToolError("put takes SOURCE and NAME after the volume: \(usage)") }
                session.volume.compressionLevel = level
                do {
                    try store(content, source: source, name: name, policy: policy, in: session)
                    try session.commit()
                } catch {
                    // A standalone volume made for this put goes again when nothing could be put in it.
                    if created, !existed, case let .standalone(path) = session.location { unlink(path) }
                    throw error
                }
            }
        }

        /// Stores `content` (or, with -r, the tree `source`) as `name` in the session's volume.
        private func store(_ content: [UInt8], source: String, name: String, policy: ZestImport.DictionaryPolicy,
                           in session: ZestSession) throws {
            if recursive {
                _ = try ZestCLI.importTree(source, prefix: try ArdakuCommand.directoryPrefix(name), into: session.volume,
                                           replace: force, dictionary: policy, quiet: quiet, verbose: verbose, tool: ZestCommand.tool)
                return
            }
            let fileName = try ZestCLI.fileName(name)
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
    }
}
