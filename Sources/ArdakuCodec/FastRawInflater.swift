import CDeflate

/// Raw DEFLATE decoding for reads: libdeflate first, zlib's verdict when it refuses.
///
/// On the small files a ZEST volume holds, libdeflate's whole-buffer decoder runs about
/// twice as fast as zlib's streaming inflate (docs/BENCHMARKS.md, ZEST). libdeflate has no
/// preset dictionary, so a file compressed with one is decoded behind a non-final stored
/// block that holds the dictionary: the decoder's history is then the dictionary, exactly
/// as after zlib's inflateSetDictionary, and the stored block costs one copy.
///
/// Results are zlib's by construction: libdeflate's answer is taken only when the stream
/// decoded completely, used every input byte and produced exactly the recorded length,
/// and then zlib would have produced the same bytes (both decode DEFLATE as RFC 1951
/// defines it). Anything else goes to `InflateStream`, whose failure names the damage
/// (truncated, too long, trailing bytes, invalid data).
public final class FastRawInflater {
    /// Header of a non-final stored block: BFINAL 0, BTYPE 00, padding, LEN, NLEN.
    private static let storedBlockHeaderBytes = 5

    private let decompressor: OpaquePointer?
    private lazy var zlib: Result<InflateStream, CodecError> = Result { () throws(CodecError) in try InflateStream(framing: .raw) }
    /// The stored block holding `primedDictionary`, followed by room for a stream.
    private var primedInput: UnsafeMutableRawBufferPointer = .init(start: nil, count: 0)
    private var primedDictionary: [UInt8] = []
    /// Where the dictionary and the file's content are decoded, grown as needed.
    private var scratch: UnsafeMutableRawBufferPointer = .init(start: nil, count: 0)
    /// Streams libdeflate decoded (the rest went to zlib): tests hold the fast path to it.
    public private(set) var fastDecodes = 0

    public init() {
        decompressor = libdeflate_alloc_decompressor()
    }

    deinit {
        if let decompressor { libdeflate_free_decompressor(decompressor) }
        primedInput.deallocate()
        scratch.deallocate()
    }

    /// Inflates `input` into exactly `originalLength` bytes; never writes past them.
    ///
    /// The whole of `input` must be one complete stream: a stream that ends early, runs
    /// long, or leaves bytes unread is an error, since each of those means damage.
    public func decompress(_ input: UnsafeRawBufferPointer, originalLength: Int, dictionary: [UInt8]?) -> Result<[UInt8], InflateFailure> {
        if let decompressor, let content = fastDecode(decompressor, input, originalLength: originalLength,
                                                      dictionary: dictionary ?? []) {
            fastDecodes += 1
            return .success(content)
        }
        switch zlib {
        case let .success(inflater): return inflater.decompress(input, originalLength: originalLength, dictionary: dictionary)
        case .failure: return .failure(.outOfMemory)
        }
    }

    /// The content when libdeflate decodes `input` to exactly `originalLength` bytes using
    /// all of it, else nil.
    private func fastDecode(_ decompressor: OpaquePointer, _ input: UnsafeRawBufferPointer, originalLength: Int,
                            dictionary: [UInt8]) -> [UInt8]? {
        guard input.count > 0 else { return nil }
        if dictionary.isEmpty {
            var failed = false
            // One spare byte: a stream that fills it is longer than recorded.
            let content = [UInt8](unsafeUninitializedCapacity: originalLength + 1) { buffer, initialized in
                var consumed = 0
                var produced = 0
                let status = libdeflate_deflate_decompress_ex(decompressor, input.baseAddress, input.count,
                                                              buffer.baseAddress, originalLength + 1, &consumed, &produced)
                failed = status != LIBDEFLATE_SUCCESS || consumed != input.count || produced != originalLength
                initialized = failed ? 0 : originalLength
            }
            return failed ? nil : content
        }
        guard dictionary.count <= Int(UInt16.max) else { return nil }
        prime(with: dictionary, streamBytes: input.count)
        let prefix = Self.storedBlockHeaderBytes + dictionary.count
        let total = prefix + input.count
        UnsafeMutableRawBufferPointer(rebasing: primedInput[prefix..<total]).copyMemory(from: input)
        let capacity = dictionary.count + originalLength + 1
        reserveScratch(capacity)
        var consumed = 0
        var produced = 0
        let status = libdeflate_deflate_decompress_ex(decompressor, primedInput.baseAddress, total,
                                                      scratch.baseAddress, capacity, &consumed, &produced)
        guard status == LIBDEFLATE_SUCCESS, consumed == total, produced == dictionary.count + originalLength else { return nil }
        return Array(UnsafeRawBufferPointer(rebasing: scratch[dictionary.count..<produced]))
    }

    /// Makes `primedInput` the stored block of `dictionary` with room for `streamBytes`
    /// after it.
    private func prime(with dictionary: [UInt8], streamBytes: Int) {
        let prefix = Self.storedBlockHeaderBytes + dictionary.count
        let needed = prefix + streamBytes
        let sameDictionary = primedDictionary.count == dictionary.count && Self.sameBytes(primedDictionary, dictionary)
        if sameDictionary && primedInput.count >= needed { return }
        if primedInput.count < needed {
            let grown = Self.allocate(max(needed, 2 * primedInput.count))
            if sameDictionary, let old = primedInput.baseAddress {
                grown.copyMemory(from: UnsafeRawBufferPointer(start: old, count: prefix))
            }
            primedInput.deallocate()
            primedInput = grown
            if sameDictionary { return }
        }
        let length = UInt16(dictionary.count)
        let header: [UInt8] = [0, UInt8(length & 0xFF), UInt8(length >> 8), UInt8(~length & 0xFF), UInt8(~length >> 8)]
        header.withUnsafeBytes { primedInput.baseAddress!.copyMemory(from: $0.baseAddress!, byteCount: header.count) }
        dictionary.withUnsafeBytes { (primedInput.baseAddress! + header.count).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        primedDictionary = dictionary
    }

    /// True when `a` and `b` hold the same bytes; arrays sharing storage (the same
    /// dictionary handed out again) are recognised without comparing 32 KiB.
    private static func sameBytes(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        let shared = a.withUnsafeBufferPointer { a in b.withUnsafeBufferPointer { b in a.baseAddress == b.baseAddress } }
        return shared || a == b
    }

    private func reserveScratch(_ count: Int) {
        guard scratch.count < count else { return }
        let grown = Self.allocate(max(count, 2 * scratch.count))
        scratch.deallocate()
        scratch = grown
    }

    private static func allocate(_ count: Int) -> UnsafeMutableRawBufferPointer {
        UnsafeMutableRawBufferPointer.allocate(byteCount: count, alignment: 16)
    }
}
