import ArdakuFormat
import Foundation
import Glibc

/// A file of a reference tree: its size and its 64 KiB blocks that are not all zeros, so that
/// a sparse file of 130 MiB costs only its data (holes and written zeros compare equal, as in
/// sweep.py's file_digest).
struct ExpectedFile {
    static let blockSize = 1 << 16
    let size: Int
    /// Blocks by number; the last one may be short.
    let blocks: [Int: [UInt8]]

    init(path: String) throws {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw SweepError("\(path): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw SweepError("\(path): \(String(cString: strerror(errno)))") }
        size = Int(info.st_size)
        var blocks: [Int: [UInt8]] = [:]
        var position = 0
        // Data runs only (SEEK_DATA, SEEK_HOLE: Linux's 3 and 4, which Glibc hides without
        // _GNU_SOURCE): the holes are zeros.
        let seekData: Int32 = 3, seekHole: Int32 = 4
        while position < size {
            let start = Int(lseek(descriptor, off_t(position), seekData))
            guard start >= 0 else { break }
            let end = min(size, max(start, Int(lseek(descriptor, off_t(start), seekHole))))
            var block = start / Self.blockSize
            while block * Self.blockSize < end {
                let offset = block * Self.blockSize
                var bytes = [UInt8](repeating: 0, count: min(Self.blockSize, size - offset))
                let count = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, off_t(offset)) }
                guard count == bytes.count else { throw SweepError("\(path): short read") }
                if !bytes.withUnsafeBytes(Zeros.isAllZero) { blocks[block] = bytes }
                block += 1
            }
            position = max(end, block * Self.blockSize)
        }
        self.blocks = blocks
    }

    /// Every regular file under `root`, by its name in a volume ("/" + the relative path).
    static func tree(_ root: String) throws -> [String: ExpectedFile] {
        guard let walk = FileManager.default.enumerator(atPath: root) else { throw SweepError("\(root): cannot read") }
        var files: [String: ExpectedFile] = [:]
        while let relative = walk.nextObject() as? String {
            let path = root + "/" + relative
            var info = stat()
            guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { continue }
            files["/" + relative] = try ExpectedFile(path: path)
        }
        return files
    }
}

/// Compares content read back, piece by piece in order, with an expected file.
struct ContentCheck {
    let expected: ExpectedFile
    private var position = 0
    private var differs = false

    init(_ expected: ExpectedFile) { self.expected = expected }

    /// Every byte came back, and nothing else.
    var matches: Bool { !differs && position == expected.size }

    mutating func feed(_ bytes: UnsafeRawBufferPointer) {
        guard !differs, let base = bytes.baseAddress, !bytes.isEmpty else { return }
        guard bytes.count <= expected.size - position else {
            differs = true
            return
        }
        // A hole arrives as the shared page of zeros: known zero without reading it.
        let zeros = Zeros.page.baseAddress!
        let isSharedZeros = base >= zeros && base + bytes.count <= zeros + Zeros.page.count
        var done = 0
        while done < bytes.count {
            let at = position + done
            let within = at % ExpectedFile.blockSize
            let take = min(bytes.count - done, ExpectedFile.blockSize - within)
            let piece = UnsafeRawBufferPointer(start: base + done, count: take)
            if let stored = expected.blocks[at / ExpectedFile.blockSize] {
                let same = stored.withUnsafeBytes { memcmp($0.baseAddress! + within, piece.baseAddress!, take) == 0 }
                if !same { differs = true; return }
            } else if !isSharedZeros && !Zeros.isAllZero(piece) {
                differs = true
                return
            }
            done += take
        }
        position += bytes.count
    }
}
