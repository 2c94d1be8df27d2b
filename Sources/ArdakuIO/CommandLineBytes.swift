import ArdakuFormat
import Glibc

/// Swift's `CommandLine.arguments` turns bytes that are not UTF-8 into U+FFFD, so a label or
/// a name given with such bytes would be stored changed, and a host path would name another
/// file. The tools read the raw `argv` first and refuse such an argument by number.
public enum CommandLineBytes {
    /// The first argument (1 for the first after the program name) that is not valid UTF-8,
    /// with the offset of its first bad byte.
    public static func firstInvalidUTF8() -> (argument: Int, byteOffset: Int)? {
        for index in 1..<Int(CommandLine.argc) {
            guard let pointer = CommandLine.unsafeArgv[index] else { continue }
            let bytes = Array(UnsafeBufferPointer(start: UnsafeRawPointer(pointer).assumingMemoryBound(to: UInt8.self),
                                                  count: strlen(pointer)))
            if let offset = FileName.firstInvalidUTF8(bytes) { return (index, offset) }
        }
        return nil
    }

    /// Exits with `exitStatus` after one line on standard error when an argument is not UTF-8.
    public static func refuseInvalidUTF8(tool: String, exitStatus: Int32) {
        guard let (argument, offset) = firstInvalidUTF8() else { return }
        let message = "\(tool): argument \(argument) is not valid UTF-8 (byte \(offset)); names, labels and paths must be UTF-8\n"
        _ = message.withCString { write(STDERR_FILENO, $0, strlen($0)) }
        exit(exitStatus)
    }
}

extension ToolVersion {
    /// e2fsprogs' habit: `-V` or `--version` as the first argument prints the version line and
    /// exits 0, whatever follows.
    public static func answerVersionRequest(tool: String, _ arguments: [String]) {
        guard let first = arguments.first, first == "-V" || first == "--version" else { return }
        Console.out(line(tool))
        exit(0)
    }
}
