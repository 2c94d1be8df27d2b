import ArdakuFormat
import ArdakuIO
import ArdakuVolume

/// File attributes as `ardaku stat` and `ls -l` show them, in ls(1)'s and stat(1)'s words.
enum AttributeText {
    /// "-rwsr-xr-x", as ls -l spells a mode.
    static func modeString(_ attributes: FileAttributes) -> String {
        let bits = attributes.permissions
        var text = String(attributes.kind.letter)
        let special: [(set: UInt16, execute: UInt16, shown: Character, hidden: Character)] = [
            (0o4000, 0o100, "s", "S"), (0o2000, 0o010, "s", "S"), (0o1000, 0o001, "t", "T"),
        ]
        for (index, shift) in [6, 3, 0].enumerated() {
            text.append(bits & (0o4 << shift) != 0 ? "r" : "-")
            text.append(bits & (0o2 << shift) != 0 ? "w" : "-")
            let execute = bits & (0o1 << shift) != 0
            let rule = special[index]
            if bits & rule.set != 0 { text.append(execute ? rule.shown : rule.hidden) } else { text.append(execute ? "x" : "-") }
        }
        return text
    }

    /// "4755 (-rwsr-xr-x)".
    static func mode(_ attributes: FileAttributes) -> String {
        let octal = String(attributes.permissions, radix: 8)
        return String(repeating: "0", count: max(0, 4 - octal.count)) + octal + " (\(modeString(attributes)))"
    }

    /// "regular file", "regular file (no attributes recorded: a record's defaults)".
    static func kindAndSource(_ status: FileStatus) -> String {
        status.attributes.file.kind.description + (status.storedAttributes == nil ? " (no attributes recorded: the defaults)" : "")
    }

    /// "2001-02-03 04:05:06.123456789 UTC".
    static func time(_ time: FileAttributes.Timestamp) -> String {
        let whole = TimeFormat.utc(UInt64(max(0, time.seconds)))  // "... 04:05:06 UTC"
        let fraction = String(time.nanoseconds)
        let padded = String(repeating: "0", count: max(0, 9 - fraction.count)) + fraction
        return String(whole.dropLast(4)) + ".\(padded) UTC" + (time.seconds < 0 ? " (\(time.seconds) s)" : "")
    }

    /// "user.color (4 bytes), security.selinux (27 bytes)", or "<none>".
    static func extendedAttributes(_ attributes: FileAttributes) -> String {
        guard !attributes.extendedAttributes.isEmpty else { return "<none>" }
        return attributes.extendedAttributes.map {
            "\(QuotedName.quotedName($0.name)) (\(Plural.count($0.value.count, "byte")))"
        }.joined(separator: ", ")
    }

    /// "-rw-r--r--  1     0     0  " before ls -l's size column.
    static func longListingPrefix(_ status: FileStatus) -> String {
        let attributes = status.attributes
        return "\(modeString(attributes.file)) \(String(attributes.linkCount).padded(left: 2)) "
            + "\(String(attributes.file.owner).padded(left: 5)) \(String(attributes.file.group).padded(left: 5)) "
    }

    /// ls -l's size column: the byte length, or a device's "major, minor".
    static func sizeColumn(_ status: FileStatus) -> String {
        guard let device = status.attributes.file.device else { return String(status.byteLength) }
        return "\(device.major), \(device.minor)"
    }

    /// The same columns for a directory that only the names below it make.
    static let implicitDirectoryPrefix = "drwxr-xr-x  -     0     0 "

    static func jsonKind(_ kind: FileAttributes.Kind) -> String {
        switch kind {
        case .regular: "regular"
        case .directory: "directory"
        case .symbolicLink: "symbolic_link"
        case .fifo: "fifo"
        case .characterDevice: "character_device"
        case .blockDevice: "block_device"
        }
    }
}
