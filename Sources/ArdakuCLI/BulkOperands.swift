import ArgumentParser

/// A command that takes any number of names after its volume, such as `zest get VOLUME NAME...`.
protocol TakesBulkOperands: ParsableCommand {
    /// Every positional argument, in the order given.
    var operands: [String] { get set }
}

/// Hands the names of a long command line to the command directly instead of through
/// swift-argument-parser.
///
/// Why: the parser spends about 25 µs on every positional argument (it tracks a set of origins
/// per argument), so `ardaku zest get VOLUME` with 1,000 names spent more time parsing than
/// reading the files. The parser still sees every option and the first few operands, so help,
/// usage errors and option handling are its own; only the tail of plain operands bypasses it.
///
/// The split is conservative: any argument whose form is not exactly a known flag, a known
/// option with its value, `--` or a plain operand leaves the whole line to the parser.
enum BulkOperands {
    /// The command path, its flags and its options that take a value, for each command that
    /// takes bulk operands. Must match the commands' declarations (a test holds them to it).
    struct Shape {
        var path: [String]
        var flags: Set<String>
        var valueOptions: Set<String>
    }

    static let shapes: [Shape] = [
        Shape(path: ["zest", "get"], flags: ["-r", "-f"], valueOptions: ["-o", "-T", "--files-from"]),
        Shape(path: ["zest", "rm"], flags: ["-r"], valueOptions: []),
        Shape(path: ["rm"], flags: ["-r"], valueOptions: []),
    ]

    /// Operands the parser always sees: enough for `IMAGE VOLUME` and for a required name.
    static let operandsForParser = 3

    /// Below this many operands the parser's cost does not matter and it sees everything.
    static let threshold = 16

    /// Splits `arguments` (without the program name) into what the parser gets and the
    /// operands to append to the parsed command's `operands`, in their original order.
    static func split(_ arguments: [String]) -> (parsed: [String], bulk: [String]) {
        guard let shape = shapes.first(where: { arguments.starts(with: $0.path) }) else { return (arguments, []) }
        var operandIndices: [Int] = []
        var index = shape.path.count
        var onlyOperands = false
        while index < arguments.count {
            let argument = arguments[index]
            if onlyOperands || !argument.hasPrefix("-") {
                operandIndices.append(index)
            } else if argument == "--" {
                onlyOperands = true
            } else if shape.valueOptions.contains(argument) {
                guard index + 1 < arguments.count else { return (arguments, []) }
                index += 1  // its value, whatever it looks like
            } else if let equals = argument.firstIndex(of: "="), argument.hasPrefix("--"),
                      shape.valueOptions.contains(String(argument[..<equals])) {
                // --option=value: one argument
            } else if !shape.flags.contains(argument) {
                return (arguments, [])  // help, a flag group, an unknown option, "-": the parser decides
            }
            index += 1
        }
        guard operandIndices.count > threshold else { return (arguments, []) }
        let bypassing = Set(operandIndices.dropFirst(operandsForParser))
        var parsed: [String] = []
        var bulk: [String] = []
        parsed.reserveCapacity(arguments.count - bypassing.count)
        bulk.reserveCapacity(bypassing.count)
        for (position, argument) in arguments.enumerated() {
            if bypassing.contains(position) { bulk.append(argument) } else { parsed.append(argument) }
        }
        return (parsed, bulk)
    }
}

extension ArdakuCommand {
    /// The `ardaku` entry point: `main()`, with the names of long command lines handed over
    /// directly (see `BulkOperands`).
    public static func launch(_ arguments: [String] = Array(CommandLine.arguments.dropFirst())) {
        let (parsed, bulk) = BulkOperands.split(arguments)
        do {
            var command = try parseAsRoot(parsed)
            if !bulk.isEmpty {
                if var receiver = command as? any TakesBulkOperands {
                    receiver.operands += bulk
                    command = receiver
                } else {
                    // Not a command that takes bulk operands after all: the parser sees everything.
                    command = try parseAsRoot(arguments)
                }
            }
            try command.run()
        } catch {
            exit(withError: error)
        }
    }
}

extension ZestCommand.Get {
    var operands: [String] { get { arguments } set { arguments = newValue } }
}

extension ZestCommand.Remove {
    var operands: [String] { get { arguments } set { arguments = newValue } }
}

extension ArdakuCommand.Remove {
    /// The image is a separate argument; the names are the operands after it.
    var operands: [String] { get { [image] + names } set { if let first = newValue.first { image = first; names = Array(newValue.dropFirst()) } } }
}
