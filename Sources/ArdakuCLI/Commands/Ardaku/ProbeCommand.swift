import ArdakuIO
import ToolCommandLine

extension BlkidOutput.Style: ExpressibleByArgument {}

extension ArdakuCommand {
    /// `ardaku probe`: blkid for what blkid does not know (Ardaku, ZEST and CAS volumes).
    struct Probe: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "probe",
            abstract: "Say what devices, images or files hold, as blkid prints it.",
            discussion: """
                TYPE is "ardaku" for an Ardaku volume (with LABEL and UUID), "zest" for a standalone \
                ZEST volume and "ardaku-cas" for a standalone CAS volume. Nothing is locked or \
                written. Exit status as blkid's: 0 when something was recognised, 2 when nothing was.
                """)
        @Option(name: .customShort("o"), help: ArgumentHelp("Output format: full, value, export or device.", valueName: "format"))
        var output: BlkidOutput.Style = .full
        @Option(name: .customShort("s"), help: ArgumentHelp("Show only this tag (LABEL, UUID, VERSION, TYPE); repeatable.", valueName: "tag"))
        var tags: [String] = []
        @Flag(name: .customShort("d"), help: "Do not encode non-printing characters.") var noEncoding = false
        @Argument(help: "Devices, images or files.") var devices: [String]

        func validate() throws {
            guard !devices.isEmpty else { throw ValidationError("give at least one device, image or file") }
        }

        func run() {
            Console.run(tool: "ardaku") {
                var found: [(name: String, tags: [(name: String, value: [UInt8])])] = []
                for device in devices {
                    // As blkid: what cannot be opened or holds nothing known is left out, silently.
                    guard let source = ProbeSource(path: device),
                          let identity = VolumeIdentity.identify(byteCount: source.byteCount, read: source.read) else { continue }
                    found.append((device, identity.tags))
                }
                let text = BlkidOutput(style: output, onlyTags: tags, rawCharacters: noEncoding).render(found)
                try text.withUnsafeBytes { try StandardOutput.write($0) }
                return found.isEmpty ? 2 : 0
            }
        }
    }
}
