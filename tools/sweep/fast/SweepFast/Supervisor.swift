import Foundation
import Glibc

/// Runs a plan in units of flips, at most `jobs` worker processes at a time; a worker that
/// dies (a trap) or stops moving (a hang) costs one flip, recorded as such, and the unit
/// goes on after it. Units already done in `out` are skipped, so a run resumes where the
/// last one stopped.
struct Supervisor {
    let plan: SweepPlan
    let out: String
    var jobs = 2
    var timeout = 20.0
    var unitSize = 5000
    /// Runs the units from the one holding this flip first, then the ones before it (to have
    /// whole kinds or regions first when the time is short).
    var firstFlip = 0

    private struct Running {
        let pid: pid_t
        let unit: Range<Int>
        let range: Range<Int>
        let progress: String
        var lastProgress: (index: Int, stage: Int) = (-1, 0)
        var lastMove: Double
    }

    func resultsPath(_ unit: Range<Int>) -> String { out + "/results/" + String(format: "unit-%07d.tsv", unit.lowerBound) }

    var units: [Range<Int>] {
        stride(from: 0, to: plan.flipCount, by: unitSize).map { $0..<min($0 + unitSize, plan.flipCount) }
    }

    /// The flips of `unit` not yet in its results file.
    func remaining(_ unit: Range<Int>) -> Range<Int> {
        let done = ResultsFile.read(resultsPath(unit)).map(\.index)
        return (done.max().map { $0 + 1 } ?? unit.lowerBound)..<unit.upperBound
    }

    func run() throws {
        try FileManager.default.createDirectory(atPath: out + "/results", withIntermediateDirectories: true)
        let (before, after) = (units.filter { $0.upperBound <= firstFlip }, units.filter { $0.upperBound > firstFlip })
        var pending = (after + before).map { ($0, remaining($0)) }.filter { !$0.1.isEmpty }
        let total = plan.flipCount
        var left = pending.reduce(0) { $0 + $1.1.count }
        let started = Clock.now
        let timesPath = out + "/results/times-\(Int(Date().timeIntervalSince1970)).tsv"
        let alreadyDone = total - left
        print("sweep-fast: \(total) flips in the plan, \(alreadyDone) already done, \(left) to run, \(jobs) at a time")
        fflush(nil)
        var slots = [Running?](repeating: nil, count: jobs)
        var cpu = 0.0
        var lastReport = started
        while !pending.isEmpty || slots.contains(where: { $0 != nil }) {
            for slot in slots.indices where slots[slot] == nil && !pending.isEmpty {
                let (unit, range) = pending.removeFirst()
                slots[slot] = try start(unit: unit, range: range, slot: slot)
            }
            var usage = rusage()
            var status: Int32 = 0
            let pid = wait4(-1, &status, WNOHANG, &usage)
            if pid > 0, let slot = slots.firstIndex(where: { $0?.pid == pid }), let worker = slots[slot] {
                cpu += Clock.seconds(usage.ru_utime) + Clock.seconds(usage.ru_stime)
                slots[slot] = nil
                let signaled = status & 0x7F != 0, code = (status >> 8) & 0xFF
                if signaled || code != 0 {
                    let (index, stage) = Worker.progress(worker.progress)
                    guard worker.range.contains(index) else {
                        throw SweepError("a worker for flips \(worker.range) failed before its first flip (status \(status))")
                    }
                    let hung = signaled && status & 0x7F == SIGKILL && worker.lastMove < 0
                    let reason = hung ? "no progress for \(Int(timeout)) s in \(TrialStage(rawValue: stage)?.label ?? "?")"
                        : signaled ? "killed by signal \(status & 0x7F) in \(TrialStage(rawValue: stage)?.label ?? "?")"
                        : "exit \(code) in \(TrialStage(rawValue: stage)?.label ?? "?")"
                    let result = TrialResult(flipClass: hung ? .hang : .crash, detected: false,
                                             exits: [nil, nil, nil], modified: false, detail: ["crash": [reason]])
                    try ResultsFile.append(result.line(index: index), to: resultsPath(worker.unit))
                    print("  \(hung ? "HANG" : "CRASH") flip \(index): \(reason)")
                    if index + 1 < worker.range.upperBound { pending.insert((worker.unit, (index + 1)..<worker.range.upperBound), at: 0) }
                }
                left = pending.reduce(0) { $0 + $1.1.count } + slots.compactMap { $0 }.reduce(0) { $0 + $1.range.count }
                // This run's times so far, so that a run stopped by a kill still counts them.
                try String(format: "%.1f\t%.1f\n", Clock.now - started, cpu).write(toFile: timesPath, atomically: true, encoding: .utf8)
                continue
            }
            // A worker whose flip and stage have not moved for the timeout is hung: killed.
            let now = Clock.now
            for slot in slots.indices {
                guard var worker = slots[slot], worker.lastMove >= 0 else { continue }
                let progress = Worker.progress(worker.progress)
                if progress != worker.lastProgress {
                    worker.lastProgress = progress
                    worker.lastMove = now
                } else if progress.index >= 0 && now - worker.lastMove > timeout {
                    kill(worker.pid, SIGKILL)
                    worker.lastMove = -1
                }
                slots[slot] = worker
            }
            if now - lastReport >= 60 {
                lastReport = now
                let done = total - alreadyDone - left
                print("  \(String(format: "%.0f", now - started)) s: about \(done) flips of \(total - alreadyDone) done")
                fflush(nil)
            }
            usleep(100_000)
        }
        try String(format: "%.1f\t%.1f\n", Clock.now - started, cpu).write(toFile: timesPath, atomically: true, encoding: .utf8)
    }

    private func start(unit: Range<Int>, range: Range<Int>, slot: Int) throws -> Running {
        let progress = out + "/progress-\(slot)"
        unlink(progress)
        let arguments = ["sweep-fast", "worker", "--plan", plan.directory, "--out", out, "--from", String(range.lowerBound),
                         "--to", String(range.upperBound), "--results", resultsPath(unit), "--progress", progress]
        var environment = ProcessInfo.processInfo.environment
        environment["SWIFT_BACKTRACE"] = "enable=no"
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, "/proc/self/exe", nil, nil, argv, envp)
        guard rc == 0 else { throw SweepError("cannot start a worker: \(String(cString: strerror(rc)))") }
        return Running(pid: pid, unit: unit, range: range, progress: progress, lastMove: Clock.now)
    }
}

enum Clock {
    static var now: Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    static func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
}

/// The lines of a results file (see `TrialResult.line`).
enum ResultsFile {
    struct Line {
        let index: Int
        let flipClass: String
        let detected: Bool
        let exits: [Int32?]
        let modified: Bool
        let detail: String
    }

    static func read(_ path: String) -> [Line] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap { text in
            let fields = text.split(separator: "\t", maxSplits: 5, omittingEmptySubsequences: false)
            guard fields.count == 6, let index = Int(fields[0]) else { return nil }
            return Line(index: index, flipClass: String(fields[1]), detected: fields[2] == "1",
                        exits: fields[3].split(separator: ",").map { Int32($0) }, modified: fields[4] == "1",
                        detail: String(fields[5]))
        }
    }

    static func append(_ text: String, to path: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw SweepError("\(path): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        let bytes = Array(text.utf8)
        guard bytes.withUnsafeBytes({ write(descriptor, $0.baseAddress, $0.count) }) == bytes.count else {
            throw SweepError("\(path): \(String(cString: strerror(errno)))")
        }
    }
}
