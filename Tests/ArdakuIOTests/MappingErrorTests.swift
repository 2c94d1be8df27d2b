import ArdakuFormat
import ArdakuIO
import Foundation
import Glibc
import Testing

/// An I/O error under a mapping is a SIGBUS; the tools turn it into a one-line error and an
/// exit status. The signal ends the process, so the reading happens in a child: this test
/// binary run again with a filter that selects only the child half below.
@Suite struct MappingErrorTests {
    static let childVariable = "ARDAKU_MAPPING_ERROR_CHILD"

    /// The child half of `aShrunkImageIsAnErrorNotACrash`; it runs only when that test starts
    /// it (the environment names the image), and never returns normally when it works.
    @Test(.enabled(if: ProcessInfo.processInfo.environment[childVariable] != nil))
    func childReadsPastTheEndOfAShrunkImage() throws {
        let path = try #require(ProcessInfo.processInfo.environment[Self.childVariable])
        SystemCalls.reportMappingErrors(tool: "mapping-test", exitStatus: 8)
        let image = try MappedImage(path: path, mode: .readOnly)
        #expect(image.pageCount == 4)
        // The file shrinks to one page under the mapping; page 3 is past its end.
        #expect(truncate(path, 65_536) == 0)
        let page = try image.read(PageIndex(3))
        let byte = page[100]
        Issue.record("reading past the end of the shrunk image returned \(byte) instead of stopping")
    }

    @Test func aShrunkImageIsAnErrorNotACrash() throws {
        let directory = NSTemporaryDirectory() + "ardaku-mapping-\(getpid())-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let image = directory + "/image"
        try Data(repeating: 0xA5, count: 4 * 65_536).write(to: URL(fileURLWithPath: image))

        var executable = [CChar](repeating: 0, count: Int(PATH_MAX))
        let length = readlink("/proc/self/exe", &executable, executable.count - 1)
        try #require(length > 0)
        let child = Process()
        child.executableURL = URL(fileURLWithPath: String(decoding: executable[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self))
        child.arguments = ["--testing-library", "swift-testing", "--filter", "childReadsPastTheEndOfAShrunkImage"]
        var environment = ProcessInfo.processInfo.environment
        environment[Self.childVariable] = image
        child.environment = environment
        let errors = Pipe()
        child.standardError = errors
        child.standardOutput = FileHandle.nullDevice
        try child.run()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        child.waitUntilExit()

        #expect(child.terminationReason == .exit, "the child died of a signal: \(message)")
        #expect(child.terminationStatus == 8, "\(message)")
        #expect(message.contains("mapping-test: \(image): I/O error reading byte 196708 (page 3): "), "\(message)")
    }
}
