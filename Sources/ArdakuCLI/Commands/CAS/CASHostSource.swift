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
        // Depth first; a directory's listing is complete once its subdirectories are known
        // to be readable, so unreadable ones can be left out of it.
        var pending: [(host: [UInt8], path: [String])] = [(Array(root.utf8), [])]
        var readable: Set<[String]> = []
        var children: [[String]: [(DirectoryEntry, isReadableDirectory: [String]?)]] = [:]
        while let (host, path) = pending.popLast() {
            guard let names = HostPaths.listDirectory(host) else {
                if path.isEmpty { throw ToolError("\(root): cannot read directory: \(String(cString: strerror(errno)))") }
                skip(host, "cannot read directory: \(String(cString: strerror(errno)))")
                continue
            }
            readable.insert(path)
            var entries: [(DirectoryEntry, isReadableDirectory: [String]?)] = []
            var subdirectories: [(host: [UInt8], path: [String])] = []
            for name in names {
                let childHost = host + [UInt8(ascii: "/")] + name
                if let problem = ItemName.problem(name) {
                    skip(childHost, "name cannot be stored: \(problem)")
                    continue
                }
                let component = String(decoding: name, as: UTF8.self)
                var child = stat()
                guard HostPaths.withCString(childHost, { lstat($0, &child) }) == 0 else {
                    skip(childHost, String(cString: strerror(errno)))
                    continue
                }
                switch child.st_mode & S_IFMT {
                case S_IFDIR:
                    entries.append((DirectoryEntry(name: component, isDirectory: true), path + [component]))
                    subdirectories.append((childHost, path + [component]))
                case S_IFREG:
                    let size = UInt64(max(0, child.st_size))
                    entries.append((DirectoryEntry(name: component, isDirectory: false, size: size), nil))
                    fileCount += 1
                    totalBytes += size
                default: skip(childHost, HostTree.unsupportedKind(child.st_mode))
                }
            }
            children[path] = entries
            pending.append(contentsOf: subdirectories.reversed())
        }
        for (path, entries) in children {
            listing[path] = entries.compactMap { entry, directory in
                directory.map { readable.contains($0) } ?? true ? entry : nil
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
