import Foundation
import Testing
@testable import ArdakuCLI

/// Long operations draw a bar with bytes, percentage, files and time left on a terminal
/// (stderr), and nothing when stderr is not one.
@Suite struct ProgressBarTests {
    @Test func theLineSaysHowFarAndHowLong() {
        let line = ProgressBar.line(label: "Storing", bytes: 10 << 20, totalBytes: 40 << 20, files: 120, totalFiles: 300, elapsed: 3)
        #expect(line == "Storing    [====            ]   25%  10 MiB of 40 MiB  120/300 files  0:09 left")
        #expect(line.count <= 80)
        // No total: a count. At the start (nothing done yet, or under a second) no time is guessed.
        #expect(ProgressBar.line(label: "Restoring", bytes: 1536, totalBytes: nil, files: 1, totalFiles: nil, elapsed: 5)
                == "Restoring  1.5 KiB  1 file")
        #expect(!ProgressBar.line(label: "Copying", bytes: 0, totalBytes: 100, files: 0, totalFiles: 2, elapsed: 5).contains("left"))
        #expect(ProgressBar.line(label: "Copying", bytes: 100, totalBytes: 100, files: 2, totalFiles: 2, elapsed: 5).contains("100%"))
    }

    /// Runs `command` under a pseudo-terminal (util-linux script), returning what it drew.
    static func onATerminal(_ command: [String]) throws -> String {
        let quoted = command.map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
        let result = try Tools.run("/usr/bin/script", ["-qec", quoted, "/dev/null"], environment: ["COLUMNS": "100"])
        #expect(result.status == 0, "\(command): \(result.stdout)")
        return result.stdout
    }

    @Test func everyLongOperationDrawsItsBarOnATerminalOnly() throws {
        try Tools.withTemporaryDirectory { dir in
            try FileManager.default.createDirectory(atPath: "\(dir)/src", withIntermediateDirectories: true)
            for n in 0..<20 { try Tools.write("\(dir)/src/f\(n)", String(repeating: "line \(n)\n", count: 2000)) }
            let tool = Tools.productsDirectory.appendingPathComponent("ardaku").path
            let image = "\(dir)/disk.img", zest = "\(dir)/f.zest", cas = "\(dir)/s.cas"
            #expect(try Tools.run("ardaku", ["mkfs", "-q", image, "16M"]).status == 0)
            #expect(try Tools.run("ardaku", ["zest", "create", zest]).status == 0)
            let steps: [(String, [String])] = [
                ("Storing", ["put", "-r", image, "\(dir)/src", "/d"]),
                ("Copying", ["get", "-r", image, "/d", "\(dir)/out1"]),
                ("Packing", ["zest", "put", "-r", zest, "\(dir)/src", "/"]),
                ("Copying", ["zest", "get", "-r", zest, "/", "-o", "\(dir)/out2"]),
                ("Storing", ["cas", "put", "-r", cas, "\(dir)/src", "--tag", "v1"]),
                ("Restoring", ["cas", "get", "-r", cas, "v1", "\(dir)/out3"]),
            ]
            for (label, arguments) in steps {
                let drawn = try Self.onATerminal([tool] + arguments)
                #expect(drawn.contains(label) && drawn.contains("file"), "\(arguments): \(drawn.debugDescription)")
            }
            // Not a terminal: nothing but what the command prints.
            let quiet = try Tools.run("ardaku", ["get", "-r", image, "/d", "\(dir)/out4"])
            #expect(quiet.status == 0 && quiet.stderr.isEmpty, "\(quiet.stderr)")
            let mkfs = try Tools.run("ardaku", ["mkfs", "-q", "-d", "\(dir)/src", "\(dir)/two.img", "16M"])
            #expect(mkfs.status == 0 && mkfs.stderr.isEmpty, "\(mkfs.stderr)")
        }
    }
}
