import ArdakuFormat
import ArdakuIO
import ArdakuVolume
import ToolCommandLine

extension ArdakuCommand {
    /// `ardaku chmod`: chmod(1) for files in a volume.
    struct Chmod: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "chmod", abstract: "Change the permission bits of files.",
            usage: "ardaku chmod [-R] [--wait[=<seconds>]] <mode> <image> <names> ...",
            discussion: """
                MODE is octal (644, 4755) or symbolic as chmod(1) takes it: [ugoa]*[+-=][rwxXst]* \
                or [+-=][ugo], clauses separated by commas (u+x, go-w, a=r, u+s, +t). Without \
                u, g, o or a a clause changes all three (the umask plays no part). Each file's \
                change time becomes now; all names change in one crash-safe commit.
                """)
        @Argument(help: "Octal or symbolic mode.") var mode: String
        @Argument(help: "Image file or device.") var image: String
        @Argument(help: "Files to change.") var names: [String]
        @Flag(name: .customShort("R"), help: "Change every file under a directory.") var recursive = false
        @OptionGroup var waiting: WaitOption

        func run() {
            ArdakuCommand.perform {
                guard let change = ModeChange(mode) else { throw ToolError("\(mode): invalid mode (octal such as 644, or symbolic such as u+x,go-w)") }
                try ArdakuCommand.changeAttributes(command: "chmod", image: image, names: names, recursive: recursive) { attributes, _ in
                    attributes.permissions = change.applied(to: attributes.permissions)
                }
            }
        }
    }
}

/// A MODE operand of chmod(1): octal permission bits, or symbolic clauses applied in turn.
struct ModeChange: Equatable {
    enum Operator: Character { case add = "+", remove = "-", set = "=" }

    /// What an operator applies: bits (`rwxst`, `X` resolved against the file), or the bits
    /// one class has now (`u`, `g`, `o` after the operator) copied to the others.
    enum Permissions: Equatable {
        case bits(UInt16, conditionalExecute: Bool)
        case copy(shift: UInt16)
    }

    struct Action: Equatable {
        var operation: Operator
        var permissions: Permissions
    }

    struct Clause: Equatable {
        /// The bits the clause may touch: a class's rwx with its special bit (setuid for u,
        /// setgid for g, sticky for o), as GNU chmod does.
        var affected: UInt16
        var actions: [Action]
    }

    enum Form: Equatable {
        case octal(UInt16)
        case symbolic([Clause])
    }

    var form: Form

    init?(_ text: String) {
        if !text.isEmpty, text.allSatisfy({ ("0"..."7").contains($0) }) {
            guard text.count <= 4, let value = UInt16(text, radix: 8) else { return nil }
            form = .octal(value)
            return
        }
        var clauses: [Clause] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard let clause = Self.clause(part) else { return nil }
            clauses.append(clause)
        }
        form = .symbolic(clauses)
    }

    private static func clause(_ text: Substring) -> Clause? {
        var affected: UInt16 = 0
        var rest = text[...]
        while let who = rest.first, "ugoa".contains(who) {
            switch who {
            case "u": affected |= 0o4700
            case "g": affected |= 0o2070
            case "o": affected |= 0o1007
            default: affected |= 0o7777
            }
            rest = rest.dropFirst()
        }
        if affected == 0 { affected = 0o7777 }
        var actions: [Action] = []
        while let symbol = rest.first {
            guard let operation = Operator(rawValue: symbol) else { return nil }
            rest = rest.dropFirst()
            if let source = rest.first, "ugo".contains(source) {
                rest = rest.dropFirst()
                actions.append(Action(operation: operation, permissions: .copy(shift: source == "u" ? 6 : source == "g" ? 3 : 0)))
                continue
            }
            var bits: UInt16 = 0
            var conditionalExecute = false
            while let letter = rest.first, "rwxXst".contains(letter) {
                switch letter {
                case "r": bits |= 0o444
                case "w": bits |= 0o222
                case "x": bits |= 0o111
                case "X": conditionalExecute = true
                case "s": bits |= 0o6000
                default: bits |= 0o1000
                }
                rest = rest.dropFirst()
            }
            actions.append(Action(operation: operation, permissions: .bits(bits, conditionalExecute: conditionalExecute)))
        }
        guard !actions.isEmpty else { return nil }
        return Clause(affected: affected, actions: actions)
    }

    /// The permission bits a file with `permissions` has after the change.
    func applied(to permissions: UInt16) -> UInt16 {
        switch form {
        case .octal(let value): return value
        case .symbolic(let clauses):
            var result = permissions
            for clause in clauses {
                for action in clause.actions {
                    var value: UInt16
                    switch action.permissions {
                    case let .bits(bits, conditionalExecute):
                        value = bits
                        // X: execute only for a file some class may already execute (every
                        // file here is a regular file, never a directory).
                        if conditionalExecute, result & 0o111 != 0 { value |= 0o111 }
                    case .copy(let shift):
                        value = ((result >> shift) & 0o7) * 0o111
                    }
                    value &= clause.affected
                    switch action.operation {
                    case .add: result |= value
                    case .remove: result &= ~value
                    case .set: result = (result & ~clause.affected) | value
                    }
                }
            }
            return result & 0o7777
        }
    }
}
