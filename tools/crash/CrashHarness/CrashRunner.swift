import ArdakuFormat
import ArdakuVolume
import TestSupport

/// Runs a scenario with a crash at every page write and flush in turn (the deterministic
/// model of a power loss, docs/RELIABILITY.md) and judges every device image each crash
/// can leave with `Verdict`.
public enum CrashRunner {
    public struct Options: Sendable {
        /// Random images (each unflushed write lost, applied or torn at 4 KiB) per crash
        /// point, besides the two extremes (all unflushed writes lost, all applied).
        public var randomImages = 2
        /// Crash at every `pointStride`-th write or flush (1: all of them).
        public var pointStride = 1
        /// The first crash point (the sample of a stride starts here).
        public var firstPoint = 1
        public var seed: UInt64 = 1
        public init(randomImages: Int = 2, pointStride: Int = 1, firstPoint: Int = 1, seed: UInt64 = 1) {
            self.randomImages = randomImages
            self.pointStride = pointStride
            self.firstPoint = firstPoint
            self.seed = seed
        }
    }

    public struct Failure: Sendable, CustomStringConvertible {
        public var scenario: String, step: String, crashPoint: Int, image: String, problem: String
        public var description: String { "\(scenario) / \(step): crash before write-or-flush \(crashPoint), \(image): \(problem)" }
    }

    public struct Report: Sendable {
        public var scenario: String
        /// Writes and flushes of the whole scenario (closing the volume included).
        public var operations = 0
        public var crashPoints = 0
        public var imagesJudged = 0
        public var failures: [Failure] = []
        /// How often the repair exited with each status.
        public var exitStatuses: [Int32: Int] = [:]
        /// How often each finding code was reported by the repair.
        public var findingCodes: [String: Int] = [:]
    }

    /// Crash points are numbered from 1: point `p` makes the `p`-th write or flush fail
    /// (it and everything after it never happen); every earlier write that no flush
    /// followed is then lost, applied or torn.
    public static func run(_ scenario: CrashScenario, options: Options = Options()) -> Report {
        var report = Report(scenario: scenario.label)
        let states = scenario.states
        // A run without a crash: how many writes and flushes each step makes.
        let dry = CrashSimulator(image: scenario.baseImage)
        var boundaries: [Int] = []
        do {
            let volume = try Self.open(dry)
            for step in scenario.steps {
                try step.run(volume)
                boundaries.append(dry.operationCount)
            }
            try volume.close()
        } catch {
            report.failures.append(Failure(scenario: scenario.label, step: scenario.steps[boundaries.count].label,
                                           crashPoint: 0, image: "no crash", problem: "the operation failed: \(error)"))
            return report
        }
        let total = dry.operationCount
        report.operations = total
        judge(MemoryPageStore(image: dry.visibleImage()), acceptable: [states[states.count - 1]],
              scenario: scenario, step: scenario.steps.count - 1, point: total + 1, name: "no crash", into: &report)

        var generator = SeededGenerator(seed: options.seed)
        // A first point past the end wraps around, so every scenario gets one.
        let first = (max(1, options.firstPoint) - 1) % max(1, total) + 1
        for point in stride(from: first, through: total, by: max(1, options.pointStride)) {
            let simulator = CrashSimulator(image: scenario.baseImage)
            simulator.crashAt = point
            if let volume = try? Self.open(simulator) {
                do {
                    for step in scenario.steps { try step.run(volume) }
                    try volume.close()
                } catch {}
            }
            report.crashPoints += 1
            // The step in flight: the first whose writes reach past the crash point.
            let index = boundaries.firstIndex { $0 >= point } ?? scenario.steps.count - 1
            let acceptable = [states[index], states[index + 1]] + scenario.steps[index].intermediate(states[index])
            var images: [(String, MemoryPageStore)] = []
            if simulator.pending.isEmpty {
                images.append(("nothing unflushed", MemoryPageStore(image: simulator.visibleImage())))
            } else {
                let (allLost, allApplied) = simulator.extremeImages()
                images.append(("all unflushed writes lost", MemoryPageStore(image: allLost)))
                images.append(("all unflushed writes applied", MemoryPageStore(image: allApplied)))
                for n in 0..<options.randomImages {
                    images.append(("random image \(n) (seed \(options.seed))", MemoryPageStore(image: simulator.crashImage(using: &generator))))
                }
            }
            for (name, image) in images {
                judge(image, acceptable: acceptable, scenario: scenario, step: index, point: point, name: name, into: &report)
            }
        }
        return report
    }

    static func open(_ store: PageStore) throws -> Volume {
        let volume = try Volume(store: store)
        volume.clock = { 1_700_000_200 }
        return volume
    }

    static func judge(_ image: MemoryPageStore, acceptable: [VolumeState], scenario: CrashScenario, step: Int,
                      point: Int, name: String, into report: inout Report) {
        let verdict = Verdict.judge(image, acceptable: acceptable)
        report.imagesJudged += 1
        report.exitStatuses[verdict.exitStatus, default: 0] += 1
        for code in verdict.codes { report.findingCodes[code, default: 0] += 1 }
        if let problem = verdict.problem {
            report.failures.append(Failure(scenario: scenario.label, step: scenario.steps[step].label,
                                           crashPoint: point, image: name, problem: problem))
        }
    }
}
