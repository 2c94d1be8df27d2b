import ArdakuCAS
import ArdakuFormat
import ArdakuIO
import ArdakuVolume
import ToolCommandLine
import Glibc

// MARK: - Shared pieces

enum CASCLI {
    /// The tag `mkfs.ardaku --cas` gives the snapshot it stores.
    static let mkfsTag = "initial"

    static func options(level: Int32?) throws -> CASOptions {
        guard let level else { return CASOptions() }
        guard (1...9).contains(level) else { throw ToolError("--level \(level): give 1 (fast) to 9 (small)") }
        return CASOptions(compressionLevel: level, largeObjectLevel: level)
    }

    static func checkTagName(_ name: String) throws {
        if let problem = TagName.problem(Array(name.utf8)) { throw ToolError("tag name '\(name)': \(problem)") }
    }

    /// What `put -r` reports.
    struct SnapshotJSON: Encodable {
        var root: String
        var tag: String?
        var files: Int
        var directories: Int
        var contentBytes: UInt64
        var reusedContentBytes: UInt64
        var newObjects: Int
        var storedBytes: UInt64
        var storeBytesBefore: UInt64
        var storeBytesAfter: UInt64
        var skipped: [SkippedJSON]
        var created: Bool
    }

    struct SkippedJSON: Encodable {
        var path: String
        var reason: String
    }

    /// Snapshots the host tree `directory` into `volume`, with a progress line on a
    /// terminal and a warning for every entry left out.
    static func snapshot(_ directory: String, into volume: CASVolume, quiet: Bool,
                         tool: String = CASCommand.tool) throws -> (SnapshotReport, CASHostSource) {
        let source = try CASHostSource(root: directory) { path, reason in
            SkipReport.warn(tool: tool, quiet: quiet, path, because: reason)
        }
        var progress: ProgressBar?
        defer { progress?.finish() }
        do {
            let report = try volume.snapshot(source) { state in
                if progress == nil {
                    progress = ProgressBar("Storing", totalBytes: state.totalBytes, totalFiles: state.totalFiles,
                                           enabled: !quiet && Console.stderrIsTerminal)
                }
                progress?.update(bytes: state.bytes, files: state.files)
            }
            return (report, source)
        } catch {
            throw ToolError("\(error)")
        }
    }

    /// Reads the host file `path` (standard input for "-") from start to end, calling
    /// `body` with pieces of up to `pieceBytes` (one buffer, reused). A named file must be
    /// a regular file (`RegularSourceFile`): a device such as /dev/urandom or a FIFO is
    /// refused at once instead of read without end.
    static func readPieces<E: Error>(_ path: String, pieceBytes: Int, _ body: (UnsafeRawBufferPointer) throws(E) -> Void) throws {
        let file: RegularSourceFile?
        do { file = path == "-" ? nil : try RegularSourceFile(path: path) } catch { throw ToolError(error.description) }
        try readPieces(file, pieceBytes: pieceBytes, body)
    }

    /// `readPieces` of an open file, or of standard input when `file` is nil.
    static func readPieces<E: Error>(_ file: RegularSourceFile?, pieceBytes: Int, _ body: (UnsafeRawBufferPointer) throws(E) -> Void) throws {
        if let file {
            do throws(PieceReadError<E>) { try file.readPieces(pieceBytes: pieceBytes, body) } catch {
                switch error {
                case let .source(failure): throw ToolError(failure.description)
                case let .body(failure): throw failure
                }
            }
            return
        }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: pieceBytes, alignment: 64)
        defer { buffer.deallocate() }
        var filled = 0
        while true {
            let n = Glibc.read(STDIN_FILENO, buffer.baseAddress! + filled, buffer.count - filled)
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw ToolError("-: \(String(cString: strerror(errno)))") }
            filled += n
            if filled == buffer.count || (n == 0 && filled > 0) {
                try body(UnsafeRawBufferPointer(rebasing: buffer[0..<filled]))
                filled = 0
            }
            if n == 0 { return }
        }
    }

    /// "a blob", "an item", "a tree", "a chunk list".
    static func article(_ type: ObjectType) -> String {
        switch type.name {
        case "item": return "an item"
        case "chunks": return "a chunk list"
        default: return "a \(type.name)"
        }
    }

    /// "12.5%" of `part` in `whole`.
    static func percent(_ part: UInt64, of whole: UInt64) -> String {
        guard whole > 0 else { return "0%" }
        let tenths = Int((Double(part) / Double(whole) * 1000).rounded())
        return "\(tenths / 10).\(tenths % 10)%"
    }

    /// `VOLUME=DIR` arguments of `mkfs.ardaku --cas`, checked.
    static func parsePacks(_ specs: [String]) throws -> [(name: FileName, directory: String)] {
        try specs.map { spec in
            guard let equals = spec.firstIndex(of: "="), equals != spec.startIndex, spec.index(after: equals) != spec.endIndex else {
                throw ToolError("--cas \(spec): give VOLUME=DIR, e.g. /backup.cas=./src")
            }
            let name = try ImageAccess.fileName(String(spec[..<equals]))
            let directory = String(spec[spec.index(after: equals)...])
            guard case .success(let info) = SystemCalls.pathInfo(directory), info.kind == .directory else {
                throw ToolError("\(directory): not a directory (for --cas)")
            }
            return (name, directory)
        }
    }

    /// `mkfs.ardaku --cas VOLUME=DIR`: a new CAS volume `name` in `ardaku` holding a
    /// snapshot of `directory`, tagged `mkfsTag`.
    static func pack(_ directory: String, as name: FileName, into ardaku: Volume, display: String, quiet: Bool,
                     tool: String) throws -> SnapshotReport {
        if (try? ardaku.exists(name)) == true { throw ToolError("\(display): a file of that name exists already (from -d?)") }
        let (store, volume) = try CASSession.createNested(in: ardaku, name: name, options: CASOptions(), replace: false, display: display)
        let (report, _) = try snapshot(directory, into: volume, quiet: quiet, tool: tool)
        do {
            try volume.setTag(mkfsTag, to: report.root)
            try volume.commit()
            try store.close()
        } catch {
            throw ToolError("\(display): \(error)")
        }
        return report
    }
}
