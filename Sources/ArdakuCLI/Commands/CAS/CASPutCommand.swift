import ArdakuCAS
import ArdakuFormat
import ArdakuIO
import ArdakuVolume
import ToolCommandLine
import Glibc

extension CASCommand {
    struct Put: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "put",
            abstract: "Store a host file (or, with -r, a directory tree) and print its id.",
            usage: "ardaku cas put [-r] [--tag <name>] [--level <n>] [-q] [--json]\n  [--wait[=<seconds>]] (FILE.cas | IMAGE VOLUME) SOURCE",
            discussion: """
            A missing volume is created (a standalone FILE.cas, or VOLUME in the image). \
            With -r, SOURCE is a directory: every regular file becomes a blob (or chunks and a \
            chunk list), every name an item, every directory a tree; content the volume holds \
            already is not stored again, and the summary says how much that saved. Symbolic \
            links, devices, FIFOs, sockets and names an item cannot hold are skipped, each \
            with a warning. Only content is stored: no modes, times or owners. SOURCE '-' \
            (without -r) reads standard input.
            """)
        @Argument(help: ArgumentHelp("The volume (FILE.cas, or IMAGE VOLUME), then SOURCE.", valueName: "arguments"))
        var arguments: [String] = []
        @Flag(name: .customShort("r"), help: "SOURCE is a directory: store the whole tree.") var recursive = false
        @Option(name: .long, help: ArgumentHelp("Point this tag at what was stored (moving it if it exists).", valueName: "name"))
        var tag: String?
        @Option(help: ArgumentHelp("zlib level, 1 (fast) to 9 (small); the default is tuned per object class.", valueName: "n"))
        var level: Int32?
        @Flag(name: .customShort("q"), help: "Print only the id (and errors).") var quiet = false
        @Flag(name: .long, help: "JSON output.") var json = false
        @OptionGroup var waiting: WaitOption

        func run() {
            CASCommand.perform {
                if let tag { try CASCLI.checkTagName(tag) }
                var rest = arguments
                let usage = "ardaku cas put \(recursive ? "-r " : "")FILE.cas|IMAGE VOLUME SOURCE"
                // SOURCE (the last argument) is opened before the volume, so that a source
                // that cannot be stored creates no volume.
                let file = recursive || arguments.count < 2 ? nil : try Self.openSource(arguments[arguments.count - 1])
                let session = try CASSession.open(&rest, writable: true, missing: .create(rest: 1), options: try CASCLI.options(level: level), usage: usage)
                guard rest.count == 1 else { throw ToolError("give one SOURCE after the volume: \(usage)") }
                let source = rest[0]
                let volume = session.volume
                let before = volume.store.length
                if recursive {
                    let (report, host) = try CASCLI.snapshot(source, into: volume, quiet: quiet || json)
                    if let tag { do { try volume.setTag(tag, to: report.root) } catch { throw ToolError("\(session.display): \(error)") } }
                    try session.commit()
                    let after = volume.store.length
                    if json {
                        print(try JSONOutput.render(schema: "ardaku-cas-snapshot/1", CASCLI.SnapshotJSON(
                            root: report.root.hex, tag: tag, files: report.files, directories: report.directories,
                            contentBytes: report.contentBytes, reusedContentBytes: report.reusedContentBytes,
                            newObjects: report.newObjects, storedBytes: report.storedBytes,
                            storeBytesBefore: before, storeBytesAfter: after,
                            skipped: host.skipped.map { CASCLI.SkippedJSON(path: $0.path, reason: $0.reason) }, created: session.created)))
                        return
                    }
                    print(report.root.hex)
                    guard !quiet else { return }
                    print("\(Plural.count(report.files, "file")), \(Plural.count(report.directories, "directory", "directories")), \(ByteSize.describe(report.contentBytes)) of content"
                          + (tag.map { "; tagged \($0)" } ?? ""))
                    print("saved: \(ByteSize.describe(report.reusedContentBytes)) of content (\(CASCLI.percent(report.reusedContentBytes, of: report.contentBytes))) was in the volume already")
                    print("stored: \(Plural.count(report.newObjects, "new object")), \(ByteSize.describe(report.storedBytes)); the volume grew from \(ByteSize.describe(before)) to \(ByteSize.describe(after))")
                    if !host.skipped.isEmpty { print("skipped: \(Plural.count(host.skipped.count, "entry", "entries")) (see the warnings)") }
                    return
                }
                let id = try storeFile(source, file, into: volume, display: session.display)
                if let tag { do { try volume.setTag(tag, to: id) } catch { throw ToolError("\(session.display): \(error)") } }
                try session.commit()
                if json {
                    struct Stored: Encodable { var id: String; var tag: String?; var storeBytesBefore: UInt64; var storeBytesAfter: UInt64 }
                    print(try JSONOutput.render(schema: "ardaku-cas-put/1", Stored(id: id.hex, tag: tag, storeBytesBefore: before, storeBytesAfter: volume.store.length)))
                } else {
                    print(id.hex)
                }
            }
        }

        /// The regular file `source` names, open; nil for standard input ("-").
        static func openSource(_ source: String) throws -> RegularSourceFile? {
            guard source != "-" else { return nil }
            if case .success(let info) = SystemCalls.pathInfo(source), info.kind == .directory {
                throw ToolError("\(source): is a directory (use -r)")
            }
            do { return try RegularSourceFile(path: source) } catch { throw ToolError(error.description) }
        }

        /// Stores one host file (`file`; standard input when nil) as content, in pieces.
        private func storeFile(_ source: String, _ file: RegularSourceFile?, into volume: CASVolume, display: String) throws -> ObjectID {
            var readFailure: Error?
            do {
                return try volume.putContent { (body: ([UInt8]) throws(CASError) -> Void) throws(CASError) in
                    do {
                        try CASCLI.readPieces(file, pieceBytes: CASVolume.streamingPieceBytes) { (piece: UnsafeRawBufferPointer) throws(CASError) in
                            try body(Array(piece))
                        }
                    } catch let error as CASError {
                        throw error
                    } catch {
                        readFailure = error
                        throw CASError(.host(path: source, detail: "\(error)"))
                    }
                }.id
            } catch {
                if let readFailure { throw readFailure }
                throw ToolError("\(display): \(error)")
            }
        }
    }
}
