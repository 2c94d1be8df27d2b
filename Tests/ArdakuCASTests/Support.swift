import ArdakuFormat
// The seeded generator of every test target (SplitMix64), visible in every file of this one.
@_exported import TestSupport
@testable import ArdakuCAS


enum TestData {
    /// `count` random bytes (incompressible).
    static func random(_ count: Int, seed: UInt64) -> [UInt8] {
        var rng = SeededGenerator(seed: seed)
        var bytes = [UInt8](repeating: 0, count: count)
        var i = 0
        while i < count {
            let word = rng.next()
            for k in 0..<8 where i + k < count { bytes[i + k] = UInt8(truncatingIfNeeded: word >> (8 * UInt64(k))) }
            i += 8
        }
        return bytes
    }

    /// `count` bytes of text-like words (compressible, but not repetitive enough to dedupe
    /// by accident).
    static func text(_ count: Int, seed: UInt64) -> [UInt8] {
        var rng = SeededGenerator(seed: seed)
        let words = ["alpha", "beta", "gamma", "delta", "volume", "chunk", "object", "tree", "item", "blob", "tag", "store",
                     "record", "index", "header", "free", "space", "commit", "crash", "order"]
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count + 16)
        while bytes.count < count {
            bytes += Array(words[Int(rng.next() % UInt64(words.count))].utf8)
            bytes += Array(String(rng.next() % 1000).utf8)
            bytes.append(rng.next() % 9 == 0 ? 0x0A : 0x20)
        }
        return Array(bytes.prefix(count))
    }
}

/// A directory tree held in memory, as a source and a sink.
final class MemoryDirectory: DirectorySource, DirectorySink {
    var files: [[String]: [UInt8]] = [:]
    var directories: Set<[String]> = [[]]
    /// Whether `entries` gives file sizes (which lets `snapshot` stream large files).
    var announceSizes = true
    /// Pieces `read(at:pieceBytes:_:)` delivered, for tests of streaming.
    var piecesRead = 0

    init(files: [String: [UInt8]] = [:], emptyDirectories: [String] = []) {
        for (path, bytes) in files { addFile(path, bytes) }
        for path in emptyDirectories { addDirectory(path.split(separator: "/").map(String.init)) }
    }

    func addFile(_ path: String, _ bytes: [UInt8]) {
        let components = path.split(separator: "/").map(String.init)
        addDirectory(Array(components.dropLast()))
        files[components] = bytes
    }

    func addDirectory(_ components: [String]) {
        for n in 0...components.count { directories.insert(Array(components.prefix(n))) }
    }

    func entries(at path: [String]) throws(CASError) -> [DirectoryEntry] {
        guard directories.contains(path) else { throw CASError(.host(path: path.joined(separator: "/"), detail: "no such directory")) }
        var result: [DirectoryEntry] = []
        for directory in directories where directory.count == path.count + 1 && Array(directory.prefix(path.count)) == path {
            result.append(DirectoryEntry(name: directory.last!, isDirectory: true))
        }
        for (file, bytes) in files where file.count == path.count + 1 && Array(file.prefix(path.count)) == path {
            result.append(DirectoryEntry(name: file.last!, isDirectory: false, size: announceSizes ? UInt64(bytes.count) : nil))
        }
        return result
    }

    func contents(at path: [String]) throws(CASError) -> [UInt8] {
        guard let bytes = files[path] else { throw CASError(.host(path: path.joined(separator: "/"), detail: "no such file")) }
        return bytes
    }

    func read(at path: [String], pieceBytes: Int, _ body: ([UInt8]) throws(CASError) -> Void) throws(CASError) {
        let bytes = try contents(at: path)
        var start = 0
        while start < bytes.count {
            let end = min(bytes.count, start + pieceBytes)
            piecesRead += 1
            try body(Array(bytes[start..<end]))
            start = end
        }
    }

    func makeDirectory(at path: [String]) throws(CASError) { directories.insert(path) }
    func writeFile(at path: [String],
                   content: (_ write: (UnsafeRawBufferPointer) throws(CASError) -> Void) throws(CASError) -> Void) throws(CASError) {
        var bytes: [UInt8] = []
        try content { (piece: UnsafeRawBufferPointer) throws(CASError) in bytes.append(contentsOf: piece) }
        files[path] = bytes
    }
}

extension MemoryDirectory: Equatable {
    static func == (a: MemoryDirectory, b: MemoryDirectory) -> Bool { a.files == b.files && a.directories == b.directories }
}

extension Array where Element == Finding {
    var codes: Set<String> { Set(map(\.code.rawValue)) }
    /// Findings that are not information and not left as they are by design.
    var problems: [Finding] { filter { $0.severity != .info } }
}

/// A memory store that models the ordering contract of `ByteStore`: writes since the last
/// flush are pending and may be lost, in any subset, at a crash; writes can be made to fail.
final class CrashStore: ByteStore {
    /// What a crash leaves: the durable bytes plus some of the pending writes.
    private(set) var durable: [UInt8] = []
    private(set) var current: [UInt8] = []
    private var pending: [(offset: UInt64, bytes: [UInt8], lengthAfter: Int)] = []
    var failWrites = false
    /// Throws `simulatedCrash` once this many more writes/flushes have been issued.
    var operationsUntilCrash = Int.max
    private(set) var operations = 0
    var isReadOnly: Bool { false }

    init(_ bytes: [UInt8] = []) {
        durable = bytes
        current = bytes
    }

    var length: UInt64 { UInt64(current.count) }

    func read(at offset: UInt64, into buffer: UnsafeMutableRawBufferPointer) throws(StoreError) {
        try checkRange(offset, buffer.count)
        let start = Int(offset)
        current.withUnsafeBytes { buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[start..<(start + buffer.count)])) }
    }

    private func tick() throws(StoreError) {
        if failWrites { throw .system(operation: "pwrite", errno: 5, offset: nil) }
        guard operations < operationsUntilCrash else { throw .simulatedCrash(afterOperations: operations) }
        operations += 1
    }

    func write(at offset: UInt64, from bytes: UnsafeRawBufferPointer) throws(StoreError) {
        try tick()
        let end = Int(offset) + bytes.count
        if end > current.count { current += [UInt8](repeating: 0, count: end - current.count) }
        current.replaceSubrange(Int(offset)..<end, with: bytes)
        pending.append((offset, Array(bytes), current.count))
    }

    func setLength(_ length: UInt64) throws(StoreError) {
        try tick()
        if Int(length) < current.count { current.removeSubrange(Int(length)...) } else {
            current += [UInt8](repeating: 0, count: Int(length) - current.count)
        }
        // A length change is applied at once (like ftruncate) but its data is not durable.
        pending.append((0, [], current.count))
    }

    func flush() throws(StoreError) {
        try tick()
        durable = current
        pending = []
    }

    /// The bytes after a crash now: the durable bytes plus a random subset of the pending
    /// writes, applied in a random order, some of them torn at a random byte.
    func crashImage(using rng: inout SeededGenerator) -> [UInt8] {
        var image = durable
        var writes = pending
        writes.shuffle(using: &rng)
        for write in writes where Bool.random(using: &rng) {
            if write.bytes.isEmpty {
                if write.lengthAfter < image.count { image.removeSubrange(write.lengthAfter...) } else {
                    image += [UInt8](repeating: 0, count: write.lengthAfter - image.count)
                }
                continue
            }
            let torn = Bool.random(using: &rng) ? Int.random(in: 0...write.bytes.count, using: &rng) : write.bytes.count
            let end = Int(write.offset) + torn
            if end > image.count { image += [UInt8](repeating: 0, count: end - image.count) }
            image.replaceSubrange(Int(write.offset)..<end, with: write.bytes[0..<torn])
        }
        return image
    }
}
