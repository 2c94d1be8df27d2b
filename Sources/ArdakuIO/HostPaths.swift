import Glibc
import SystemPackage

/// Small reads of the host's files and directories (lists of names, /sys and /proc
/// entries), bounded, on swift-system's FileDescriptor; and host paths split as the shell
/// splits them. Bulk file contents go through `RegularSourceFile` and `SafeOutput`.
public enum HostPaths {
    /// The most a small file may hold: a list of names or a kernel attribute, never content.
    public static let smallFileLimit = 64 << 20

    /// The bytes of the file at `path` ("-": standard input), at most `limit`; nil when it
    /// cannot be opened or read, or holds more.
    public static func readSmallFile(_ path: String, limit: Int = smallFileLimit) -> [UInt8]? {
        let descriptor: FileDescriptor
        if path == "-" {
            descriptor = .standardInput
        } else {
            guard let opened = try? FileDescriptor.open(FilePath(path), .readOnly, options: [.closeOnExec]) else { return nil }
            descriptor = opened
        }
        defer { if path != "-" { try? descriptor.close() } }
        var contents: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count: Int
            do {
                count = try chunk.withUnsafeMutableBytes { try descriptor.read(into: $0, retryOnInterrupt: true) }
            } catch {
                return nil
            }
            if count == 0 { return contents }
            guard contents.count + count <= limit else { return nil }
            contents += chunk[0..<count]
        }
    }

    /// `readSmallFile` as text with surrounding white space removed (a /sys attribute).
    public static func readAttribute(_ path: String) -> String? {
        guard let bytes = readSmallFile(path, limit: 1 << 16) else { return nil }
        let isSpace: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x0A || $0 == 0x09 || $0 == 0x0D }
        guard let first = bytes.firstIndex(where: { !isSpace($0) }), let last = bytes.lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(decoding: bytes[first...last], as: UTF8.self)
    }

    /// Entry names of `directory` sorted by bytes, without "." and ".."; nil when it cannot be read.
    public static func listDirectory(_ directory: [UInt8]) -> [[UInt8]]? {
        guard let handle = withCString(directory, { opendir($0) }) else { return nil }
        defer { closedir(handle) }
        var names: [[UInt8]] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw -> [UInt8] in
                Array(raw.prefix { $0 != 0 })
            }
            if name == [UInt8(ascii: ".")] || name == [UInt8(ascii: "."), UInt8(ascii: ".")] { continue }
            names.append(name)
        }
        return names.sorted { $0.lexicographicallyPrecedes($1) }
    }

    /// True when `path` names a directory (following a final symlink, as `cp` does for its target).
    public static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFDIR
    }

    /// `path` as a C string, for the calls that take one.
    public static func withCString<R>(_ path: [UInt8], _ body: (UnsafePointer<CChar>) -> R) -> R {
        (path + [0]).withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { body($0.baseAddress!) }
        }
    }
}

/// A host path split at its last "/", as dirname(1) and basename(1) split it.
public struct HostPath {
    /// The directory part ("." when there is none, "/" for a name at the root).
    public let parent: String
    /// The last component.
    public let name: String

    public init(_ path: String) {
        var trimmed = Substring(path)
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        guard let slash = trimmed.lastIndex(of: "/") else {
            parent = "."
            name = String(trimmed)
            return
        }
        name = String(trimmed[trimmed.index(after: slash)...])
        let head = trimmed[..<slash]
        parent = head.isEmpty ? "/" : String(head)
    }
}
