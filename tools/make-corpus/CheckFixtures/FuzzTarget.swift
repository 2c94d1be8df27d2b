import ArdakuCAS
import ArdakuDump
import ArdakuFormat
import ArdakuZest
import TestSupport

/// The libFuzzer targets, one executable (tools/fuzz/FuzzCheck) choosing its body by name
/// (`FUZZ_TARGET`). Each target's seeds are in `tools/fuzz/seeds/<name>/`, and an input kept
/// in `images/fuzz-crashes/` replays through the target its name starts with (`zest-...`),
/// or through `check` (`crash-...`, `timeout-...`).
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// fsck.zest's check engine over an Ardaku volume (`FuzzHarness`).
    case check
    /// The ZEST checker and decoders over a standalone ZEST volume.
    case zest
    /// The CAS checker and decoders over a standalone CAS volume.
    case cas
    /// dumpfs's views, text and JSON, over an Ardaku image or a standalone ZEST volume.
    case dump
    /// `ardaku get -r`'s extraction of a hostile volume into a scratch directory.
    case extract

    /// The target a kept input replays through, from its file name.
    public init(inputNamed name: String) {
        self = FuzzTarget(rawValue: String(name.prefix { $0 != "-" })) ?? .check
    }

    /// Runs one input; returns a violation instead of trapping so tests can report it.
    public func run(_ data: UnsafeRawBufferPointer, reusing scratch: MemoryPageStore? = nil) -> FuzzHarness.Violation? {
        switch self {
        case .check: FuzzHarness.run(data, reusing: scratch)
        case .zest: ByteVolumeFuzzing.zest.run(data)
        case .cas: ByteVolumeFuzzing.cas.run(data)
        case .dump: DumpFuzzing.run(data)
        case .extract: ExtractionFuzzing.run(data)
        }
    }

    public func run(_ bytes: [UInt8]) -> FuzzHarness.Violation? {
        bytes.withUnsafeBytes { run($0) }
    }

    /// The image an input describes, to look at with fsck.zest or dumpfs.
    public func image(_ bytes: [UInt8]) -> [UInt8]? {
        switch self {
        case .check, .extract: FuzzHarness.image(bytes)
        case .zest: ByteVolumeFuzzing.zest.image(bytes)
        case .cas: ByteVolumeFuzzing.cas.image(bytes)
        case .dump: DumpFuzzing.image(bytes)
        }
    }

    /// Builds the base volumes the target patches; built lazily inside the first input that
    /// needs one, they cost seconds under ASan and libFuzzer would count that as a timeout.
    public func prepare() {
        switch self {
        case .check, .dump, .extract: _ = FuzzHarness.baseImage.count + FuzzHarness.baseImageWithExtension.count + ByteVolumeFuzzing.zest.base.count
        case .zest: _ = ByteVolumeFuzzing.zest.base.count
        case .cas: _ = ByteVolumeFuzzing.cas.base.count
        }
    }
}

/// A standalone byte-addressed volume (ZEST or CAS) under the fuzzer.
///
/// An input is a patch list over a small valid volume, or the volume itself:
///
/// - byte 0, bit 0 clear: **patch mode**. The rest is a sequence of patches `offset (3 bytes LE,
///   modulo the volume's length), length (1 byte, 1...32), bytes`.
/// - byte 0, bit 0 set: **raw mode**. The rest is the volume's bytes.
///
/// Each volume is checked read-only (the store refuses writes; its bytes must not change),
/// repaired, and checked again. The properties: nothing traps; the read-only check neither
/// throws nor writes; the repair does not fail; after a repair that wrote, the third check
/// finds nothing of warning severity or above, except report-only findings the first check
/// also made (those are left as they are on purpose, such as C4008, a tree too deep).
public struct ByteVolumeFuzzing: Sendable {
    /// The volume patch mode starts from.
    public let base: [UInt8]
    /// The findings of a read-only check; throws only when the checker itself failed.
    let verify: @Sendable (ByteStore) throws -> [Finding]
    /// Repairs; returns whether it wrote. Throws when the repair failed; `accepts` tells
    /// which failures are legitimate for the findings of the first check.
    let repair: @Sendable (ByteStore) throws -> Bool
    let acceptsFailure: @Sendable (_ error: Error, _ firstFindings: [Finding]) -> Bool

    /// `/a` (3,000 bytes of text), `/d/b` (20,000), `/e` (empty) in a ZEST volume.
    public static let zest = ByteVolumeFuzzing(
        base: {
            do {
                return try TestZest.volume([("/a", FixtureVolume.text(seed: 1, count: 3000)),
                                            ("/d/b", FixtureVolume.text(seed: 2, count: 20_000)), ("/e", [])])
            } catch { fatalError("the ZEST fuzzing volume cannot be built: \(error)") }
        }(),
        verify: { store in try ZestChecker.verify(store) },
        repair: { store in try ZestChecker.repair(store).changedVolume },
        acceptsFailure: { _, _ in false })

    /// The CAS corpus fixture: two snapshots of a small tree (`CASFixture`).
    public static let cas = ByteVolumeFuzzing(
        base: CASFixture.pristine.bytes,
        verify: { store in CASChecker.verify(store) },
        repair: { store in
            // A repair that finds only report-only problems writes nothing.
            let findings = try CASChecker.repair(store, options: CASOptions(parallel: false))
            return findings.contains { $0.kind.repair != .reportOnly }
        },
        // The one refusal the checker documents: a version it cannot judge.
        acceptsFailure: { _, first in first.contains { $0.kind.code == CASFindings.unsupportedVersion.code } })

    public func run(_ data: UnsafeRawBufferPointer) -> FuzzHarness.Violation? {
        guard let mode = data.first else { return nil }
        let store = MemoryByteStore(volume(mode: mode, data.dropFirst()))
        let before = store.bytes
        store.isReadOnly = true
        let first: [Finding]
        do { first = try verify(store) } catch {
            return FuzzHarness.Violation(description: "the read-only check failed: \(error)")
        }
        guard store.bytes == before else { return FuzzHarness.Violation(description: "the read-only check wrote") }
        store.isReadOnly = false
        let wrote: Bool
        do { wrote = try repair(store) } catch {
            guard acceptsFailure(error, first) else {
                return FuzzHarness.Violation(description: "repair failed: \(error)\nfirst check: \(first.map(\.description))")
            }
            return nil
        }
        guard wrote else { return nil }
        let third: [Finding]
        do { third = try verify(store) } catch {
            return FuzzHarness.Violation(description: "the check after repair failed: \(error)")
        }
        let firstCodes = Set(first.map(\.kind.code))
        if let problem = third.first(where: {
            $0.severity >= .warning && !($0.kind.repair == .reportOnly && firstCodes.contains($0.kind.code))
        }) {
            return FuzzHarness.Violation(description: "check after repair: \(problem)\nfirst check: \(first.map(\.description))")
        }
        return nil
    }

    /// The volume an input describes (before any check).
    public func image(_ bytes: [UInt8]) -> [UInt8]? {
        bytes.withUnsafeBytes { raw in raw.first.map { volume(mode: $0, raw.dropFirst()) } }
    }

    func volume(mode: UInt8, _ rest: Slice<UnsafeRawBufferPointer>) -> [UInt8] {
        if mode & 1 == 1 { return Array(rest) }
        var bytes = base
        var index = rest.startIndex
        while index + 4 <= rest.endIndex {
            let offset = (Int(rest[index]) | Int(rest[index + 1]) << 8 | Int(rest[index + 2]) << 16) % bytes.count
            let length = Int(rest[index + 3] % 32) + 1
            index += 4
            let available = min(length, rest.endIndex - index, bytes.count - offset)
            guard available > 0 else { break }
            bytes.replaceSubrange(offset..<(offset + available), with: rest[index..<(index + available)])
            index += available
        }
        return bytes
    }
}

/// dumpfs's views under the fuzzer. Byte 0, bit 3 clear: the rest of the input is a
/// `check` input (byte 0 included, bit 3 ignored), the Ardaku image it describes is
/// rendered in every structure view (summary, system, bitmap, trie, owners, each file of
/// the fuzzing volume by name, and the record in the subpage the last byte names), text
/// and JSON. Bit 3 set: the input is a `zest` input and its volume goes through `ZestDump`.
/// The properties: nothing traps, nothing throws but a `DumpError` (a view naming what
/// the image does not hold), every JSON document parses, and no output passes
/// `outputLimit` bytes.
public enum DumpFuzzing {
    /// Far above what the 16-page fuzzing volume or a 64 KiB ZEST volume can honestly need.
    public static let outputLimit = 8 << 20

    static let zestBit: UInt8 = 8

    public static func run(_ data: UnsafeRawBufferPointer) -> FuzzHarness.Violation? {
        guard let mode = data.first, let bytes = image(Array(data)) else { return nil }
        let image = ImageBytes(copying: bytes)
        if mode & zestBit != 0 {
            let dump = ZestDump(standalone: image, name: "fuzz.zest")
            return judge("zest") { try dump.render(file: nil, json: $1, to: $0) }
                ?? judge("zest /a") { try dump.render(file: "/a", json: $1, to: $0) }
        }
        let dump = StructureDump(image: image, name: "fuzz.img")
        let views: [DumpView] = [.summary, .system, .bitmap, .trie, .owners, .file("/a"), .file("/d/b"), .file("/d/s"),
                                 .file("/e"), .record(UInt32(data.last ?? 0) % 64)]
        for view in views {
            if let violation = judge("\(view)", { try dump.render(view, json: $1, to: $0) }) { return violation }
        }
        return nil
    }

    /// Renders text then JSON.
    static func judge(_ view: String, _ render: (OutputBuffer, Bool) throws -> Void) -> FuzzHarness.Violation? {
        for json in [false, true] {
            // The sink stops a runaway view at the limit rather than hold all it writes.
            let collector = Collector()
            let output = OutputBuffer(capacity: 1 << 16) { chunk in
                guard collector.bytes.count + chunk.count <= outputLimit else { throw OutputLimitExceeded() }
                collector.bytes.append(contentsOf: chunk)
            }
            do {
                try render(output, json)
                try output.flush()
            } catch is DumpError {
                continue
            } catch is OutputLimitExceeded {
                return FuzzHarness.Violation(description: "\(view) (json: \(json)) wrote more than \(outputLimit) bytes")
            } catch {
                return FuzzHarness.Violation(description: "\(view) (json: \(json)) threw \(error)")
            }
            if json, let problem = JSONSyntax.problem(in: collector.bytes) {
                return FuzzHarness.Violation(description: "\(view) JSON does not parse: \(problem)")
            }
        }
        return nil
    }

    final class Collector { var bytes: [UInt8] = [] }
    struct OutputLimitExceeded: Error {}

    public static func image(_ bytes: [UInt8]) -> [UInt8]? {
        guard let mode = bytes.first else { return nil }
        var input = bytes
        input[0] = mode & ~zestBit
        return mode & zestBit != 0 ? ByteVolumeFuzzing.zest.image(input) : FuzzHarness.image(input)
    }
}
