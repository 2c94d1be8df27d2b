import ArdakuFormat
import CArdakuSHA256

/// Plain SHA-256 of a byte stream, with the implementation CAS ids use (OpenSSL's
/// libcrypto through CArdakuSHA256, with the CPU's SHA instructions where it has them).
public struct SHA256Stream {
    /// Bytes in a digest.
    static let digestBytes = Int(ARDAKU_SHA256_DIGEST_BYTES)

    private var context = ardaku_sha256_ctx()

    public init() {
        ardaku_sha256_init(&context)
    }

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        ardaku_sha256_update(&context, bytes.baseAddress, bytes.count)
    }

    /// Writes the digest of the bytes so far to the first 32 bytes of `digest`; the stream
    /// is unchanged (a copy of the state is finished), so more bytes can follow.
    func finalize(into digest: UnsafeMutableRawBufferPointer) {
        precondition(digest.count >= Self.digestBytes, "a SHA-256 digest needs 32 bytes")
        var copy = context
        ardaku_sha256_final(&copy, digest.baseAddress!.assumingMemoryBound(to: UInt8.self))
    }

    /// The 32 digest bytes.
    public func finalize() -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: Self.digestBytes) { buffer, count in
            finalize(into: UnsafeMutableRawBufferPointer(buffer))
            count = Self.digestBytes
        }
    }

    /// The digest as 64 lowercase hex digits.
    public func finalizeHex() -> String { Hex.digits(finalize()) }
}
