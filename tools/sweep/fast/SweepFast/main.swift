// The byte-flip sweep of issue 13 in-process: the flips sweep.py plans (--emit-plan), each
// checked, repaired, checked again and read back through the library calls fsck.zest and
// ardaku make, without starting a process per tool. See tools/sweep/README.md.
//
//   sweep-fast run --plan DIR --out DIR [--jobs N] [--timeout S] [--unit N] [--first FLIP]
//   sweep-fast summary --plan DIR --out DIR
//   sweep-fast worker --plan DIR --out DIR --from A --to B --results FILE --progress FILE   (run starts these)
import Foundation
import Glibc

func usage() -> Never {
    FileHandle.standardError.write(Data("""
    usage: sweep-fast run --plan DIR --out DIR [--jobs N] [--timeout S] [--unit N] [--first FLIP]
           sweep-fast summary --plan DIR --out DIR

    """.utf8))
    exit(16)
}

var arguments = Array(CommandLine.arguments.dropFirst())
guard let command = arguments.first else { usage() }
var options: [String: String] = [:]
var rest = arguments.dropFirst().makeIterator()
while let name = rest.next() {
    guard name.hasPrefix("--"), let value = rest.next() else { usage() }
    options[String(name.dropFirst(2))] = value
}
guard let planDirectory = options["plan"], let out = options["out"] else { usage() }

do {
    let plan = try SweepPlan.load(planDirectory)
    var supervisor = Supervisor(plan: plan, out: out)
    supervisor.jobs = options["jobs"].flatMap(Int.init) ?? supervisor.jobs
    supervisor.timeout = options["timeout"].flatMap(Double.init) ?? supervisor.timeout
    supervisor.unitSize = options["unit"].flatMap(Int.init) ?? supervisor.unitSize
    supervisor.firstFlip = options["first"].flatMap(Int.init) ?? supervisor.firstFlip
    switch command {
    case "worker":
        guard let from = options["from"].flatMap(Int.init), let to = options["to"].flatMap(Int.init),
              let results = options["results"], let progress = options["progress"] else { usage() }
        try Worker.run(plan: plan, range: from..<to, results: results, progress: progress)
    case "run", "summary":
        if command == "run" { try supervisor.run() }
        let (text, failures) = try Summary.write(plan: plan, out: out, units: supervisor.units, resultsPath: supervisor.resultsPath)
        print(text, terminator: "")
        print("silent, crash and hang flips: \(failures) (in \(out)/notable.tsv); results in \(out)/results/")
        exit(failures == 0 ? 0 : 1)
    default:
        usage()
    }
} catch {
    FileHandle.standardError.write(Data("sweep-fast: \(error)\n".utf8))
    exit(2)
}
