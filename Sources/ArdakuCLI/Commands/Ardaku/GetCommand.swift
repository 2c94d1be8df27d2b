import ArdakuFormat
import ArdakuIO
import ArdakuVolume
import ToolCommandLine
import PlainCommandLine

extension ArdakuCommand {
    struct Get: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "get", abstract: "Copy files (or, with -r, directories) out of the volume; every page's CRC-32 is verified.",
            usage: """
            ardaku get [-r] [-f] [--salvage] [--no-same-owner] [--no-xattrs] [--wait[=<seconds>]]
                IMAGE NAME [DEST]
            ardaku get [-r] [-f] [--salvage] [--no-same-owner] [--no-xattrs] [--wait[=<seconds>]]
                IMAGE NAME... DEST
            """,
            discussion: """
            As cp and cat: with one NAME, DEST is a host file, or a directory to copy into, and \
            '-' or nothing writes the file to standard output. With several NAMEs the last \
            argument is DEST: a directory (created if missing) that receives each file under its \
            last name component, or '-' for standard output, the files one after another in the \
            order given. With -r each NAME is a directory: every file under it goes to DEST/<path \
            below NAME>, or, with '-', to standard output in name order. A file that cannot be \
            read or written is named and the others are still copied (exit status 1); a failed \
            write to standard output (a closed pipe, a full disk) stops the command with exit \
            status 1. Nothing is written outside DEST, no symbolic link is followed, and no \
            partial file is left.
            """)
        @Argument(help: "Image file or device.") var image: String
        @Argument(help: ArgumentHelp("Files (directories with -r) in the volume, then DEST: a host file or directory, '-' for standard output (optional with one NAME).",
                                     valueName: "name"))
        var operands: [String] = []
        @Flag(name: .customShort("r"), help: "Copy every file under the directories NAME into DEST.") var recursive = false
        @Flag(name: .customShort("f"), help: "Replace existing host files.") var force = false
        @Flag(name: .long, help: "Copy damaged files as they are, naming the byte ranges that fail their CRC-32 on standard error (exit status 1).")
        var salvage = false
        @OptionGroup var restoring: RestoringOptions
        @OptionGroup var waiting: WaitOption

        func run() {
            var salvaged: [String] = []
            ArdakuCommand.perform {
                guard !operands.isEmpty else { throw ToolError("get needs a NAME: ardaku get IMAGE NAME... [DEST]") }
                // One operand is a NAME; more, and the last is where the files go.
                let names = operands.count == 1 ? operands : Array(operands.dropLast())
                let destination = operands.count == 1 ? nil : operands.last
                let (_, volume) = try ImageAccess.openVolume(image, writable: false)
                var tally = Tally(files: names.count)
                if let destination, destination != "-" {
                    if recursive {
                        try copyTrees(volume, names: names, destination: destination, tally: &tally, salvaged: &salvaged)
                    } else if names.count == 1 {
                        try copyFile(volume, name: names[0], destination: destination, salvaged: &salvaged)
                    } else {
                        try copyFiles(volume, names: names, into: destination, tally: &tally, salvaged: &salvaged)
                    }
                } else {
                    try writeToStandardOutput(volume, names: names, tally: &tally, salvaged: &salvaged)
                }
                if tally.failed > 0 { salvaged.append("\(tally.failed) of \(Plural.count(tally.files, "file")) not copied") }
                if !salvaged.isEmpty { throw ToolError(salvaged.joined(separator: "\nardaku: ")) }
            }
        }

        /// How many files there were to copy (NAMEs, or the files under them with -r) and how
        /// many failed: the closing message, "2 of 5 files not copied".
        private struct Tally {
            var files: Int
            var failed = 0
        }

        /// The file `name` names; throws when it is a directory or missing.
        private func existingFile(_ volume: Volume, _ name: String) throws -> FileName {
            let fileName = try ImageAccess.fileName(name)
            guard try volume.exists(fileName), !(try volume.isDirectoryRecord(fileName)) else {
                throw ToolError(try volume.isDirectory(fileName.bytes) ? "\(name): is a directory (use -r)" : "\(name): no such file")
            }
            return fileName
        }

        /// Writes `name` as `components` below `output`: a regular file with its content, a
        /// symbolic link, FIFO or device made as its attributes say (cp -a's way).
        private func copy(_ volume: Volume, _ name: FileName, to components: [String], in output: SafeOutput,
                          salvaged: inout [String]) throws {
            let attributes = try volume.stat(name).attributes.file
            guard attributes.kind == .regular else {
                return try output.make(relative: components, attributes: attributes, overwrite: force)
            }
            try output.write(relative: components, attributes: attributes, overwrite: force) { write in
                try read(volume, name, salvaged: &salvaged) { (bytes: UnsafeRawBufferPointer) throws(VolumeError) in
                    do { try write(bytes) } catch { throw .source("\(error)") }
                }
            }
        }

        /// Reads `name` verified, or with `--salvage` as it is, noting its damaged ranges.
        private func read(_ volume: Volume, _ name: FileName, salvaged: inout [String],
                          _ sink: (UnsafeRawBufferPointer) throws(VolumeError) -> Void) throws {
            guard salvage else { return try volume.read(name, sink) }
            let damaged = try volume.readSalvaging(name, sink)
            if !damaged.isEmpty {
                salvaged.append("\(VolumeError.printable(name.string)): salvaged with damage: \(VolumeError.describe(damaged))")
            }
        }

        /// One NAME to the host file DEST, or into DEST when it is a directory.
        private func copyFile(_ volume: Volume, name: String, destination: String, salvaged: inout [String]) throws {
            let fileName = try existingFile(volume, name)
            var target = destination
            if HostPaths.isDirectory(destination) {
                target = destination + "/" + fileName.lastComponent
            }
            let path = HostPath(target)
            let output = try SafeOutput(root: path.parent)
            defer { output.close() }
            restoring.apply(to: output)
            try copy(volume, fileName, to: [path.name], in: output, salvaged: &salvaged)
        }

        /// Several NAMEs into the directory DEST, each under its last name component; each
        /// failure is named as it happens.
        private func copyFiles(_ volume: Volume, names: [String], into destination: String, tally: inout Tally,
                               salvaged: inout [String]) throws {
            let output = try SafeOutput(root: destination)
            defer { output.close() }
            restoring.apply(to: output)
            for name in names {
                do {
                    let fileName = try existingFile(volume, name)
                    try copy(volume, fileName, to: [fileName.lastComponent], in: output, salvaged: &salvaged)
                } catch let error as ToolError where error.isBusy {
                    throw error
                } catch {
                    tally.failed += 1
                    Console.error("ardaku", Console.describe(error))
                }
            }
        }

        /// The files NAME (with -r: every file under the directories NAME, in name order) to
        /// standard output, one after another. A file that cannot be read is named and skipped;
        /// a failed write to standard output ends the command.
        private func writeToStandardOutput(_ volume: Volume, names: [String], tally: inout Tally, salvaged: inout [String]) throws {
            if recursive { tally.files = 0 }
            var writeFailure: WriteFailure?
            func write(_ fileName: FileName) throws {
                do {
                    try read(volume, fileName, salvaged: &salvaged) { (bytes: UnsafeRawBufferPointer) throws(VolumeError) in
                        do throws(WriteFailure) { try StandardOutput.write(bytes) } catch {
                            writeFailure = error
                            throw .source(error.description)
                        }
                    }
                } catch {
                    if let writeFailure { throw writeFailure }
                    tally.failed += 1
                    Console.error("ardaku", "\(VolumeError.printable(fileName.string)): \(Console.describe(error))")
                }
            }
            for name in names {
                if recursive {
                    let under = try Self.under(name)
                    let (files, unreadable) = try volume.listReadable(prefix: under)
                    guard !files.isEmpty || !unreadable.isEmpty else { throw ToolError("\(name): no such directory") }
                    List.report(unreadable)
                    // Only regular files have bytes to write; directories, links and nodes have none.
                    let regular = files.filter { $0.attributes.file.kind == .regular }
                    tally.files += regular.count + unreadable.count
                    tally.failed += unreadable.count
                    for file in regular { try write(try ImageAccess.fileName(bytes: file.nameBytes, shown: file.name)) }
                    continue
                }
                let fileName: FileName
                do {
                    fileName = try existingFile(volume, name)
                    let kind = try volume.stat(fileName).attributes.file.kind
                    guard kind == .regular else { throw VolumeError.notARegularFile(fileName.string, kind) }
                } catch {
                    // Alone, a missing file is the error; among several, one failure of many.
                    guard names.count > 1 else { throw error }
                    tally.failed += 1
                    Console.error("ardaku", Console.describe(error))
                    continue
                }
                try write(fileName)
            }
        }

        /// "/dir/" for the directory NAME ("/" for the root).
        private static func under(_ name: String) throws -> [UInt8] {
            let prefix = try ArdakuCommand.directoryPrefix(name)
            return prefix == [UInt8(ascii: "/")] ? prefix : prefix + [UInt8(ascii: "/")]
        }

        /// Every file under each directory NAME into DEST/<path below NAME>.
        private func copyTrees(_ volume: Volume, names: [String], destination: String, tally: inout Tally,
                               salvaged: inout [String]) throws {
            let output = try SafeOutput(root: destination)
            defer { output.close() }
            restoring.apply(to: output)
            tally.files = 0
            for name in names {
                let under = try Self.under(name)
                let (files, unreadable) = try volume.listReadable(prefix: under)
                // A directory's own record gives DEST its attributes (as cp -a and rsync -a do).
                let directory = under.count > 1 ? try ImageAccess.fileName(bytes: Array(under.dropLast()), shown: name) : nil
                let record = try directory.flatMap { try volume.isDirectoryRecord($0) ? try volume.stat($0) : nil }
                guard !files.isEmpty || !unreadable.isEmpty || record != nil else { throw ToolError("\(name): no such directory") }
                if let record { try output.make(relative: [], attributes: record.attributes.file, overwrite: force) }
                List.report(unreadable)
                // One file that cannot be written or read does not stop the others: each failure
                // is named as it happens, and the exit status says some failed.
                tally.files += files.count + unreadable.count
                tally.failed += try TreeExtraction.extract(
                    files, under: under, into: output, overwrite: force,
                    progress: ProgressBar("Copying", totalBytes: files.reduce(0) { $0 + $1.byteLength }, totalFiles: files.count),
                    isFatal: { ($0 as? ToolError)?.isBusy == true },
                    failed: { Console.error("ardaku", Console.describe($0)) }
                ) { name, sink in try read(volume, name, salvaged: &salvaged, sink) }
                tally.failed += unreadable.count
            }
        }
    }
}
