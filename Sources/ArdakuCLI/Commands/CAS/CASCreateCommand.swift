import ArdakuCAS
import ArdakuFormat
import ArdakuIO
import ArdakuVolume
import ToolCommandLine
import Glibc

extension CASCommand {
    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "create",
            abstract: "Make an empty CAS volume: a standalone file, or a file of type 'cas' in an Ardaku image.",
            usage: "ardaku cas create [-f] [--wait[=<seconds>]] (FILE.cas | IMAGE VOLUME)")
        @Argument(help: ArgumentHelp("FILE.cas, or IMAGE VOLUME.", valueName: "target")) var arguments: [String] = []
        @Flag(name: .customShort("f"), help: "Replace an existing file or volume with an empty one.") var force = false
        @OptionGroup var waiting: WaitOption

        func run() {
            CASCommand.perform {
                switch arguments.count {
                case 1:
                    let path = arguments[0]
                    if case .success(let info) = SystemCalls.pathInfo(path), info.size > 0, !CASSession.isCASFile(path),
                       (try? ImageAccess.openVolume(path, writable: false)) != nil {
                        throw ToolError("\(path) is an Ardaku image: name the CAS volume to create in it (ardaku cas create IMAGE VOLUME)")
                    }
                    _ = try CASSession.createStandalone(path, options: CASOptions(), replace: force)
                case 2:
                    let (_, ardaku) = try ImageAccess.openVolume(arguments[0], writable: true)
                    let name = try ImageAccess.fileName(arguments[1])
                    let display = "\(arguments[0]):\(name.string)"
                    let (store, _) = try CASSession.createNested(in: ardaku, name: name, options: CASOptions(), replace: force, display: display)
                    do {
                        try store.close()
                        try ardaku.close()
                    } catch { throw ToolError("\(display): \(error)") }
                default:
                    throw ToolError("create takes FILE.cas, or IMAGE VOLUME")
                }
            }
        }
    }
}
