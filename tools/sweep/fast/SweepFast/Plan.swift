import Foundation
import Glibc

/// A failure of the sweep itself (not of a flip): one line, and the run stops.
struct SweepError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The flips `sweep.py --emit-plan DIR` chose: DIR/plan.json names the reference volumes, the
/// trees they were made from and their regions; DIR/flips.bin holds one record per flip.
struct SweepPlan: Decodable {
    enum Kind: String, Decodable { case ardaku, zest, cas }

    struct Volume: Decodable {
        let kind: Kind
        let path: String
        let bytes: Int
        let sha256: String
        /// `{"": tree}` (Ardaku, ZEST) or `{tag: tree}` (CAS).
        let trees: [String: String]
        let regions: [String]
        let flips: Int
    }

    /// One flip: byte `offset` of volume `volume` set to `value`.
    struct Flip {
        let index: Int
        let offset: Int
        let volume: Int
        /// sweep.py's second way (a seeded random value); otherwise xor 0xFF.
        let isRandom: Bool
        let original: UInt8
        let value: UInt8
        let region: Int
    }

    let seed: Int
    let volumes: [Volume]
    var directory = ""

    private enum CodingKeys: String, CodingKey { case seed, volumes }

    /// sweep.py's FLIP_RECORD: "<IBBBBHH" (offset, volume, mode, original, value, region, 0).
    static let recordSize = 12

    static func load(_ directory: String) throws -> SweepPlan {
        guard let data = FileManager.default.contents(atPath: directory + "/plan.json") else {
            throw SweepError("\(directory)/plan.json: cannot read (make it with tools/sweep/sweep.py --emit-plan \(directory))")
        }
        var plan = try JSONDecoder().decode(SweepPlan.self, from: data)
        plan.directory = directory
        return plan
    }

    var flipCount: Int { volumes.reduce(0) { $0 + $1.flips } }

    /// The flips numbered `range` (in the order sweep.py would run them).
    func flips(_ range: Range<Int>) throws -> [Flip] {
        let path = directory + "/flips.bin"
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw SweepError("\(path): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        var bytes = [UInt8](repeating: 0, count: range.count * Self.recordSize)
        let count = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, off_t(range.lowerBound * Self.recordSize)) }
        guard count == bytes.count else { throw SweepError("\(path): short read (the plan has \(flipCount) flips)") }
        return range.map { index in
            let at = (index - range.lowerBound) * Self.recordSize
            func integer(_ offset: Int, _ width: Int) -> Int {
                (0..<width).reduce(0) { $0 | Int(bytes[at + offset + $1]) << (8 * $1) }
            }
            return Flip(index: index, offset: integer(0, 4), volume: integer(4, 1), isRandom: bytes[at + 5] == 1,
                        original: bytes[at + 6], value: bytes[at + 7], region: integer(8, 2))
        }
    }
}
