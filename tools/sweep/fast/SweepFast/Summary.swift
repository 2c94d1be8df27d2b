import Foundation

/// The counts of a run (or of what has run so far) per kind and region, as sweep.py's
/// summary.txt, with the first check's exit statuses; and the flips that need a look.
enum Summary {
    static let columns = ["flips", "harmless", "detected", "recovered", "reported", "silent", "crashes", "hangs",
                          "fn2!=0", "fn1=0", "fn1=1", "fn1=4", "fn1=8", "fy wrote"]

    static func write(plan: SweepPlan, out: String, units: [Range<Int>], resultsPath: (Range<Int>) -> String) throws -> (text: String, failures: Int) {
        let flips = try plan.flips(0..<plan.flipCount)
        var rows: [String: [String: Int]] = [:]
        var order: [String] = []
        for (number, volume) in plan.volumes.enumerated() {
            for region in volume.regions { order.append("\(volume.kind.rawValue) / \(region)") }
            _ = number
        }
        var notable: [String] = []
        var failures = 0
        for unit in units {
            for line in ResultsFile.read(resultsPath(unit)) where line.index < flips.count {
                let flip = flips[line.index]
                let volume = plan.volumes[flip.volume]
                let key = "\(volume.kind.rawValue) / \(volume.regions[flip.region])"
                var row = rows[key] ?? [:]
                row["flips", default: 0] += 1
                row[line.flipClass == "crash" ? "crashes" : line.flipClass == "hang" ? "hangs" : line.flipClass, default: 0] += 1
                if line.detected { row["detected", default: 0] += 1 }
                if line.exits.count == 3, line.exits[2] != 0 { row["fn2!=0", default: 0] += 1 }
                if let first = line.exits.first ?? nil { row["fn1=\(first)", default: 0] += 1 }
                if line.modified { row["fy wrote", default: 0] += 1 }
                rows[key] = row
                if ["silent", "crash", "hang"].contains(line.flipClass) {
                    failures += 1
                    notable.append([line.flipClass.uppercased(), volume.kind.rawValue, volume.regions[flip.region],
                                    String(format: "0x%x", flip.offset), flip.isRandom ? "random" : "xor",
                                    String(format: "0x%02x->0x%02x", flip.original, flip.value),
                                    "tools/sweep/sweep.py --kind \(volume.kind.rawValue) --replay " + String(format: "0x%x:0x%02x", flip.offset, flip.value),
                                    line.detail].joined(separator: "\t"))
                }
            }
        }
        let width = max(20, order.map(\.count).max() ?? 0)
        func format(_ label: String, _ row: [String: Int]) -> String {
            label.padding(toLength: width, withPad: " ", startingAt: 0) + " "
                + columns.map { String(row[$0] ?? 0).leftPadded(9) }.joined(separator: " ")
        }
        var lines = ["kind / region".padding(toLength: width, withPad: " ", startingAt: 0) + " " + columns.map { $0.leftPadded(9) }.joined(separator: " ")]
        var totals: [String: [String: Int]] = [:]
        var kinds: [String] = []
        for key in order {
            guard let row = rows[key] else { continue }
            lines.append(format(key, row))
            let kind = String(key.prefix(while: { $0 != " " }))
            if totals[kind] == nil { kinds.append(kind) }
            totals[kind, default: [:]].merge(row, uniquingKeysWith: +)
        }
        for kind in kinds { lines.append(format("\(kind) / ALL", totals[kind]!)) }
        let done = rows.values.reduce(0) { $0 + ($1["flips"] ?? 0) }
        var times = (wall: 0.0, cpu: 0.0)
        // One file per run: wall and worker CPU seconds.
        let runs = (try? FileManager.default.contentsOfDirectory(atPath: out + "/results")) ?? []
        for name in runs where name.hasPrefix("times-") {
            guard let data = FileManager.default.contents(atPath: out + "/results/" + name) else { continue }
            for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
                let fields = line.split(separator: "\t").compactMap { Double($0) }
                if fields.count == 2 { times.wall += fields[0]; times.cpu += fields[1] }
            }
        }
        let header = "sweep-fast: \(done) of \(plan.flipCount) flips done, seed \(plan.seed), "
            + String(format: "%.0f s wall, %.0f s CPU (workers)", times.wall, times.cpu)
        let text = ([header] + lines).joined(separator: "\n") + "\n"
        try text.write(toFile: out + "/summary.txt", atomically: true, encoding: .utf8)
        let notableText = "class\tkind\tregion\toffset\tmode\tbyte\treplay\tdetail\n" + notable.map { $0 + "\n" }.joined()
        try notableText.write(toFile: out + "/notable.tsv", atomically: true, encoding: .utf8)
        return (text, failures)
    }
}

extension String {
    func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
