import ArdakuCheck
import ArdakuFormat
import ArdakuIO
import ToolCommandLine
import Glibc

/// Set by SIGINT/SIGTERM; the engine polls it between passes and batches.
nonisolated(unsafe) var cancelRequested: sig_atomic_t = 0

/// fsck.zest (also fsck.ardaku, `ardaku fsck`): read the options, open the image, run the
/// check engine, print, exit.
public enum FsckLauncher {
    public static func launch(_ commandLine: [String]) -> Never {
        SystemCalls.installErrnoDescriptions()
        // An I/O error while reading the mapped image ends the check as an operational error (8).
        SystemCalls.reportMappingErrors(tool: "fsck.zest", exitStatus: ExitStatus.operationalError.rawValue)
        CommandLineBytes.refuseInvalidUTF8(tool: "fsck.zest", exitStatus: ExitStatus.usageError.rawValue)
        ToolVersion.answerVersionRequest(tool: "fsck.zest", commandLine)
        let arguments = FsckCommand.normalize(commandLine)
        // A plain line (the usual "-p DEVICE", "-fn IMAGE") is read without the parser's start-up cost.
        let command: FsckRequest
        do {
            command = try FsckRequest.plain(arguments) ?? FsckCommand.parse(arguments).request
        } catch {
            if FsckCommand.exitCode(for: error) == .success {
                Console.out(FsckCommand.fullMessage(for: error))
                exit(0)
            }
            Console.err("fsck.zest: " + FsckCommand.message(for: error))
            Console.err(FsckCommand.usageString())
            exit(ExitStatus.usageError.rawValue)
        }
        exit(FsckTool(command).run().rawValue)
    }
}
