import Foundation
import Testing

/// Runs programs for the tests: the real `hexdump`, and the `dumpfs` built beside the tests.
enum Run {
    struct Result {
        var status: Int32
        var stdout: Data
        var stderr: String
        var text: String { String(decoding: stdout, as: UTF8.self) }
    }

    /// Runs `executable` with `arguments` and waits; output is captured whole.
    static func program(_ executable: String, _ arguments: [String]) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["LC_ALL"] = "C"
        environment["SWIFT_BACKTRACE"] = "enable=no"
        process.environment = environment
        // Standard error goes to a file, so neither stream can fill up and block the child.
        let errorPath = FileManager.default.temporaryDirectory.appendingPathComponent("dumpfs-test-stderr-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: errorPath.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errorPath) }
        let out = Pipe()
        process.standardOutput = out
        process.standardError = try FileHandle(forWritingTo: errorPath)
        try process.run()
        let outputData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let errorData = (try? Data(contentsOf: errorPath)) ?? Data()
        return Result(status: process.terminationStatus, stdout: outputData, stderr: String(decoding: errorData, as: UTF8.self))
    }

    /// The `dumpfs` binary of this build (in the directory of the test bundle).
    static var dumpfsPath: String {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var directory = URL(fileURLWithPath: executable).deletingLastPathComponent()
        // The test runner may live inside the .xctest bundle directory.
        while directory.path != "/" {
            let candidate = directory.appendingPathComponent("dumpfs").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory.deleteLastPathComponent()
        }
        return "dumpfs"
    }

    static func dumpfs(_ arguments: [String]) throws -> Result { try program(dumpfsPath, arguments) }

    static func hexdump(_ arguments: [String]) throws -> Result { try program("/usr/bin/hexdump", arguments) }
}
