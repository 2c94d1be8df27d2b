import ArdakuFormat

/// Why a volume operation failed. Every case names what it is about; none is a trap.
public enum VolumeError: Error, Equatable, CustomStringConvertible {
    /// A structure on disk could not be decoded.
    case format(FormatError)
    /// The page store failed (I/O error, out of range, read-only).
    case store(StoreError)
    /// Reading the content being stored failed.
    case source(String)
    case notFound(String)
    case alreadyExists(String)
    /// A leading part of the name is a file, so it cannot be a directory.
    case notADirectory(name: String, file: String)
    /// The name is a directory: other names start with it and a '/'.
    case isADirectory(String)
    /// A directory that still has names below it cannot be removed (rmdir(2)'s ENOTEMPTY).
    case directoryNotEmpty(String)
    /// The file has as many names as a file may have (FORMAT §10).
    case tooManyLinks(String, limit: UInt32)
    /// The operation needs a regular file's content; the file is another kind.
    case notARegularFile(String, FileAttributes.Kind)
    case invalidName(String, NameError)
    case invalidLabel(String)
    /// Not enough free pages for the operation; nothing was changed.
    case noSpace(neededPages: UInt64, freePages: UInt64)
    case fileTooLarge(byteLength: UInt64, limit: UInt64)
    case tooManyTags(Int)
    /// Attributes that cannot be stored (a kind the operation does not take, a limit).
    case invalidAttributes(String, String)
    case readOnly
    /// A data page's content does not match the CRC-32 its record holds.
    case dataChecksumMismatch(name: String, pageOrdinal: UInt64, page: PageIndex, stored: UInt32, computed: UInt32)
    /// The file's bytes in `ranges` do not match their CRC-32; `marked`: fsck recorded it.
    case damaged(name: String, ranges: [Range<UInt64>], marked: Bool)
    /// Structures decode but contradict each other; `fsck.zest` can tell more and repair.
    case corrupt(String, address: ByteAddress?)
    /// The trie page list in page 0 is full.
    case trieFull
    /// The device is smaller or larger than a volume may be.
    case sizeOutOfRange(pages: UInt64)
    /// The store has fewer pages than the volume says it has.
    case truncatedImage(storePages: UInt32, volumePages: UInt32)

    public var description: String {
        switch self {
        case let .format(error): return error.description
        case let .store(error): return error.description
        case let .source(detail): return detail
        case let .notFound(name): return "\(name): no such file"
        case let .alreadyExists(name): return "\(name): file exists"
        case let .notADirectory(name, file):
            return name == file ? "\(name): not a directory" : "\(name): \(file) is a file, not a directory"
        case let .isADirectory(name): return "\(name): is a directory"
        case let .directoryNotEmpty(name): return "\(name): directory not empty"
        case let .tooManyLinks(name, limit): return "\(Self.printable(name)): too many links (a file has at most \(limit) names)"
        case let .notARegularFile(name, kind): return "\(Self.printable(name)): is a \(kind), not a regular file"
        case let .invalidName(name, error): return "\(Self.printable(name)): invalid name: \(error)"
        case let .invalidLabel(detail): return "invalid label: \(detail)"
        case let .noSpace(needed, free): return "no space left: needs \(needed) pages, \(free) free"
        case let .fileTooLarge(length, limit): return "file of \(length) bytes exceeds the \(limit)-byte limit"
        case let .tooManyTags(count): return "\(count) tags exceed the limit of \(Limits.maxTagsPerFile)"
        case let .invalidAttributes(name, detail): return "\(Self.printable(name)): attributes cannot be stored: \(detail)"
        case .readOnly: return "volume is open read-only"
        case let .dataChecksumMismatch(name, ordinal, page, stored, computed):
            return "\(name): data page \(ordinal) (page \(page.rawValue), byte \(page.firstByte)): CRC-32 mismatch: recorded \(Hex.format(stored, width: 8)), computed \(Hex.format(computed, width: 8))"
        case let .damaged(name, ranges, marked):
            return "\(Self.printable(name)): damaged: \(Self.describe(ranges)) "
                + (marked ? "(marked damaged by fsck.zest)" : "(run fsck.zest)") + "; ardaku get --salvage copies what is there"
        case let .corrupt(detail, address):
            let location = address.map { "byte \($0) (page \($0.page?.rawValue ?? 0) \($0.offsetInPage)): " } ?? ""
            return "\(location)\(detail); run fsck.zest"
        case .trieFull: return "the file infix tree is full (\(Limits.maxTriePages) pages)"
        case let .sizeOutOfRange(pages):
            return "a volume needs \(Limits.minPageCount)...\(Limits.maxPageCount) pages of 64 KiB, this one would have \(pages)"
        case let .truncatedImage(storePages, volumePages):
            return "image holds \(storePages) pages but the volume has \(volumePages): truncated image"
        }
    }

    /// "bytes 0..<65536 and 131072..<140000 do not match their CRC-32" (at most 8 ranges shown).
    public static func describe(_ ranges: [Range<UInt64>]) -> String {
        let shown = ranges.prefix(8).map { "\($0.lowerBound)..<\($0.upperBound)" }
        var text = "bytes " + shown.joined(separator: ", ")
        if ranges.count > 8 { text += " and \(ranges.count - 8) more ranges" }
        return text + " do not match their CRC-32"
    }

    /// A name as it can be shown on one line (`QuotedName`: one unambiguous quoting).
    public static func printable(_ name: String) -> String { QuotedName.quotedName(name) }
}

extension FormatError {
    var asVolumeError: VolumeError { .format(self) }

}
