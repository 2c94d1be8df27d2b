import ArdakuFormat
import ArdakuVolume
import Glibc

/// What a file holds, kept sparse: its length and its non-zero pages. A file of thousands
/// of pages (enough to need extension pages) costs only the pages that hold data, in the
/// model, in the operation that stores it and in the comparison that reads it back.
public struct FileContent: Equatable, Sendable, CustomStringConvertible {
    public private(set) var length: UInt64
    /// Non-zero pages by ordinal, each 65,536 bytes, zero past the file's end.
    public private(set) var pages: [UInt64: [UInt8]]

    public init(_ bytes: [UInt8]) {
        length = UInt64(bytes.count)
        pages = [:]
        var start = 0
        while start < bytes.count {
            let end = min(bytes.count, start + Geometry.pageSize)
            if bytes[start..<end].contains(where: { $0 != 0 }) {
                pages[UInt64(start >> 16)] = Array(bytes[start..<end]) + [UInt8](repeating: 0, count: Geometry.pageSize - (end - start))
            }
            start = end
        }
    }

    /// A file of `length` bytes that is zero except for `data` written at the given offsets.
    public init(length: UInt64, data: [(offset: UInt64, bytes: [UInt8])]) {
        self.length = 0
        pages = [:]
        for (offset, bytes) in data { write(at: offset, bytes) }
        truncate(to: length)
    }

    public var description: String { "\(length) bytes, \(pages.count) non-zero pages" }

    /// Bytes of the file as `Volume.write(_:at:_:)` leaves them: extended when `bytes`
    /// reach past the end, the gap reading as zeros.
    public mutating func write(at offset: UInt64, _ bytes: [UInt8]) {
        guard !bytes.isEmpty else { length = max(length, offset); return }
        var done = 0
        while done < bytes.count {
            let position = offset + UInt64(done)
            let ordinal = position >> 16, within = Int(position & 0xFFFF)
            let take = min(bytes.count - done, Geometry.pageSize - within)
            var page = pages[ordinal] ?? [UInt8](repeating: 0, count: Geometry.pageSize)
            page.replaceSubrange(within..<(within + take), with: bytes[done..<(done + take)])
            pages[ordinal] = page.contains(where: { $0 != 0 }) ? page : nil
            done += take
        }
        length = max(length, offset + UInt64(bytes.count))
    }

    public mutating func append(_ bytes: [UInt8]) { write(at: length, bytes) }

    /// Shortened to `newLength` (the bytes past it are gone), or extended with zeros.
    public mutating func truncate(to newLength: UInt64) {
        if newLength < length {
            let pageCount = PageEntry.pageCount(forLength: newLength)
            for ordinal in pages.keys where ordinal >= pageCount { pages[ordinal] = nil }
            let within = Int(newLength & 0xFFFF)
            if within != 0, var last = pages[newLength >> 16] {
                last.replaceSubrange(within..., with: [UInt8](repeating: 0, count: Geometry.pageSize - within))
                pages[newLength >> 16] = last.contains(where: { $0 != 0 }) ? last : nil
            }
        }
        length = newLength
    }

    /// The content as a source for `Volume.put`, which turns the zero pages into holes.
    public var source: ContentSource { Source(content: self) }

    struct Source: ContentSource {
        let content: FileContent
        var byteLength: UInt64 { content.length }
        func read(at offset: UInt64, into buffer: UnsafeMutableRawBufferPointer) throws(VolumeError) {
            var done = 0
            while done < buffer.count {
                let position = offset + UInt64(done)
                let within = Int(position & 0xFFFF)
                let take = min(buffer.count - done, Geometry.pageSize - within)
                let target = UnsafeMutableRawBufferPointer(rebasing: buffer[done..<(done + take)])
                if let page = content.pages[position >> 16] {
                    page.withUnsafeBytes { target.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[within..<(within + take)])) }
                } else {
                    target.initializeMemory(as: UInt8.self, repeating: 0)
                }
                done += take
            }
        }
        func isZeroRange(at offset: UInt64, count: Int) -> Bool {
            let first = offset >> 16, last = (offset + UInt64(max(count, 1)) - 1) >> 16
            return (first...last).allSatisfy { content.pages[$0] == nil }
        }
    }

    /// nil when the file `name` of `volume` holds exactly this content (every page's CRC-32
    /// verified by the read), else what differs.
    public func mismatch(in volume: Volume, name: FileName) -> String? {
        let status: FileStatus
        do { status = try volume.stat(name) } catch { return "cannot stat: \(error)" }
        guard status.byteLength == length else { return "holds \(status.byteLength) bytes, expected \(length)" }
        var ordinal: UInt64 = 0
        var difference: String?
        do {
            try volume.read(name) { (bytes: UnsafeRawBufferPointer) throws(VolumeError) in
                defer { ordinal += 1 }
                guard difference == nil else { return }
                let equal: Bool
                if let page = pages[ordinal] {
                    equal = page.withUnsafeBytes { memcmp($0.baseAddress!, bytes.baseAddress!, bytes.count) == 0 }
                } else {
                    equal = Zeros.isAllZero(bytes)
                }
                if !equal { difference = "page \(ordinal) differs" }
            }
        } catch { return "unreadable: \(error)" }
        return difference
    }
}
