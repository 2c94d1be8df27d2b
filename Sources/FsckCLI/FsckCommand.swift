import ArdakuCheck
import ArdakuIO
import ToolCommandLine
import PlainCommandLine

/// `fsck.zest`: the options, as e2fsck spells them.
struct FsckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fsck.zest",
        abstract: "Check and repair an Ardaku volume (an image file or a block device).",
        discussion: """
            Exit status (bits, as e2fsck): 0 no errors, 1 errors corrected, 2 corrected and reboot \
            needed (never set), 4 errors left uncorrected, 8 operational error, 16 usage error, \
            32 cancelled, 128 shared-library error (never set). See fsck.zest(8).

            -n holds the volume locked for reading, -p and -y for writing: a volume another \
            process holds is an operational error (8) unless --wait waits for it; see \
            LOCKING in ardaku(1).
            """)

    @Flag(name: .customShort("n"), help: "Open read-only and change nothing; answer \"no\" to every question.")
    var readOnly = false

    @Flag(name: .customShort("y"), help: "Repair everything that can be repaired.")
    var yes = false

    @Flag(name: .customShort("p"), help: "Preen: repair only what is safe without asking; else stop with exit status 4.")
    var preen = false

    @Flag(name: .customShort("a"), help: "The same as -p.")
    var automatic = false

    @Flag(name: .customShort("f"), help: "Check even a volume that looks clean.")
    var force = false

    @Flag(name: .customShort("v"), help: "Verbose: statistics at the end.")
    var verbose = false

    @Flag(name: .customShort("t"), help: "Timing and memory per pass.")
    var timing = false

    @Flag(name: .customShort("V"), help: "Print the version and exit.")
    var version = false

    @Option(name: .customShort("C"), help: ArgumentHelp("Progress: 0 draws a bar on a terminal; another number writes \"pass current max device\" lines to that file descriptor.", valueName: "fd"))
    var progressDescriptor: Int32?

    @Option(name: .customShort("b"), help: ArgumentHelp("Use the system information block in this page (the backup is the volume's last page).", valueName: "page"))
    var systemBlockPage: UInt32?

    @Flag(name: .customLong("metadata-only"), help: "Skip pass 5 (data page CRC-32s). Implied by -p unless --verify-data.")
    var metadataOnly = false

    @Flag(name: .customLong("verify-data"), help: "Verify data page CRC-32s even with -p.")
    var verifyData = false

    @Flag(name: .customLong("json"), help: "Print the report as JSON (schema ardaku-fsck/2) instead of text.")
    var json = false

    @Option(name: .customLong("wait"), help: ArgumentHelp(
        "If another process holds the volume, wait for it instead of failing: --wait as long as it takes, --wait=SECONDS at most that long.",
        valueName: "seconds"))
    var wait: String?

    @Argument(help: "The image file or block device.")
    var device: String?

    func validate() throws {
        if let problem = request.problem { throw ValidationError(problem) }
    }

    /// The values the parser filled in.
    var request: FsckRequest {
        FsckRequest(readOnly: readOnly, yes: yes, preen: preen, automatic: automatic, force: force, verbose: verbose,
                    timing: timing, version: version, progressDescriptor: progressDescriptor,
                    systemBlockPage: systemBlockPage, metadataOnly: metadataOnly, verifyData: verifyData,
                    json: json, wait: wait, device: device)
    }

    /// fsck(8) passes `-C3` with the number attached; the parser wants `-C 3`. A bare
    /// `--wait` becomes `--wait=forever` (`VolumeLock.Waiting.normalize`).
    static func normalize(_ arguments: [String]) -> [String] {
        VolumeLock.Waiting.normalize(arguments).flatMap { argument -> [String] in
            for letter in ["C", "b"] where argument.hasPrefix("-" + letter) && argument.count > 2 {
                let rest = argument.dropFirst(2)
                if rest.allSatisfy(\.isNumber) { return ["-" + letter, String(rest)] }
            }
            return [argument]
        }
    }
}

/// `fsck.zest` with the values of its options, however the command line was read.
struct FsckRequest: Equatable {
    var readOnly = false
    var yes = false
    var preen = false
    var automatic = false
    var force = false
    var verbose = false
    var timing = false
    var version = false
    var progressDescriptor: Int32?
    var systemBlockPage: UInt32?
    var metadataOnly = false
    var verifyData = false
    var json = false
    /// The `--wait` value: "forever", or a number of seconds.
    var wait: String?
    var device: String?

    /// How long to wait for a volume another process holds.
    var waiting: VolumeLock.Waiting? { wait.map { VolumeLock.Waiting(optionValue: $0) } ?? .no }

    var mode: RepairMode? {
        if readOnly { return RepairMode.none }
        if yes { return .all }
        if preen || automatic { return .preen }
        return nil
    }

    /// Why these options cannot go together, as the usage error says it; nil when they can.
    var problem: String? {
        let modes = [readOnly, yes, preen || automatic].filter { $0 }.count
        if modes > 1 { return "only one of the options -p/-a, -n or -y may be specified" }
        if metadataOnly && verifyData { return "--metadata-only and --verify-data contradict each other" }
        if device == nil && !version { return "missing the image file or device to check" }
        if let fd = progressDescriptor, fd < 0 { return "-C needs a file descriptor number (0 for a bar)" }
        if waiting == nil, let wait { return "--wait=\(wait): give a number of seconds (or --wait alone to wait as long as it takes)" }
        return nil
    }

    /// The flags of a plain command line of fsck.zest, as e2fsck spells them, and the value
    /// each one sets: `plainShape` and `plain(_:)` are both made from this one table, and
    /// FsckPlainCommandLineTests holds it to `FsckCommand`'s declarations.
    static var plainFlags: [(spelling: String, value: WritableKeyPath<FsckRequest, Bool>)] {
        [("-n", \.readOnly), ("-y", \.yes), ("-p", \.preen), ("-a", \.automatic), ("-f", \.force), ("-v", \.verbose),
         ("-t", \.timing), ("-V", \.version), ("--metadata-only", \.metadataOnly), ("--verify-data", \.verifyData),
         ("--json", \.json)]
    }

    /// What a plain command line of fsck.zest may hold: its flags, grouped as e2fsck's are
    /// ("-fn"), -C and -b with their values, and the device. `--wait` goes to the parser: a
    /// check that waits does not mind its start-up cost.
    static let plainShape = PlainCommandLine.Shape(
        path: [], flags: Set(plainFlags.map(\.spelling)),
        valueOptions: ["-C": "-C", "-b": "-b"], maximumOperands: 1, groupsShortFlags: true)

    /// The request of a plain, valid command line (after `FsckCommand.normalize`), or nil
    /// when the parser must read `arguments`: help, anything unusual, any usage error.
    static func plain(_ arguments: [String]) -> FsckRequest? {
        guard let line = PlainCommandLine.read(arguments, shape: plainShape) else { return nil }
        var request = FsckRequest(device: line.operands.first)
        for flag in plainFlags where line.flags.contains(flag.spelling) { request[keyPath: flag.value] = true }
        if let value = line.options["-C"] {
            guard let descriptor = Int32(value) else { return nil }
            request.progressDescriptor = descriptor
        }
        if let value = line.options["-b"] {
            guard let page = UInt32(value) else { return nil }
            request.systemBlockPage = page
        }
        return request.problem == nil ? request : nil
    }
}
