import Testing
@testable import ArdakuCAS

/// SHA256Stream (libcrypto through CArdakuSHA256), the hash of every CAS id.
@Suite struct SHA256Tests {
    static func sha256(_ bytes: [UInt8]) -> String {
        var hasher = SHA256Stream()
        bytes.withUnsafeBytes { hasher.update($0) }
        return hasher.finalizeHex()
    }

    /// `bytes` fed in pieces whose sizes cycle through `sizes`.
    static func sha256(_ bytes: [UInt8], pieces sizes: [Int]) -> String {
        var hasher = SHA256Stream()
        var start = 0, next = 0
        bytes.withUnsafeBytes { raw in
            while start < raw.count {
                let end = min(raw.count, start + sizes[next % sizes.count])
                hasher.update(UnsafeRawBufferPointer(rebasing: raw[start..<end]))
                start = end
                next += 1
            }
        }
        return hasher.finalizeHex()
    }

    static let millionA = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
    static let millionADigest = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"

    /// The examples of FIPS 180-4 (NIST's SHA-256 example values): the empty message, one
    /// block, the 448-bit message whose padding needs a second block, the 896-bit one
    /// (SHA-512's two-block message) and one million 'a'.
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        ("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
         "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"),
    ])
    func knownAnswers(message: String, digest: String) {
        #expect(Self.sha256(Array(message.utf8)) == digest)
    }

    @Test func oneMillionA() {
        #expect(Self.sha256(Self.millionA) == Self.millionADigest)
        #expect(Self.sha256(Self.millionA, pieces: [1, 63, 64, 65, 4095]) == Self.millionADigest)
    }

    @Test func theDigestBytesAreTheHexDigits() {
        var hasher = SHA256Stream()
        Array("abc".utf8).withUnsafeBytes { hasher.update($0) }
        let bytes = hasher.finalize()
        #expect(bytes.count == 32)
        #expect(bytes.prefix(4) == [0xba, 0x78, 0x16, 0xbf])
        #expect(ObjectID(bytes: bytes)?.hex == hasher.finalizeHex())
    }

    /// Pieces of every size around the 64-byte block (and none at all) give the one-shot
    /// digest, whatever the boundaries.
    @Test(arguments: [[1], [63], [64], [65], [4095], [1, 63, 64, 65, 4095, 4096, 4097, 127, 0, 2], [1 << 20, 3]])
    func piecesEqualOneShot(sizes: [Int]) {
        let data = TestData.random(300_001, seed: 7)
        #expect(Self.sha256(data, pieces: sizes) == Self.sha256(data))
    }

    @Test func emptyUpdatesChangeNothing() {
        var hasher = SHA256Stream()
        hasher.update(UnsafeRawBufferPointer(start: nil, count: 0))
        [UInt8]().withUnsafeBytes { hasher.update($0) }
        #expect(hasher.finalizeHex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    /// finalize leaves the stream as it was: more bytes can follow, and the digest then is
    /// that of all of them.
    @Test func finalizeDoesNotEndTheStream() {
        var hasher = SHA256Stream()
        Array("ab".utf8).withUnsafeBytes { hasher.update($0) }
        #expect(hasher.finalizeHex() == Self.sha256(Array("ab".utf8)))
        #expect(hasher.finalizeHex() == Self.sha256(Array("ab".utf8)))
        Array("c".utf8).withUnsafeBytes { hasher.update($0) }
        #expect(hasher.finalizeHex() == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    /// An id is the SHA-256 of the type byte without the compressed bit, then the payload.
    @Test func objectIDsAreTheSHA256OfTypeByteAndPayload() {
        for (type, payload) in [(UInt8(0x01), Array("hello".utf8)), (0x09, Array("hello".utf8)), (0x03, []),
                                (0x02, TestData.random(100_000, seed: 3))] {
            let id = ObjectID.hashing(typeByte: type, payload: payload)
            #expect(id.hex == Self.sha256([type & ~ObjectType.compressedFlag] + payload))
        }
        // The seed's blob "hello" (SeedTests checks the others).
        #expect(ObjectID.hashing(typeByte: 0x01, payload: Array("hello".utf8)).hex == SeedTests.blobID)
    }
}
