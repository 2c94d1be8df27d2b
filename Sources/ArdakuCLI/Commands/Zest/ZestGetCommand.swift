import ArdakuFormat
import ArdakuIO
import ArdakuVolume
import ArdakuZest
import ToolCommandLine
import Glibc
import PlainCommandLine

extension ZestCommand {
    struct Get: RunsPlainCommandLines {
        static let configuration = CommandConfiguration(
            commandName: "get",
            abstract: "Write files of a ZEST volume to standard output, or (with -o) copy them out.",
            usage: "ardaku zest get [-r] [-o <dest>] [-f] [-T <list>] [--wait[=<seconds>]]\n  (FILE.zest | IMAGE VOLUME) NAME...",
            discussion: """
            Without -o, the contents of the NAMEs go to standard output one after another, in \
            the order given (with -r: every file under each directory NAME, in name order), as \
            cat would write them (as with -o -). With -o DEST they are written as host files: one NAME to DEST \
            (or into DEST when it is a directory), several into the directory DEST, and with -r \
            the files under NAME to DEST/<path below NAME>. Extraction never writes outside DEST \
            and leaves no partial file. Every file's CRC-32 is verified; a damaged or missing \
            file is reported and the others are still written (exit status 1). With -T, the \
            names are read from the file LIST (one per line; '-' is standard input) after any \
            given as arguments: the way to read thousands of names in one process.
            """)
        @Argument(help: ArgumentHelp("The volume (FILE.zest, or IMAGE VOLUME), then the names.", valueName: "arguments"))
        var arguments: [String] = []
        @Flag(name: .customShort("r"), help: "The NAMEs are directories: every file under them.") var recursive = false
        @Option(name: .customShort("o"), help: ArgumentHelp("Write host files here instead of to standard output ('-': standard output).", valueName: "dest"))
        var output: String?
        @Flag(name: .customShort("f"), help: "With -o: replace existing host files.") var force = false
        @Option(name: [.customShort("T"), .customLong("files-from")], help: ArgumentHelp("Also read names from this file, one per line ('-': standard input).", valueName: "list"))
        var list: String?
        @OptionGroup var waiting: WaitOption

        var request: GetRequest {
            GetRequest(arguments: arguments, recursive: recursive, output: output, force: force, list: list, wait: waiting.value)
        }

        func run() { request.run() }
    }

    /// `zest get` with the values of its options and arguments (see `PlainCommandLine`).
    struct GetRequest: CommandRequest {
        var arguments: [String]
        var recursive: Bool
        var output: String?
        var force: Bool
        var list: String?
        /// The `--wait` value (plain command lines never have one).
        var wait: String? = nil

        func run() {
            ZestCommand.perform {
                VolumeLock.waiting = try VolumeLock.Waiting.required(wait)
                var names = arguments
                let usage = "ardaku zest get (FILE.zest | IMAGE VOLUME) NAME..."
                let location = try ZestSession.locate(&names, usage: usage)
                if let list { names += try ZestCLI.readNameList(list) }
                guard !names.isEmpty else { throw ToolError("get needs at least one name: \(usage)") }
                // Many files are decoded on several threads: start one while the table is read.
                if recursive || names.count > 1 { ZestParallel.warmUp() }
                // Single files: only their entries are decoded (the table is still checked).
                let session = try ZestSession.open(location, writable: false,
                                                   only: recursive ? nil : try names.map(ZestCLI.fileName))
                defer { ZestSession.keepUntilExit(session) }
                if recursive { session.prefetch() }
                var failures = 0
                func report(_ error: ZestError) {
                    failures += 1
                    Console.error(ZestCommand.tool, "\(session.display): \(ZestCLI.describe(error))")
                }
                // A file that cannot be written (a device node in the way, a full disk) is
                // named, and the others are still extracted.
                func reportUnwritten(_ error: ToolError) {
                    failures += 1
                    Console.error(ZestCommand.tool, error.message)
                }
                if let output, output != "-" {
                    try extract(session, names: names, destination: output, report: report, reportUnwritten: reportUnwritten)
                } else {
                    let out = OutputBuffer(sink: StandardOutput.write)
                    if recursive {
                        for directory in names {
                            let prefix = try ZestCLI.directoryPrefix(directory)
                            guard prefix == "/" || !session.volume.list(prefix: prefix).isEmpty else {
                                throw ToolError("\(directory): no such directory in \(session.display)")
                            }
                            try session.volume.readContents(prefix: prefix, order: .name) { _, content in
                                try Self.write(content, to: out, report: report)
                            }
                        }
                    } else {
                        let fileNames = try names.map(ZestCLI.fileName)
                        try session.volume.readContents(fileNames) { _, content in
                            try Self.write(content, to: out, report: report)
                        }
                    }
                    try out.flush()
                }
                if failures > 0 { throw ToolError("\(failures) file\(failures == 1 ? "" : "s") could not be read or written") }
            }
        }

        /// Writes one file's content to standard output, or reports why it cannot be read.
        /// Content decoded in pieces (a large file) is verified in a first pass, so that a
        /// damaged file writes nothing, as a small one does.
        private static func write(_ content: Result<ZestFileContent, ZestError>, to out: OutputBuffer,
                                  report: (ZestError) -> Void) throws {
            switch content {
            case let .success(content):
                do throws(ZestError) { try content.verify() } catch {
                    report(error)
                    return
                }
                try content.write { try out.write($0) }
            case let .failure(error):
                report(error)
            }
        }

        /// Writes one file's content through `SafeOutput` (which removes its temporary file
        /// when this throws); damaged content found while it is written goes to `report`.
        private static func write(_ content: ZestFileContent, to root: SafeOutput, relative: [String], overwrite: Bool,
                                  report: (ZestError) -> Void, reportUnwritten: (ToolError) -> Void) throws {
            do {
                try root.write(relative: relative, overwrite: overwrite) { write in try content.write(write) }
            } catch let error as ZestError {
                report(error)
            } catch let error as ToolError where !error.isBusy {
                reportUnwritten(error)
            }
        }

        /// Copies the files out under `destination`; files that cannot be read go to `report`.
        private func extract(_ session: ZestSession, names: [String], destination: String, report: (ZestError) -> Void,
                             reportUnwritten: (ToolError) -> Void) throws {
            let volume = session.volume
            if recursive {
                let root = try SafeOutput(root: destination)
                defer { root.close() }
                for directory in names {
                    let prefix = try ZestCLI.directoryPrefix(directory)
                    guard prefix == "/" || !volume.list(prefix: prefix).isEmpty else {
                        throw ToolError("\(directory): no such directory in \(session.display)")
                    }
                    let listed = volume.list(prefix: prefix)
                    let progress = ProgressBar("Copying", totalBytes: listed.reduce(0) { $0 + UInt64($1.size) }, totalFiles: listed.count)
                    defer { progress.finish() }
                    var done = (files: 0, bytes: UInt64(0))
                    try volume.readContents(prefix: prefix, order: .name) { name, content in
                        defer { progress.update(bytes: done.bytes, files: done.files) }
                        // Names from the volume are validated again before they become host paths.
                        let validated = try ZestCLI.fileName(name.string)
                        let relative = String(decoding: validated.bytes[prefix.utf8.count...], as: UTF8.self)
                        switch content {
                        case let .success(content):
                            try Self.write(content, to: root, relative: relative.split(separator: "/").map(String.init),
                                           overwrite: force, report: report, reportUnwritten: reportUnwritten)
                            done.files += 1
                            done.bytes += UInt64(content.count)
                        case let .failure(error):
                            report(error)
                        }
                    }
                }
                return
            }
            let fileNames = try names.map(ZestCLI.fileName)
            let destinationIsDirectory = HostPaths.isDirectory(destination)
            // One name and a destination that is not a directory: the destination is the file.
            let intoDirectory = destinationIsDirectory || fileNames.count > 1
            let root = try SafeOutput(root: intoDirectory ? destination : HostPath(destination).parent)
            defer { root.close() }
            try volume.readContents(fileNames) { position, content in
                switch content {
                case let .success(content):
                    let target = intoDirectory ? fileNames[position].lastComponent : HostPath(destination).name
                    try Self.write(content, to: root, relative: [target], overwrite: force, report: report, reportUnwritten: reportUnwritten)
                case let .failure(error):
                    report(error)
                }
            }
        }
    }
}

extension ZestCommand.GetRequest {
    init(_ line: PlainCommandLine) {
        self.init(arguments: line.operands, recursive: line.flags.contains("-r"), output: line.options["-o"],
                  force: line.flags.contains("-f"), list: line.options["-T"])
    }
}
