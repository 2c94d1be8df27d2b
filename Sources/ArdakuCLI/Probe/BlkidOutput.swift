/// blkid's output styles (`-o full|value|export|device`), byte for byte as blkid 2.38
/// writes them (misc-utils/blkid.c: print_value, safe_print), so that what reads blkid's
/// output reads ours:
///
/// - full: `DEVNAME: NAME="value" NAME="value"`, one line per device; in a value `"` and `\`
///   get a backslash;
/// - export: `DEVNAME=...` then `NAME=value` lines, a blank line between devices; in a value
///   space, `\`, `"`, `'`, `$`, `` ` ``, `<` and `>` get a backslash, so that `sh` can `.` it;
/// - value: each value alone on a line, as it is (no encoding);
/// - device: the device name alone, once per device recognised, whatever `-s` asks.
///
/// In full and export (unless `-d`), a byte of 128 or more is written as `M-` and the byte
/// less 128, then a control character (below 32, and 127) as `^` and the character XOR 64
/// (`^I` for a tab, `^?` for DEL): blkid's encoding of what a terminal cannot show, which
/// also keeps every device on its line. A device with none of the asked tags prints nothing.
public struct BlkidOutput {
    public enum Style: String, CaseIterable, Sendable {
        case full, value, export, device
    }

    public var style: Style
    /// `-s TAG` (repeatable): only these tags, in the device's order; empty for every tag.
    public var onlyTags: [String]
    /// `-d`: no encoding of non-printing characters.
    public var rawCharacters: Bool

    public init(style: Style = .full, onlyTags: [String] = [], rawCharacters: Bool = false) {
        self.style = style
        self.onlyTags = onlyTags
        self.rawCharacters = rawCharacters
    }

    /// What to write for the devices found, in order: each device's name and tags.
    public func render(_ devices: [(name: String, tags: [(name: String, value: [UInt8])])]) -> [UInt8] {
        var out: [UInt8] = []
        var printedDevice = false
        for device in devices {
            if style == .device {
                out += Array(device.name.utf8) + [0x0A]
                continue
            }
            let tags = device.tags.filter { onlyTags.isEmpty || onlyTags.contains($0.name) }
            guard !tags.isEmpty else { continue }
            switch style {
            case .full:
                out += Array(device.name.utf8) + [UInt8(ascii: ":")]
                for tag in tags {
                    out += Array(" \(tag.name)=\"".utf8) + encoded(tag.value, escaping: "\"\\") + [UInt8(ascii: "\"")]
                }
                out.append(0x0A)
            case .export:
                if printedDevice { out.append(0x0A) }
                out += Array("DEVNAME=\(device.name)\n".utf8)
                for tag in tags {
                    out += Array("\(tag.name)=".utf8) + encoded(tag.value, escaping: " \\\"'$`<>") + [0x0A]
                }
            case .value:
                for tag in tags { out += tag.value + [0x0A] }
            case .device:
                break
            }
            printedDevice = true
        }
        return out
    }

    /// blkid's safe_print: `M-` for high bytes, `^X` for control characters, a backslash
    /// before each of `escaping`.
    func encoded(_ value: [UInt8], escaping: String) -> [UInt8] {
        guard !rawCharacters else { return value }
        let escaped = Set(escaping.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(value.count)
        for byte in value {
            var character = byte
            if character >= 128 {
                out += [UInt8(ascii: "M"), UInt8(ascii: "-")]
                character -= 128
            }
            if character < 32 || character == 0x7F {
                out += [UInt8(ascii: "^"), character ^ 0x40]
            } else {
                if escaped.contains(character) { out.append(UInt8(ascii: "\\")) }
                out.append(character)
            }
        }
        return out
    }
}
