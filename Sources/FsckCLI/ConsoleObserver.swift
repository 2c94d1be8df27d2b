import ArdakuCheck
import ArdakuIO
import Glibc

/// Prints a check as it runs: pass lines and findings (text mode), progress (`-C`), and
/// timing and memory per pass (`-t`).
final class ConsoleObserver: CheckObserver {
    let renderer: TextRenderer
    let printText: Bool
    let timing: Bool
    /// File descriptor for `pass current max device` lines, or nil.
    let progressFD: Int32?
    /// Draw a bar on the terminal.
    let progressBar: Bool
    private var lastPermille = -1
    private var lastPass: CheckPass?
    private var usageAtStart = rusage()
    private var clockAtStart = ContinuousClock.now
    private var barShown = false

    init(renderer: TextRenderer, printText: Bool, timing: Bool, progressFD: Int32?, progressBar: Bool) {
        self.renderer = renderer
        self.printText = printText
        self.timing = timing
        self.progressFD = progressFD
        self.progressBar = progressBar
    }

    func passStarted(_ pass: CheckPass) {
        if printText && !renderer.isPreen { Console.out(renderer.passLine(pass)) }
        getrusage(RUSAGE_SELF.rawValue, &usageAtStart)
        clockAtStart = .now
        lastPermille = -1
    }

    func passFinished(_ statistics: PassStatistics) {
        progress(statistics.pass, current: 1, total: 1)
        clearBar()
        guard timing, printText || !renderer.isPreen else { return }
        var now = rusage()
        getrusage(RUSAGE_SELF.rawValue, &now)
        let elapsed = ContinuousClock.now - clockAtStart
        let real = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let user = Self.seconds(now.ru_utime) - Self.seconds(usageAtStart.ru_utime)
        let system = Self.seconds(now.ru_stime) - Self.seconds(usageAtStart.ru_stime)
        let memory = Self.residentKiB()
        let line = "Pass \(statistics.pass.number): Memory used: \(memory.anonymous)k anonymous, \(memory.file)k of mapped image "
            + "(peak resident \(now.ru_maxrss)k), time: "
            + "\(Self.fixed(real))/\(Self.fixed(user))/\(Self.fixed(system)) (real/user/sys)"
        Console.err(line)
        if statistics.bytesVerified > 0 {
            let megabytes = Double(statistics.bytesVerified) / 1_000_000
            Console.err("Pass \(statistics.pass.number): verified \(Self.fixed(megabytes)) MB, rate: \(Self.fixed(real > 0 ? megabytes / real : 0)) MB/s")
        }
    }

    func progress(_ pass: CheckPass, current: UInt64, total: UInt64) {
        guard progressFD != nil || progressBar else { return }
        let permille = total == 0 ? 1000 : Int(min(1000, current * 1000 / max(total, 1)))
        guard permille != lastPermille || pass != lastPass else { return }
        lastPermille = permille
        lastPass = pass
        if let fd = progressFD {
            // e2fsck's -C fd format: pass current max device.
            Console.write(fd, "\(pass.number) \(current) \(total) \(renderer.device)\n")
        }
        if progressBar {
            let width = 40
            let filled = permille * width / 1000
            let bar = String(repeating: "=", count: filled) + String(repeating: " ", count: width - filled)
            let percent = "\(permille / 10).\(permille % 10)%"
            Console.write(1, "\r\(renderer.device): |\(bar)| \(percent) ")
            barShown = true
        }
    }

    func found(_ finding: ReportedFinding) {
        guard printText, !renderer.isPreen else { return }
        clearBar()
        Console.out(renderer.findingLine(finding))
    }

    private func clearBar() {
        guard barShown else { return }
        Console.write(1, "\r" + String(repeating: " ", count: renderer.device.count + 52) + "\r")
        barShown = false
    }

    static func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }

    static func fixed(_ value: Double) -> String {
        let hundredths = Int((value * 100).rounded())
        let fraction = hundredths % 100
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }

    /// Resident memory now, from /proc/self/status: anonymous (what the check allocates)
    /// and file-backed (pages of the mapped image, which the kernel can drop at will).
    static func residentKiB() -> (anonymous: Int, file: Int) {
        guard let file = fopen("/proc/self/status", "r") else { return (0, 0) }
        defer { fclose(file) }
        var anonymous = 0, mapped = 0
        var buffer = [CChar](repeating: 0, count: 256)
        while fgets(&buffer, Int32(buffer.count), file) != nil {
            let end = buffer.firstIndex(of: 0) ?? buffer.count
            let line = String(decoding: buffer[..<end].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" })
            guard fields.count >= 2, let value = Int(fields[1]) else { continue }
            if fields[0] == "RssAnon:" { anonymous = value }
            if fields[0] == "RssFile:" { mapped = value }
        }
        return (anonymous, mapped)
    }
}
