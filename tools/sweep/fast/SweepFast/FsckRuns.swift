import ArdakuCheck
import ArdakuCheckers
import ArdakuFormat

/// Keeps every finding as the check reports it: what fsck.zest prints as it goes.
final class FindingCollector: CheckObserver {
    private(set) var findings: [ReportedFinding] = []
    func found(_ finding: ReportedFinding) { findings.append(finding) }
}

/// One `fsck.zest -fn` or `-fy` run, and what it printed.
struct FsckOutcome {
    let mode: RepairMode
    let device: String
    let findings: [ReportedFinding]
    let report: CheckReport

    var exitStatus: Int32 { report.exitStatus.rawValue }

    /// The lines fsck.zest prints that can name a file: one per finding, then the closing lines.
    var text: String {
        let renderer = TextRenderer(device: device, mode: mode)
        return (findings.map(renderer.findingLine) + renderer.closingLines(report)).joined(separator: "\n")
    }

    var codes: [String] {
        Set(findings.map(\.code.rawValue) + [report.fatalFinding?.code.rawValue].compactMap { $0 }).sorted()
    }
}

/// A reference volume with one byte flipped, as fsck.zest and ardaku would find it in a file.
final class FlippedVolume {
    let kind: SweepPlan.Kind
    /// The name fsck.zest is given (its findings and closing lines start with it).
    let device: String
    let reference: [UInt8]
    /// Ardaku: the image. ZEST and CAS: nil (each check maps the file's bytes afresh).
    private let image: FlipPageStore?
    /// ZEST and CAS: the file, which a standalone repair writes.
    private(set) var content: MemoryByteStore

    init(kind: SweepPlan.Kind, reference: [UInt8], device: String) {
        self.kind = kind
        self.reference = reference
        self.device = device
        image = kind == .ardaku ? FlipPageStore(image: reference) : nil
        content = MemoryByteStore()
    }

    func flip(_ offset: Int, to value: UInt8) {
        if let image {
            image.flip(offset, to: value)
        } else {
            var bytes = reference
            bytes[offset] = value
            content = MemoryByteStore(bytes)
        }
    }

    /// The pages the Ardaku tools read (read-only, as `ardaku get` opens them).
    var pages: PageStore {
        if let image {
            image.isReadOnly = true
            return image
        }
        let pages = MemoryPageStore(image: content.bytes)
        pages.isReadOnly = true
        return pages
    }

    /// The bytes of the file (ZEST and CAS, after any repair).
    var bytes: [UInt8] { image?.bytes ?? content.bytes }

    /// `fsck.zest -f -n` (mode .none) or `-f -y` (.all) on the volume, as FsckTool runs it:
    /// the Ardaku check of its pages, and a standalone ZEST or CAS check when they are not
    /// an Ardaku volume.
    func fsck(_ mode: RepairMode) -> FsckOutcome {
        var options = FsckCheck.options(repair: mode, force: true, verifyData: true)
        // One thread per flip: the sweep runs one trial per core.
        options.workers = 1
        let readOnly = mode == .none
        let collector = FindingCollector()
        let checked: PageStore
        if let image {
            image.isReadOnly = readOnly
            checked = image
        } else {
            let pages = MemoryPageStore(image: content.bytes)
            pages.isReadOnly = readOnly
            checked = pages
            content.isReadOnly = readOnly
        }
        let report = withExtendedLifetime(collector) {
            FsckCheck.run(checked, options: options, observer: collector) {
                // The image itself as a standalone file (a repair there would not reach the image's
                // pages: an Ardaku image is never taken for a ZEST or CAS file in this sweep).
                let file = image.map { MemoryByteStore($0.bytes) } ?? content
                file.isReadOnly = readOnly
                return (file, device, collector)
            }
        }
        return FsckOutcome(mode: mode, device: device, findings: collector.findings, report: report)
    }
}
