import ArdakuCheck
import ArdakuCheckers
import ArdakuFormat
import ArdakuIO
import Glibc

/// Everything the tool does around the engine: opening, refusing mounted devices, signals,
/// interactive confirmation, rendering.
struct FsckTool {
    static let version = ToolVersion.line("fsck.zest")
    let command: FsckRequest

    init(_ command: FsckRequest) { self.command = command }

    func run() -> ExitStatus {
        if command.version {
            Console.out(Self.version)
            return .clean
        }
        guard let device = command.device else { return .usageError }
        let interactive = command.mode == nil
        let mode = command.mode ?? .all
        if !command.json && mode != .preen { Console.err(Self.version) }
        if interactive && isatty(0) == 0 {
            Console.err("fsck.zest: need terminal for interactive repairs")
            return .operationalError
        }
        if let mountPoint = MountCheck.mountPoint(of: device) {
            if mode == .none {
                Console.err("Warning: \(device) is mounted on \(mountPoint); the check may report problems that are not there.")
            } else {
                Console.err("\(device) is mounted on \(mountPoint).")
                Console.err("fsck.zest: Cannot continue, aborting.")
                return .operationalError
            }
        }
        // Locked for reading with -n, for writing otherwise (the interactive mode may repair).
        VolumeLock.waiting = command.waiting ?? .no
        let image: MappedImage
        do {
            image = try MappedImage(path: device, mode: mode == .none ? .readOnly : .readWrite, readAhead: .hinted)
        } catch .busy(let message) {
            Console.err("fsck.zest: \(device): \(message)")
            return .operationalError
        } catch {
            Console.err("fsck.zest: \(error) while trying to open \(device)")
            return .operationalError
        }
        // A writer holds the device with O_EXCL now (its lock); a reader only warns when the
        // kernel or another exclusive opener holds it.
        if mode == .none && MountCheck.isBusy(device) {
            Console.err("Warning: \(device) is mounted on (in use); the check may report problems that are not there.")
        }
        signal(SIGINT) { _ in cancelRequested = 1 }
        signal(SIGTERM) { _ in cancelRequested = 1 }

        var options = FsckCheck.options(repair: interactive ? .none : mode, force: command.force,
                                        verifyData: !command.metadataOnly && (mode != .preen || command.verifyData))
        options.systemBlockPage = command.systemBlockPage
        options.isCancelled = { cancelRequested != 0 }

        var renderer = TextRenderer(device: device, mode: interactive ? .none : mode)
        renderer.verbose = command.verbose
        renderer.asksLater = interactive
        // Not an Ardaku volume: a ZEST or CAS volume on its own, when a nested checker knows it.
        var report = FsckCheck.run(image, options: options, observer: observer(renderer, printText: !command.json)) {
            standalone(device, options: options, renderer: renderer)
        }
        if report.fatalFinding?.code.rawValue == "A1901", let other = (try? DeviceProbe.blkidSignatures(of: device))?.first {
            // As e2fsck says "contains a xfs file system": the likeliest cause, named.
            Console.err("\(device) holds \(other), not an Ardaku volume")
        }

        if interactive, report.fatal == nil, !report.cancelled,
           report.findings.contains(where: { $0.severity >= .warning && $0.finding.kind.repair != .reportOnly }) {
            let count = report.findings.filter { $0.severity >= .warning }.count
            Console.write(1, "\nRepair the \(count) problem\(count == 1 ? "" : "s") found? <y>/n ")
            if Self.readAnswer() {
                options.repair = .all
                options.force = true
                renderer.mode = .all
                renderer.asksLater = false
                let repairObserver = observer(renderer, printText: false)
                report = withExtendedLifetime(repairObserver) { Checker(store: image, options: options, observer: repairObserver).run() }
            }
        }

        if command.json {
            Console.write(1, JSONReport.render(report, device: device))
        } else {
            let lines = renderer.closingLines(report)
            for line in lines { report.fatal == nil ? Console.out(line) : Console.err(line) }
            if command.verbose && report.fatal == nil { for line in renderer.statisticsLines(report) { Console.out(line) } }
        }
        return report.exitStatus
    }

    /// A standalone ZEST or CAS file opened for `FsckCheck.run`, with its observer.
    private func standalone(_ device: String, options: CheckOptions,
                            renderer: TextRenderer) -> (content: ByteStore, name: String, observer: CheckObserver?)? {
        guard let content = try? HostFileByteStore(path: device, readOnly: options.repair == .none) else { return nil }
        let observer = ConsoleObserver(renderer: renderer, printText: !command.json, timing: command.timing,
                                       progressFD: nil, progressBar: false)
        return (content, device, observer)
    }

    private func observer(_ renderer: TextRenderer, printText: Bool) -> ConsoleObserver {
        let progressFD = command.progressDescriptor.flatMap { $0 == 0 ? nil : $0 }
        let bar = command.progressDescriptor == 0 && isatty(1) != 0 && !command.json
        return ConsoleObserver(renderer: renderer, printText: printText, timing: command.timing,
                               progressFD: progressFD, progressBar: bar)
    }

    /// Reads y/n from the terminal; an empty answer is yes.
    private static func readAnswer() -> Bool {
        guard let line = readLine(strippingNewline: true) else { return false }
        let answer = line.trimmingPrefix(while: { $0 == " " }).lowercased()
        return answer.isEmpty || answer.hasPrefix("y")
    }
}
