import ArdakuCAS
import ArdakuFormat
import ArdakuIO
import ArdakuVolume
import ToolCommandLine
import Glibc

// MARK: - Host trees

/// A host directory tree as a `DirectorySource`, walked once up front: directories and
/// regular files are stored; everything else (symbolic links, devices, FIFOs, sockets,
/// names an item cannot hold, unreadable directories) is reported and left out.
final class CASHostSource: DirectorySource {
    let root: String
    private var listing: [[String]: [DirectoryEntry]] = [:]
    private(set) var skipped: [(path: String, reason: String)] = []
    private(set) var fileCount = 0
    private(set) var totalBytes: UInt64 = 0

    /// Walks `root`; `report` hears every entry left out, as it is found.
    init(root: String, report: (_ path: String, _ reason: String) -> Void) throws {
        self.root = root
        var info = stat()
        guard stat(root, &info) == 0 else { throw ToolError("\(root): \(String(cString: strerror(errno)))") }
        guard info.st_mode & S_IFMT == S_IFDIR else { throw ToolError("\(root): not a directory (put -r stores a directory)") }
        func skip(_ path: [UInt8], _ reason: String) {
            // Invalid UTF-8 and control characters (a newline in a name) escaped.
            let shown = HostTree.show(path)
            skipped.append((shown, reason))
            report(shown, reason)
        }
        // Names an item cannot hold are left out before they are looked at (a directory with
        // all it holds); a directory that cannot be read is left out of its parent's listing.
        var options = HostTreeWalker.Options()
        options.readsExtendedAttributes = false
        options.nameProblem = { ItemName.problem($0) }
        let walk = HostTreeWalker.walk(root, options: options)
        listing[[]] = []
        // Listings in name order, as each directory lists its entries.
        for item in walk.items {
            switch item {
            case let .skipped(_, components, reason, _):
                if components.isEmpty { throw ToolError("\(root): \(reason)") }
            case .warning:
                break
            case let .entry(entry):
                let path = entry.components.map { String(decoding: $0, as: UTF8.self) }
                let parent = Array(path.dropLast())
                switch entry.attributes.kind {
                case .directory:
                    listing[parent, default: []].append(DirectoryEntry(name: path[path.count - 1], isDirectory: true))
                    listing[path] = listing[path] ?? []
                case .regular:
                    listing[parent, default: []].append(DirectoryEntry(name: path[path.count - 1], isDirectory: false, size: entry.size))
                    fileCount += 1
                    totalBytes += entry.size
                default:
                    break
                }
            }
        }
        // What is left out, reported in the order the walk has always met it.
        for item in HostTree.legacyOrder(walk.items) {
            switch item {
            case let .skipped(path, _, reason, _):
                skip(path, reason)
            case let .entry(entry) where entry.attributes.kind != .directory && entry.attributes.kind != .regular:
                skip(entry.path, HostTree.unsupportedKind(entry.attributes.kind))
            default:
                break
            }
        }
    }

    func hostPath(_ path: [String]) -> String { ([root] + path).joined(separator: "/") }

    func entries(at path: [String]) throws(CASError) -> [DirectoryEntry] {
        listing[path] ?? []
    }

    /// Opens a regular file (`RegularSourceFile`: no symbolic link is followed and nothing
    /// but a regular file is read, whatever was swapped in since the walk).
    private func openFile(_ path: [String]) throws(CASError) -> RegularSourceFile {
        do throws(SourceFileError) { return try RegularSourceFile(path: hostPath(path)) } catch {
            throw CASError(.host(path: error.path, detail: error.detail))
        }
    }

    func contents(at path: [String]) throws(CASError) -> [UInt8] {
        let file = try openFile(path)
        guard file.size <= UInt64(Int.max) else { throw CASError(.host(path: file.path, detail: "too large")) }
        do throws(SourceFileError) { return try file.readAll() } catch {
            throw CASError(.host(path: error.path, detail: error.detail))
        }
    }

    func read(at path: [String], pieceBytes: Int, _ body: ([UInt8]) throws(CASError) -> Void) throws(CASError) {
        let file = try openFile(path)
        do throws(PieceReadError<CASError>) {
            try file.readPieces(pieceBytes: pieceBytes) { (piece: UnsafeRawBufferPointer) throws(CASError) in try body(Array(piece)) }
        } catch {
            switch error {
            case let .source(failure): throw CASError(.host(path: failure.path, detail: failure.detail))
            case let .body(failure): throw failure
            }
        }
    }
}
