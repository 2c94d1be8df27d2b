import ArdakuFormat
// The seeded generator of every test target (SplitMix64), visible in every file of this one.
@_exported import TestSupport
@testable import ArdakuZest


/// A byte store that records every write range and can replay a crash at any point.
final class RecordingByteStore: ByteStore {
    enum Operation {
        case write(offset: UInt64, bytes: [UInt8])
        case setLength(UInt64)
        case flush
    }

    let memory: MemoryByteStore
    private(set) var operations: [Operation] = []
    var isReadOnly: Bool { memory.isReadOnly }

    init(_ bytes: [UInt8] = []) { memory = MemoryByteStore(bytes) }

    var length: UInt64 { memory.length }
    var bytes: [UInt8] { memory.bytes }

    func read(at offset: UInt64, into buffer: UnsafeMutableRawBufferPointer) throws(StoreError) {
        try memory.read(at: offset, into: buffer)
    }
    func write(at offset: UInt64, from bytes: UnsafeRawBufferPointer) throws(StoreError) {
        try memory.write(at: offset, from: bytes)
        operations.append(.write(offset: offset, bytes: Array(bytes)))
    }
    func setLength(_ length: UInt64) throws(StoreError) {
        try memory.setLength(length)
        operations.append(.setLength(length))
    }
    func flush() throws(StoreError) {
        try memory.flush()
        operations.append(.flush)
    }

    func clearLog() { operations.removeAll() }

    /// Byte ranges written since the log was cleared.
    var writtenRanges: [Range<UInt64>] {
        operations.compactMap {
            if case let .write(offset, bytes) = $0 { return offset..<(offset + UInt64(bytes.count)) }
            return nil
        }
    }

    /// The image a crash after `count` logged operations could leave, starting from `base`:
    /// everything before the last flush is durable; each later write reached the medium
    /// whole, not at all, or torn at a 512-byte boundary, as `generator` decides.
    func crashImage(base: [UInt8], afterOperations count: Int, using generator: inout SeededGenerator) -> [UInt8] {
        var image = base
        func apply(_ operation: Operation, tornAt: Int?) {
            switch operation {
            case let .write(offset, bytes):
                let end = Int(offset) + bytes.count
                if image.count < end { image.append(contentsOf: repeatElement(0, count: end - image.count)) }
                let kept = tornAt.map { min($0, bytes.count) } ?? bytes.count
                image.replaceSubrange(Int(offset)..<(Int(offset) + kept), with: bytes[0..<kept])
            case let .setLength(length):
                if Int(length) < image.count { image.removeSubrange(Int(length)...) } else {
                    image.append(contentsOf: repeatElement(0, count: Int(length) - image.count))
                }
            case .flush: break
            }
        }
        let prefix = operations.prefix(count)
        let lastFlush = prefix.lastIndex { if case .flush = $0 { return true } else { return false } } ?? -1
        for operation in prefix[..<(lastFlush + 1)] { apply(operation, tornAt: nil) }
        for operation in prefix[(lastFlush + 1)...] {
            switch Int.random(in: 0..<4, using: &generator) {
            case 0: continue                                  // never reached the medium
            case 1:
                if case let .write(_, bytes) = operation, bytes.count > 512 {
                    apply(operation, tornAt: 512 * Int.random(in: 1...(bytes.count / 512), using: &generator))
                } else { apply(operation, tornAt: nil) }
            default: apply(operation, tornAt: nil)
            }
        }
        return image
    }
}

func name(_ string: String) -> FileName { try! FileName(string) }

/// Text-like files of 100 B...8 KiB: prose, source code with licence headers, key=value
/// configuration and log lines over a shared Zipf-distributed vocabulary, so that files
/// share strings the way a real tree of small text files does.
enum TextCorpus {
    /// How redundant the text is.
    struct Profile: Sendable {
        /// Distinct words.
        var vocabulary = 4000
        /// Zipf skew: 1 is Zipf-like, smaller is flatter (more distinct words per text).
        var skew = 1.0
        /// One token in this many is a random number or hex id (incompressible-ish).
        var randomTokenEvery = 0
        /// File sizes uniform in 100...8192 (else log-uniform).
        var uniformSizes = false

        /// Shares strings heavily between files (source trees, logs).
        static let redundant = Profile()
        /// Calibrated on the benchmark's figures: per-file zlib 0.63 of the raw size,
        /// squashfs-gzip 0.57, files of 100 B...8 KiB averaging 4 KiB.
        static let benchmarkLike = Profile(vocabulary: 60000, skew: 0.5, randomTokenEvery: 4, uniformSizes: true)
    }

    static func make(count: Int, seed: UInt64, profile: Profile = .redundant) -> [(name: String, bytes: [UInt8])] {
        var generator = SeededGenerator(seed: seed)
        let syllables = ["ka", "to", "ri", "sen", "mo", "lu", "ver", "an", "dis", "pe", "gro", "tal", "in", "o", "ex",
                         "ba", "que", "ny", "st", "re", "con", "fi", "ma", "ti", "on", "al", "ge", "ur", "ple", "xa"]
        var vocabulary: [String] = []
        for _ in 0..<profile.vocabulary {
            let parts = Int.random(in: 1...4, using: &generator)
            vocabulary.append((0..<parts).map { _ in syllables.randomElement(using: &generator)! }.joined())
        }
        var tokens = 0
        func word() -> String {
            tokens += 1
            if profile.randomTokenEvery > 0 && tokens % profile.randomTokenEvery == 0 {
                return String(UInt64.random(in: 0..<(1 << 40), using: &generator), radix: Bool.random(using: &generator) ? 16 : 10)
            }
            // Zipf-like: small indexes are far more common.
            let u = pow(Double.random(in: 0..<1, using: &generator), profile.skew)
            return vocabulary[min(vocabulary.count - 1, max(0, Int(pow(Double(vocabulary.count), u)) - 1))]
        }
        let licences = (0..<6).map { variant in
            (0..<Int.random(in: 6...14, using: &generator)).map { line in
                " * " + (0..<Int.random(in: 5...11, using: &generator)).map { _ in word() }.joined(separator: " ") + (line == 0 ? " \(variant)" : "")
            }.joined(separator: "\n")
        }
        let directories = (0..<40).map { _ in "/" + word() + "/" + word() }
        var files: [(String, [UInt8])] = []
        for index in 0..<count {
            let target = profile.uniformSizes ? Int.random(in: 100...8192, using: &generator)
                : Int(exp(Double.random(in: log(100.0)..<log(8192.0), using: &generator)))
            var text = ""
            let kind = Int.random(in: 0..<4, using: &generator)
            var extensionName = "txt"
            switch kind {
            case 0:
                while text.utf8.count < target {
                    var sentence = (0..<Int.random(in: 4...16, using: &generator)).map { _ in word() }.joined(separator: " ")
                    sentence = sentence.prefix(1).uppercased() + sentence.dropFirst() + ". "
                    text += sentence
                    if Int.random(in: 0..<6, using: &generator) == 0 { text += "\n\n" }
                }
            case 1:
                extensionName = "c"
                text = "/*\n" + licences.randomElement(using: &generator)! + "\n */\n#include <" + word() + ".h>\n\n"
                while text.utf8.count < target {
                    let function = word() + "_" + word()
                    text += "static int \(function)(struct \(word()) *\(word()), int \(word()))\n{\n"
                    for _ in 0..<Int.random(in: 2...8, using: &generator) {
                        text += "    if (\(word())->\(word()) != \(Int.random(in: 0..<64, using: &generator))) return \(word())(\(word()));\n"
                    }
                    text += "    return 0;\n}\n\n"
                }
            case 2:
                extensionName = "conf"
                while text.utf8.count < target {
                    text += "[\(word())]\n"
                    for _ in 0..<Int.random(in: 2...7, using: &generator) {
                        text += "\(word())_\(word()) = \(Bool.random(using: &generator) ? word() : String(Int.random(in: 0..<10000, using: &generator)))\n"
                    }
                    text += "\n"
                }
            default:
                extensionName = "log"
                var seconds = Int.random(in: 0..<86400, using: &generator)
                while text.utf8.count < target {
                    seconds += Int.random(in: 0..<90, using: &generator)
                    let time = String(format2(seconds / 3600 % 24)) + ":" + format2(seconds / 60 % 60) + ":" + format2(seconds % 60)
                    let level = ["INFO", "INFO", "INFO", "WARN", "DEBUG", "ERROR"].randomElement(using: &generator)!
                    text += "2024-05-\(format2(1 + index % 28)) \(time) \(level) [\(word())] \(word()) \(word()) \(word()) id=\(Int.random(in: 0..<100000, using: &generator))\n"
                }
            }
            let bytes = Array(text.utf8.prefix(target))
            files.append(("\(directories[index % directories.count])/\(word())-\(index).\(extensionName)", bytes))
        }
        return files
    }

    static func format2(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
    static func pow(_ base: Double, _ exponent: Double) -> Double { exp(log(base) * exponent) }
}

import Foundation
