import ArdakuFormat
import ArdakuIO
import ArdakuVolume
import ArdakuZest
import ToolCommandLine
import Glibc
import PlainCommandLine

// MARK: - mkfs.ardaku --zest

extension ZestCLI {
    /// `--zest VOLUME=DIR` arguments, checked before anything is written.
    static func parsePacks(_ arguments: [String]) throws -> [(name: FileName, directory: String)] {
        var packs: [(name: FileName, directory: String)] = []
        for argument in arguments {
            guard let equals = argument.firstIndex(of: "="), equals != argument.startIndex,
                  argument.index(after: equals) != argument.endIndex else {
                throw ToolError("--zest \(argument): give VOLUME=DIR, e.g. /packs/small.zest=./small")
            }
            let name = try fileName(String(argument[..<equals]))
            let directory = String(argument[argument.index(after: equals)...])
            guard case .success(let info) = SystemCalls.pathInfo(directory), info.kind == .directory else {
                throw ToolError("\(directory): not a directory (for --zest \(name.string))")
            }
            guard !packs.contains(where: { $0.name == name }) else { throw ToolError("--zest \(name.string) given twice") }
            packs.append((name, directory))
        }
        return packs
    }

    /// Creates the ZEST volume `name` in `ardaku` and packs `directory` into it, in the
    /// Ardaku volume's open transaction; the caller commits (closes) the volume.
    static func pack(_ directory: String, as name: FileName, into ardaku: Volume, display: String,
                     quiet: Bool, verbose: Bool, tool: String) throws -> ZestImport.Summary {
        let (store, volume) = try ZestSession.createNested(in: ardaku, name: name,
                                                           options: try options(segmentSize: nil, level: 6),
                                                           replace: false, display: display, offerReplace: false)
        let summary = try importTree(directory, prefix: [UInt8(ascii: "/")], into: volume, replace: false,
                                     dictionary: .automatic, quiet: quiet, verbose: verbose, tool: tool)
        do {
            try volume.flush()
            try store.close()
        } catch { throw ToolError("\(display): \(error)") }
        return summary
    }
}
