import Foundation
import Testing

/// Runs the byte-flip sweep (tools/sweep/sweep.py, issue 13 §2) on a small sample of every
/// reference volume, with the executables of this build: for each flipped byte `fsck.zest -fn`,
/// `-fy`, `-fn`, then every file read back. No flip may crash or hang a tool, and none may end
/// with a file that reads back with other content, or disappears, without fsck naming it.
/// `tools/sweep/sweep.py` without `--sample` sweeps every metadata byte (by hand: hours).
@Suite(.serialized) struct ByteFlipSweepTests {
    static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// Flips per kind of volume (Ardaku image, ZEST file, CAS file), spread over the regions;
    /// `ARDAKU_SWEEP_SAMPLE=N` for a larger sample.
    static let sample = ProcessInfo.processInfo.environment["ARDAKU_SWEEP_SAMPLE"].flatMap(Int.init) ?? 100

    @Test(arguments: ["ardaku", "zest", "cas"])
    func noSilentCorruptionAndNoCrash(_ kind: String) throws {
        try Tools.withTemporaryDirectory { directory in
            let result = try Tools.run("/usr/bin/env", [
                "python3", "\(Self.root)/tools/sweep/sweep.py", "--kind", kind, "--sample", String(Self.sample),
                "--seed", "13", "--jobs", "2", "--bin", Tools.productsDirectory.path, "--out", directory, "--quiet",
            ])
            let report = "\(result.stdout)\n\(result.stderr)"
            let data = try #require(FileManager.default.contents(atPath: "\(directory)/flips.json"), "no flips.json:\n\(report)")
            let document = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            let summary = try #require(document["summary"] as? [[String: Any]])
            let total = { (column: String) in summary.reduce(0) { $0 + ($1[column] as? Int ?? 0) } }
            #expect(total("flips") >= Self.sample * 9 / 10, "\(report)")
            let flips = document["flips"] as? [[String: Any]] ?? []
            let silent = flips.filter { $0["class"] as? String == "silent" }
            let crashes = flips.filter { $0["class"] as? String == "crash" }
            func describe(_ list: [[String: Any]]) -> String {
                list.prefix(10).map { flip in
                    "\(flip["region"] ?? "?") byte \(flip["offset_hex"] ?? "?") -> \(flip["value"] ?? "?"): exits \(flip["exits"] ?? "?"), "
                        + "silent \(flip["silent_files"] ?? []), crash \(flip["crash"] ?? []); replay: \(flip["replay"] ?? "")"
                }.joined(separator: "\n")
            }
            #expect(total("silent") == 0, "silent corruptions:\n\(describe(silent))\n\(report)")
            #expect(total("crashes") == 0, "crashes, hangs or bad exits:\n\(describe(crashes))\n\(report)")
            #expect(result.status == 0, "\(report)")
        }
    }
}
