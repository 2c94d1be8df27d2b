import Testing
@testable import ArdakuZest
import ArdakuCodec

/// The read path decodes with libdeflate behind a stored-block dictionary and falls back to
/// zlib; these tests hold it to zlib's answer on every stream, intact or damaged.
@Suite("Inflater (libdeflate with zlib's verdict)")
struct InflaterTests {
    /// Dictionaries of the sizes that occur: none, tiny, a few KiB, the 32 KiB maximum.
    static func dictionaries(_ corpus: [(name: String, bytes: [UInt8])]) -> [[UInt8]?] {
        let samples = corpus.prefix(30).map(\.bytes)
        return [nil, Array(samples[0].prefix(100)), ZestDictionaryTrainer.train(samples: samples, size: 4096),
                ZestDictionaryTrainer.train(samples: samples, size: ZestLimits.maxDictionaryBytes)]
    }

    @Test("intact streams decode to the original, with and without dictionaries, switching between them")
    func intactStreams() throws {
        let corpus = TextCorpus.make(count: 60, seed: 77, profile: .benchmarkLike)
        let dictionaries = Self.dictionaries(corpus)
        let deflater = try DeflateStream(level: 6, framing: .raw)
        let inflater = FastRawInflater()
        var decoded = 0
        for (index, file) in corpus.enumerated() {
            // Every call switches dictionary, so priming and reuse are both exercised.
            let dictionary = dictionaries[index % dictionaries.count]
            guard let stream = try file.bytes.withUnsafeBytes({ try deflater.compressIfSmaller($0, dictionary: dictionary) }) else { continue }
            let got = stream.withUnsafeBytes { inflater.decompress($0, originalLength: file.bytes.count, dictionary: dictionary) }
            #expect(try got.get() == file.bytes, "file \(index)")
            decoded += 1
        }
        #expect(decoded > 50)
        #expect(inflater.fastDecodes == decoded, "every intact stream takes the libdeflate path")
    }

    @Test("damaged streams fail exactly as zlib says: wrong length, truncated, trailing bytes, flipped bytes")
    func damagedStreamsMatchZlib() throws {
        let corpus = TextCorpus.make(count: 24, seed: 5, profile: .benchmarkLike)
        let dictionaries = Self.dictionaries(corpus)
        let deflater = try DeflateStream(level: 6, framing: .raw)
        let reference = try InflateStream(framing: .raw)
        let inflater = FastRawInflater()
        var generator = SeededGenerator(seed: 1951)
        var cases = 0
        var failures = 0
        for (index, file) in corpus.enumerated() {
            let dictionary = dictionaries[index % dictionaries.count]
            guard let stream = try file.bytes.withUnsafeBytes({ try deflater.compressIfSmaller($0, dictionary: dictionary) }) else { continue }
            var variants: [(what: String, bytes: [UInt8], length: Int)] = [
                ("one byte short", stream, file.bytes.count - 1),
                ("one byte long", stream, file.bytes.count + 1),
                ("truncated", Array(stream.prefix(stream.count / 2)), file.bytes.count),
                ("last byte cut", Array(stream.dropLast()), file.bytes.count),
                ("trailing bytes", stream + [0x5A, 0x00, 0xFF], file.bytes.count),
                ("no dictionary", stream, file.bytes.count),
            ]
            for _ in 0..<12 {
                var flipped = stream
                let at = Int.random(in: 0..<flipped.count, using: &generator)
                flipped[at] ^= UInt8.random(in: 1...255, using: &generator)
                variants.append(("byte \(at) flipped", flipped, file.bytes.count))
            }
            for variant in variants {
                let used = variant.what == "no dictionary" ? nil : dictionary
                let expected = variant.bytes.withUnsafeBytes { reference.decompress($0, originalLength: variant.length, dictionary: used) }
                let got = variant.bytes.withUnsafeBytes { inflater.decompress($0, originalLength: variant.length, dictionary: used) }
                #expect(got == expected, "file \(index), \(variant.what)")
                cases += 1
                if case .failure = expected { failures += 1 }
            }
        }
        // The variants must really be damage, mostly: this is a test of the failure path.
        #expect(cases > 300 && failures > cases / 2, "\(failures) failures in \(cases) cases")
    }

    @Test("inflating never goes past the recorded original length")
    func bounded() throws {
        let original = Array(repeating: UInt8(7), count: 10_000)
        let compressed = try original.withUnsafeBytes { try DeflateStream(level: 6, framing: .raw).compressIfSmaller($0, dictionary: nil) }!
        let inflater = FastRawInflater()
        let short = compressed.withUnsafeBytes { inflater.decompress($0, originalLength: 9_999, dictionary: nil) }
        #expect(short == .failure(.longerThanRecorded))
        let long = compressed.withUnsafeBytes { inflater.decompress($0, originalLength: 10_001, dictionary: nil) }
        #expect(long == .failure(.shorterThanRecorded(produced: 10_000)))
        let exact = compressed.withUnsafeBytes { inflater.decompress($0, originalLength: 10_000, dictionary: nil) }
        #expect(exact == .success(original))
        #expect(inflater.fastDecodes == 1)
    }
}
