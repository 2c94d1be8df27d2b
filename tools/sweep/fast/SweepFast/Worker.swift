import Foundation
import Glibc

/// Runs the flips `range` of a plan in this process, appending one line per flip to
/// `results`, and writing the flip and stage it is at to `progress` before each step, so
/// that the supervisor can name the flip when this process dies or hangs.
enum Worker {
    static func run(plan: SweepPlan, range: Range<Int>, results: String, progress: String) throws {
        let progressFile = open(progress, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
        guard progressFile >= 0 else { throw SweepError("\(progress): \(String(cString: strerror(errno)))") }
        func mark(_ index: Int, _ stage: Int) {
            var record = [Int64(index), Int64(stage)]
            _ = record.withUnsafeMutableBytes { pwrite(progressFile, $0.baseAddress, $0.count, 0) }
        }
        mark(-1, 0)
        let output = open(results, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard output >= 0 else { throw SweepError("\(results): \(String(cString: strerror(errno)))") }
        var references: [Int: ReferenceVolume] = [:]
        for flip in try plan.flips(range) {
            mark(flip.index, TrialStage.flip.rawValue)
            if references[flip.volume] == nil {
                references = [flip.volume: try ReferenceVolume(plan.volumes[flip.volume])]
            }
            let result = Trial.run(flip, on: references[flip.volume]!) { mark(flip.index, $0.rawValue) }
            let line = Array(result.line(index: flip.index).utf8)
            guard line.withUnsafeBytes({ write(output, $0.baseAddress, $0.count) }) == line.count else {
                throw SweepError("\(results): \(String(cString: strerror(errno)))")
            }
        }
        close(output)
        close(progressFile)
    }

    /// The flip and stage a worker last marked (-1: none yet).
    static func progress(_ path: String) -> (index: Int, stage: Int) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return (-1, 0) }
        defer { close(descriptor) }
        var record = [Int64](repeating: -1, count: 2)
        _ = record.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, 0) }
        return (Int(record[0]), Int(record[1]))
    }
}
