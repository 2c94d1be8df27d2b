import ArdakuFormat
import ArdakuIO
import ArdakuVolume
import ToolCommandLine

extension ArdakuCommand {
    /// `ardaku chown`: chown(1) (and chgrp) for files in a volume, by number.
    struct Chown: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "chown", abstract: "Change the owner and group of files.",
            usage: "ardaku chown [-R] [--wait[=<seconds>]] <owner>[:<group>] <image> <names> ...",
            discussion: """
                OWNER and GROUP are numbers (1000:100, 0, :50 for the group alone): user and \
                group names belong to a host, and a volume goes to other hosts. Each file's \
                change time becomes now; all names change in one crash-safe commit.
                """)
        @Argument(help: ArgumentHelp("Numeric owner, owner:group or :group.", valueName: "owner")) var owner: String
        @Argument(help: "Image file or device.") var image: String
        @Argument(help: "Files to change.") var names: [String]
        @Flag(name: .customShort("R"), help: "Change every file under a directory.") var recursive = false
        @OptionGroup var waiting: WaitOption

        func run() {
            ArdakuCommand.perform {
                let (uid, gid) = try Self.ids(owner)
                try ArdakuCommand.changeAttributes(command: "chown", image: image, names: names, recursive: recursive) { attributes, _ in
                    if let uid { attributes.owner = uid }
                    if let gid { attributes.group = gid }
                }
            }
        }

        /// "1000" (owner), "1000:100" (both), ":100" (group): nil leaves that id as it is.
        static func ids(_ text: String) throws -> (owner: UInt32?, group: UInt32?) {
            let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            func id(_ part: Substring, _ what: String) throws -> UInt32 {
                // 4294967295 is (uid_t)-1, which chown(2) takes as "leave it": no file has it.
                guard part.allSatisfy(\.isASCII), let value = UInt32(part), value != .max else {
                    throw ToolError("\(text): the \(what) must be a number below 4294967295 (names are the host's, not the volume's)")
                }
                return value
            }
            let owner = parts[0].isEmpty ? nil : try id(parts[0], "owner")
            let group = parts.count < 2 ? nil : try id(parts[1], "group")
            guard owner != nil || group != nil else { throw ToolError("\(text): give an owner, owner:group or :group") }
            return (owner, group)
        }
    }
}
