import ArdakuCAS
import ArdakuFormat
import ArdakuIO
import ArdakuVolume
import ToolCommandLine
import Glibc

extension CASCommand {
    struct Get: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "get",
            abstract: "Write a stored file to standard output or DEST, or (with -r) restore a tree into DEST.",
            usage: """
            ardaku cas get [-f] [--wait[=<seconds>]]
              (FILE.cas | IMAGE VOLUME) ID|TAG... [DEST]
            ardaku cas get -r [-f] [--json] [--wait[=<seconds>]]
              (FILE.cas | IMAGE VOLUME) ID|TAG DEST
            """,
            discussion: """
            As ardaku get: with one ID|TAG, DEST is a host file and '-' or nothing writes the \
            content to standard output. With several, the last argument is DEST: a directory \
            (created if missing) that receives each as a file named as given, or '-' for \
            standard output, one after another in the order given; one that cannot be read or \
            written is named and the others are still written (exit status 1). Every object is \
            verified against its id as it is read. With -r the tree is \
            restored byte-identical under DEST (created if missing) and never outside it: \
            names are checked, no symbolic link is followed, and each file appears only once \
            complete. Existing files are kept unless -f is given.
            """)
        @Argument(help: ArgumentHelp("The volume (FILE.cas, or IMAGE VOLUME), ID|TAG, then DEST.", valueName: "arguments"))
        var arguments: [String] = []
        @Flag(name: .customShort("r"), help: "Restore the tree ID|TAG names into the directory DEST.") var recursive = false
        @Flag(name: .customShort("f"), help: "Replace existing host files.") var force = false
        @Flag(name: .long, help: "With -r: print what was restored as JSON.") var json = false
        @OptionGroup var waiting: WaitOption

        func run() {
            CASCommand.perform {
                var rest = arguments
                let usage = "ardaku cas get \(recursive ? "-r " : "")FILE.cas|IMAGE VOLUME ID|TAG \(recursive ? "DEST" : "[DEST]")"
                let session = try CASSession.open(&rest, writable: false, usage: usage)
                guard recursive ? rest.count == 2 : !rest.isEmpty else {
                    throw ToolError("give ID|TAG and \(recursive ? "" : "optionally ")DEST: \(usage)")
                }
                let volume = session.volume
                if rest.count > 2 { return try getSeveral(session, names: Array(rest.dropLast()), destination: rest[rest.count - 1]) }
                var id = try session.resolve(rest[0])
                // An item stands for what it names.
                if volume.type(of: id)?.kind == .item {
                    do { id = try volume.object(id).itemFields().target } catch { throw ToolError("\(session.display): \(error)") }
                }
                guard let type = volume.type(of: id) else { throw ToolError("\(session.display): no object \(id)") }
                if recursive {
                    guard rest.count == 2 else { throw ToolError("get -r needs a destination directory: \(usage)") }
                    guard type.kind == .tree && !type.isCore else {
                        throw ToolError("\(rest[0]) is \(CASCLI.article(type)), not a tree (get without -r writes a file's content)")
                    }
                    // Walk the whole tree before DEST is made: a tree nested too deep, or
                    // naming what is not there, creates nothing (docs/FORMAT.md §C8).
                    do { try volume.checkRestorable(id) } catch { throw ToolError("\(session.display): \(error)") }
                    let progress = ProgressBar("Restoring")
                    let sink = try CASHostSink(root: rest[1], overwrite: force, progress: progress)
                    defer {
                        sink.close()
                        progress.finish()
                    }
                    let report: RestoreReport
                    do { report = try volume.restore(id, to: sink) } catch {
                        if let failure = sink.failure { throw failure }
                        throw ToolError("\(session.display): \(error)")
                    }
                    if json {
                        struct Restored: Encodable { var root: String; var files: Int; var directories: Int; var contentBytes: UInt64 }
                        print(try JSONOutput.render(schema: "ardaku-cas-get/1", Restored(root: id.hex, files: report.files, directories: report.directories, contentBytes: report.contentBytes)))
                    }
                    return
                }
                guard type.kind == .blob || type.isChunkList else {
                    throw ToolError("\(rest[0]) is \(CASCLI.article(type)): use get -r to restore a tree")
                }
                if rest.count == 1 || rest[1] == "-" {
                    do {
                        try volume.readContent(id) { (bytes: UnsafeRawBufferPointer) throws(CASError) in
                            do throws(WriteFailure) { try StandardOutput.write(bytes) } catch { throw CASError(.host(path: "standard output", detail: error.errno.description)) }
                        }
                    } catch { throw ToolError("\(session.display): \(error)") }
                    return
                }
                let target = rest[1]
                if HostPaths.isDirectory(target) {
                    throw ToolError("\(target): is a directory (give the file name to write)")
                }
                let path = HostPath(target)
                let sink = try CASHostSink(root: path.parent, overwrite: force, progress: ProgressBar("Restoring", enabled: false))
                defer { sink.close() }
                do {
                    try sink.writeFile(at: [path.name]) { (write: (UnsafeRawBufferPointer) throws(CASError) -> Void) throws(CASError) in
                        try volume.readContent(id, write)
                    }
                } catch {
                    if let failure = sink.failure { throw failure }
                    throw ToolError("\(session.display): \(error)")
                }
            }
        }

        /// Several ID|TAGs, each a file's content: to standard output one after another
        /// (`destination` "-"), or into the directory `destination`, each named as given.
        private func getSeveral(_ session: CASSession, names: [String], destination: String) throws {
            let volume = session.volume
            let output = destination == "-" ? nil : try SafeOutput(root: destination)
            defer { output?.close() }
            var failures = 0
            var writeFailure: WriteFailure?
            for name in names {
                do {
                    var id = try session.resolve(name)
                    if volume.type(of: id)?.kind == .item {
                        do { id = try volume.object(id).itemFields().target } catch { throw ToolError("\(session.display): \(error)") }
                    }
                    guard let type = volume.type(of: id) else { throw ToolError("\(session.display): no object \(id)") }
                    guard type.kind == .blob || type.isChunkList else {
                        throw ToolError("\(name) is \(CASCLI.article(type)): use get -r to restore a tree")
                    }
                    guard let output else {
                        do {
                            try volume.readContent(id) { (bytes: UnsafeRawBufferPointer) throws(CASError) in
                                do throws(WriteFailure) { try StandardOutput.write(bytes) } catch {
                                    writeFailure = error
                                    throw CASError(.host(path: "standard output", detail: error.errno.description))
                                }
                            }
                        } catch {
                            if let writeFailure { throw writeFailure }
                            throw ToolError("\(session.display): \(name): \(error)")
                        }
                        continue
                    }
                    guard !name.isEmpty, !name.contains("/"), name != ".", name != ".." else {
                        throw ToolError("\(name): cannot be a file name in \(destination) (write it alone, naming DEST)")
                    }
                    var hostFailure: (any Error)?
                    do {
                        try output.write(relative: [name], overwrite: force) { write in
                            try volume.readContent(id) { (bytes: UnsafeRawBufferPointer) throws(CASError) in
                                do { try write(bytes) } catch {
                                    hostFailure = error
                                    throw CASError(.host(path: destination, detail: "\(error)"))
                                }
                            }
                        }
                    } catch let error as CASError {
                        if let hostFailure { throw hostFailure }
                        throw ToolError("\(session.display): \(name): \(error)")
                    }
                } catch let error as WriteFailure {
                    throw error
                } catch let error as ToolError where error.isBusy {
                    throw error
                } catch {
                    failures += 1
                    Console.error(CASCommand.tool, Console.describe(error))
                }
            }
            if failures > 0 { throw ToolError("\(failures) of \(names.count) not written") }
        }
    }
}
