import ArdakuCodec

/// ZEST file contents are raw DEFLATE streams (docs/FORMAT.md §Z7), with or without a preset
/// dictionary; the codec target does the work, this names the framing once.
extension DeflateStream {
    static func zest(level: Int32) throws(ZestError) -> DeflateStream {
        do { return try DeflateStream(level: level, framing: .raw) } catch { throw ZestError(error) }
    }

    /// The stored form of `input` when DEFLATE makes it smaller, else nil.
    func zestCompress(_ input: UnsafeRawBufferPointer, dictionary: [UInt8]?) throws(ZestError) -> [UInt8]? {
        do { return try compressIfSmaller(input, dictionary: dictionary) } catch { throw ZestError(error) }
    }
}

extension ZestError {
    init(_ failure: CodecError) {
        self.init(.codec(failure.description))
    }
}
