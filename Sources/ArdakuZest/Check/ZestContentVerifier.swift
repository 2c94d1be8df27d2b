import ArdakuFormat

/// Reads one entry's stored bytes back into its content by the rules the volume and the
/// checker use, for tools that judge entries one at a time (dumpfs).
public struct ZestContentVerifier {
    private var decoder = ZestContentDecoder()

    public init() {}

    /// What is wrong with the entry's lengths and codec, judged before any byte is read.
    public static func lengthProblem(_ entry: ZestEntry) -> ZestContentFailure? {
        ZestContentDecoder.lengthProblem(entry)
    }

    /// The content of `entry` from its `stored` bytes (exactly `storedLength` of them),
    /// inflated no further than `originalLength`, with its CRC checked.
    ///
    /// - Parameter dictionary: the content of the dictionary the entry names, if any.
    public mutating func content(of entry: ZestEntry, stored: UnsafeRawBufferPointer, dictionary: [UInt8]?) -> Result<[UInt8], ZestContentFailure> {
        if let problem = Self.lengthProblem(entry) { return .failure(problem) }
        guard stored.count == Int(entry.storedLength) else {
            return .failure(.inconsistentLengths("\(stored.count) stored bytes for a stored length of \(entry.storedLength)"))
        }
        return decoder.decode(entry, stored: stored, dictionary: dictionary)
    }

    /// Checks `entry`'s content, reading its stored bytes a piece at a time through
    /// `readStored(offset in the content, into)` (`ZestContentDecoder.stream`): memory stays
    /// bounded however long the file is. Returns the content only when `keeping` (for a
    /// dictionary, at most 32 KiB), else an empty array.
    public mutating func check<E: Error>(_ entry: ZestEntry, dictionary: [UInt8]?, keeping: Bool,
                                         readStored: (_ offset: Int, _ into: UnsafeMutableRawBufferPointer) throws(E) -> Void)
        throws(E) -> Result<[UInt8], ZestContentFailure> {
        try decoder.check(entry, dictionary: dictionary, keeping: keeping, readStored: readStored)
    }
}
