// The full deterministic crash run: every scenario of CrashScenarios crashed at every page
// write and flush, each crash judged on its extreme images and random ones. Prints one line
// per scenario, the totals and every failure; exits 1 when anything was lost.
//   CrashRun [--random-images N] [--stride N] [--seed N] [--only SUBSTRING]
import CrashHarness
import Glibc

var options = CrashRunner.Options(randomImages: 3, pointStride: 1, seed: 1)
var only: String?
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let argument = arguments.next() {
    guard let value = arguments.next() else { print("CrashRun: \(argument) needs a value"); exit(16) }
    switch argument {
    case "--random-images": options.randomImages = Int(value) ?? options.randomImages
    case "--stride": options.pointStride = Int(value) ?? options.pointStride
    case "--seed": options.seed = UInt64(value) ?? options.seed
    case "--only": only = value
    default: print("CrashRun: unknown option \(argument)"); exit(16)
    }
}

func now() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

/// Seconds with one decimal.
func seconds(_ value: Double) -> String {
    let tenths = Int((value * 10).rounded())
    return "\(tenths / 10).\(tenths % 10)"
}

let start = now()
let scenarios = try CrashScenarios.all().filter { only == nil || $0.label.contains(only!) }
var points = 0, judged = 0, failures: [CrashRunner.Failure] = []
var exits: [Int32: Int] = [:], codes: [String: Int] = [:]
for scenario in scenarios {
    let began = now()
    let report = CrashRunner.run(scenario, options: options)
    points += report.crashPoints
    judged += report.imagesJudged
    failures += report.failures
    exits.merge(report.exitStatuses, uniquingKeysWith: +)
    codes.merge(report.findingCodes, uniquingKeysWith: +)
    let line = "\(scenario.label): \(report.operations) writes and flushes, \(report.crashPoints) crash points, \(report.imagesJudged) images, \(report.failures.count) failures, \(seconds(now() - began)) s"
    print(line)
    fflush(nil)
}
print("exit status of fsck -fy: " + exits.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", "))
print("findings repaired (images): " + codes.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
for failure in failures.prefix(40) { print("FAIL \(failure)") }
print("total: \(scenarios.count) scenarios, \(points) crash points, \(judged) images judged, \(failures.count) losses, \(seconds(now() - start)) s")
exit(failures.isEmpty ? 0 : 1)
