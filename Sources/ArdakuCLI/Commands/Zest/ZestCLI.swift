import ArdakuFormat
import ArdakuIO
import ArdakuVolume
import ArdakuZest
import ToolCommandLine
import Glibc
import PlainCommandLine

// MARK: - Shared pieces

enum ZestCLI {
    /// The segment size the tool gives new volumes: ZEST volumes are for small files, and
    /// 4 KiB segments (the library's default) more than double a tree of small files.
    static let defaultSegmentSize: UInt32 = 32

    static func options(segmentSize: UInt32?, level: Int32) throws -> ZestVolume.Options {
        let size = segmentSize ?? defaultSegmentSize
        guard ZestLimits.isValidSegmentSize(size) else { throw ToolError("--segment-size \(size): give a power of two from 16 to 4096") }
        guard (1...9).contains(level) else { throw ToolError("--level \(level): give 1 (fast) to 9 (small)") }
        return ZestVolume.Options(segmentSize: size, compressionLevel: level)
    }

    /// The whole content of a host file: a regular file only (`RegularSourceFile`: a FIFO
    /// or a device is refused, never read).
    static func readHostFile(_ path: String) throws -> [UInt8] {
        do {
            let source = try RegularSourceFile(path: path)
            guard source.size <= UInt64(ZestLimits.maxFileBytes) else {
                throw ToolError("\(path): \(source.size) bytes is more than a ZEST file may hold (\(ZestLimits.maxFileBytes))")
            }
            return try source.readAll()
        } catch let error as SourceFileError {
            throw ToolError(error.description)
        }
    }

    /// All of standard input, refused when it holds more than a ZEST file may (no more than
    /// one byte past that limit is read).
    static func readStandardInput() throws -> [UInt8] {
        let limit = Int(ZestLimits.maxFileBytes)
        let bytes: [UInt8]?
        do { bytes = try StandardInput.readAll(limit: limit) } catch {
            throw ToolError("standard input: \(error)")
        }
        guard let bytes else { throw ToolError("standard input: more than the \(limit) bytes a ZEST file may hold") }
        return bytes
    }

    /// Packs the host tree `root` into `volume` under `prefix`: sorted names, a dictionary
    /// trained on a sample, parallel compression. Skipped host entries are reported.
    static func importTree(_ root: String, prefix: [UInt8], into volume: ZestVolume, replace: Bool,
                           dictionary: ZestImport.DictionaryPolicy, quiet: Bool, verbose: Bool, tool: String) throws -> ZestImport.Summary {
        var info = stat()
        guard stat(root, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else { throw ToolError("\(root): not a directory") }
        var sources: [ZestImport.Source] = []
        var skipped = SkipReport(tool: tool, quiet: quiet)
        var totalBytes: UInt64 = 0
        for entry in HostTree.walk(root, prefix: prefix) {
            switch entry {
            case let .skipped(path, reason):
                skipped.skip(path, because: reason)
            case let .warning(path, message):
                if !quiet { Console.warning(tool, "\(path): \(message)") }
            case let .node(path, _, attributes):
                // A walk without attribute options yields none; ZEST keeps regular files only.
                skipped.skip(path, because: HostTree.unsupportedKind(attributes.kind))
            case let .hardLink(path, _, _):
                skipped.skip(path, because: "hard link (not supported)")
            case let .file(path, name, size, _):
                guard size <= UInt64(ZestLimits.maxFileBytes) else {
                    throw ToolError("\(path): \(size) bytes is more than a ZEST file may hold (\(ZestLimits.maxFileBytes))")
                }
                totalBytes += size
                sources.append(ZestImport.Source(name: name, size: size, load: { try readHostFile(path) }))
            }
        }
        var importer = ZestImport()
        importer.replaceExisting = replace
        importer.dictionary = dictionary
        let progress = ProgressBar("Packing", totalBytes: totalBytes, totalFiles: sources.count,
                                   enabled: !quiet && Console.stderrIsTerminal)
        importer.progress = { files, bytes in progress.update(bytes: bytes, files: files) }
        let summary: ZestImport.Summary
        do { summary = try importer.run(sources, into: volume) }
        catch let error as ZestError {
            if case let .fileExists(name) = error.kind { throw ToolError("\(name): file exists (use -f to replace it)") }
            throw ToolError("\(error)")
        }
        progress.note("Committing \(Plural.count(summary.files, "file"))...")
        progress.finish()
        if verbose { for source in sources.sorted(by: { $0.name < $1.name }) { print(source.name.string) } }
        if let counted = skipped.summary, !quiet { Console.warning(tool, counted + " (named above)") }
        return summary
    }

    /// Names listed one per line in `path` ('-': standard input); empty lines are skipped.
    static func readNameList(_ path: String) throws -> [String] {
        guard let data = HostPaths.readSmallFile(path) else {
            throw ToolError("\(path == "-" ? "standard input" : path): cannot read the list of names (at most \(HostPaths.smallFileLimit >> 20) MiB)")
        }
        return data.split(separator: UInt8(ascii: "\n")).compactMap { line in
            let trimmed = line.last == UInt8(ascii: "\r") ? line.dropLast() : line
            return trimmed.isEmpty ? nil : String(decoding: trimmed, as: UTF8.self)
        }
    }

    /// "/" or a directory prefix ending in "/", for listing and recursive commands.
    static func directoryPrefix(_ text: String) throws -> String {
        let bytes = try ArdakuCommand.directoryPrefix(text)
        return bytes == [UInt8(ascii: "/")] ? "/" : String(decoding: bytes, as: UTF8.self) + "/"
    }

    static func fileName(_ text: String) throws -> FileName { try ImageAccess.fileName(text) }

    static func describe(_ error: ZestError) -> String {
        if case let .fileNotFound(name) = error.kind { return "\(VolumeError.printable(name)): no such file" }
        return error.description
    }
}
