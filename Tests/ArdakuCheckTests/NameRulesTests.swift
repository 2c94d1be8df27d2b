import Testing
@testable import ArdakuCheck
import ArdakuFormat
import TestSupport

/// The in-place name check of the trie walk must agree with FileName.validate on every name.
@Suite struct NameRulesTests {
    static let samples: [[UInt8]] = [
        [], Array("/".utf8), Array("a".utf8), Array("/a".utf8), Array("/a/".utf8), Array("//a".utf8), Array("/a//b".utf8),
        Array("/./a".utf8), Array("/a/.".utf8), Array("/a/..".utf8), Array("/..a".utf8), Array("/a..".utf8), Array("/.a".utf8),
        Array("/a\u{0}b".utf8), [0x2F, 0xFF], [0x2F, 0xC0, 0x80], [0x2F, 0xED, 0xA0, 0x80], [0x2F, 0xF4, 0x90, 0x80, 0x80],
        Array("/é/日本".utf8), [0x2F] + [UInt8](repeating: 0x61, count: 1019), [0x2F] + [UInt8](repeating: 0x61, count: 1020),
    ]

    @Test func agreesWithFileNameOnSamples() {
        for name in Self.samples { check(name) }
    }

    @Test func agreesWithFileNameOnRandomNames() {
        var rng = SeededGenerator(seed: 5)
        let alphabet: [UInt8] = [0x2F, 0x2F, 0x2E, 0x2E, 0x61, 0x62, 0x00, 0xC3, 0xA9, 0xFF, 0xE6, 0x97, 0xA5, 0xED, 0xA0, 0xF0, 0x9F]
        for _ in 0..<20_000 {
            let length = Int(rng.next() % 12)
            check((0..<length).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] })
        }
    }

    private func check(_ name: [UInt8]) {
        let reference: String?
        do { try FileName.validate(name); reference = nil } catch { reference = error.description }
        #expect(NameRules.firstProblem(in: name) == reference, "\(name)")
    }
}
