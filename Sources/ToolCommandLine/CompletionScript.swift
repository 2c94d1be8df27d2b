/// Shell completion scripts for a command and its subcommands, made from the same
/// declarations as the help: `TOOL --generate-completion-script bash|zsh|fish`.
enum CompletionScript {
    static let shells = ["bash", "zsh", "fish"]

    /// One command of the tree, its options and operands.
    private struct Node {
        var path: CommandPath
        var definitions: [ArgumentDefinition]
        var name: String { path.joinedNames }
        var subcommands: [any ParsableCommand.Type] { path.leaf.configuration.subcommands }
        var options: [ArgumentDefinition] { definitions.filter { $0.kind != .positional } }
    }

    static func script(for root: CommandPath, shell: String) -> String? {
        var nodes: [Node] = []
        var pending = [root]
        while !pending.isEmpty {
            let path = pending.removeFirst()
            nodes.append(Node(path: path, definitions: Declarations.definitions(of: path.leaf.init())))
            pending += path.leaf.configuration.subcommands.map { CommandPath(path.types + [$0]) }
        }
        let program = root.names[0]
        switch shell {
        case "bash": return bash(program, nodes)
        case "zsh": return zsh(program, nodes)
        case "fish": return fish(program, nodes)
        default: return nil
        }
    }

    /// Every spelling of an option: "-T", "--files-from".
    private static func spellings(_ definition: ArgumentDefinition) -> [String] {
        definition.shortNames.map { "-\($0)" } + definition.longNames.map { "--\($0)" }
    }

    private static func withHelp(_ definitions: [ArgumentDefinition]) -> [[String]] {
        definitions.map(spellings) + [["-h", "--help"]]
    }

    /// The words that go down the tree: "'ardaku zest'|'ardaku cas'".
    private static func subcommandPaths(_ nodes: [Node]) -> [String] {
        nodes.dropFirst().map { "'\($0.name)'" }
    }

    // MARK: bash

    private static func bash(_ program: String, _ nodes: [Node]) -> String {
        let function = "_" + program
        var lines = [
            "# bash completion for \(program): its subcommands, options and their values.",
            "# Made by `\(program) --generate-completion-script bash`.",
            "\(function)() {",
            "    local cur=${COMP_WORDS[COMP_CWORD]} previous=${COMP_WORDS[COMP_CWORD-1]}",
            "    local command=\(program) i",
            "    # The subcommands typed so far come first.",
            "    for ((i = 1; i < COMP_CWORD; i++)); do",
        ]
        let paths = subcommandPaths(nodes)
        if paths.isEmpty {
            lines.append("        break")
        } else {
            lines += [
                "        case \"$command ${COMP_WORDS[i]}\" in",
                "            \(paths.joined(separator: "|"))) command=\"$command ${COMP_WORDS[i]}\" ;;",
                "            *) break ;;",
                "        esac",
            ]
        }
        lines += ["    done", "    local options='' subcommands='' takes_value=''", "    case $command in"]
        for node in nodes {
            let options = withHelp(node.options).flatMap { $0 }.joined(separator: " ")
            let valued = node.options.filter { $0.kind == .option }.flatMap(spellings).joined(separator: " ")
            var body = "options='\(options)'"
            if !node.subcommands.isEmpty { body += "; subcommands='\(node.subcommands.map { $0.commandName }.joined(separator: " "))'" }
            if !valued.isEmpty { body += "; takes_value=' \(valued) '" }
            lines.append("        '\(node.name)') \(body) ;;")
        }
        lines += ["    esac", "    # An option's value: one it allows, else a file name.", "    case \"$command $previous\" in"]
        for node in nodes {
            for option in node.options where !option.allowedValues.isEmpty {
                let cases = spellings(option).map { "'\(node.name) \($0)'" }.joined(separator: "|")
                lines.append("        \(cases)) COMPREPLY=($(compgen -W '\(option.allowedValues.joined(separator: " "))' -- \"$cur\")); return ;;")
            }
        }
        lines += [
            "    esac",
            "    if [[ $takes_value == *\" $previous \"* ]]; then",
            "        COMPREPLY=($(compgen -f -- \"$cur\"))",
            "    elif [[ $cur == -* ]]; then",
            "        COMPREPLY=($(compgen -W \"$options\" -- \"$cur\"))",
            "    elif [[ -n $subcommands ]]; then",
            "        COMPREPLY=($(compgen -W \"$subcommands\" -- \"$cur\"))",
            "    else",
            "        COMPREPLY=($(compgen -f -- \"$cur\"))",
            "    fi",
            "}",
            "complete -o filenames -F \(function) \(program)",
        ]
        return lines.joined(separator: "\n")
    }

    // MARK: zsh

    /// Text for a zsh `_arguments` description: in single quotes and brackets.
    private static func zshQuoted(_ text: String) -> String {
        var result = ""
        for character in text {
            switch character {
            case "'": result += "'\\''"
            case "[", "]", "\\", ":": result += "\\\(character)"
            default: result.append(character)
            }
        }
        return result
    }

    private static func zshSpecification(_ definition: ArgumentDefinition) -> String {
        let names = spellings(definition)
        let help = "[\(zshQuoted(definition.help))]"
        var value = ""
        if definition.kind == .option {
            let completer = definition.allowedValues.isEmpty ? "_files" : "(\(definition.allowedValues.joined(separator: " ")))"
            value = ":\(zshQuoted(definition.valueName)):\(completer)"
        }
        if definition.isRepeating { return names.map { "'*\($0)\(help)\(value)'" }.joined(separator: " ") }
        if names.count == 1 { return "'\(names[0])\(help)\(value)'" }
        return "'(\(names.joined(separator: " ")))'{\(names.joined(separator: ","))}'\(help)\(value)'"
    }

    private static func zsh(_ program: String, _ nodes: [Node]) -> String {
        var lines = [
            "#compdef \(program)",
            "# zsh completion for \(program): its subcommands, options and their values.",
            "# Made by `\(program) --generate-completion-script zsh`.",
            "_\(program)() {",
            "    local command=\(program) depth=1 i",
            "    # The subcommands typed so far come first.",
            "    for ((i = 2; i < CURRENT; i++)); do",
        ]
        let paths = subcommandPaths(nodes)
        if paths.isEmpty {
            lines.append("        break")
        } else {
            lines += [
                "        case \"$command ${words[i]}\" in",
                "            (\(paths.joined(separator: "|")))) command=\"$command ${words[i]}\"; depth=$i ;;",
                "            (*) break ;;",
                "        esac",
            ]
        }
        lines += [
            "    done",
            "    # The command's own words, as _arguments expects them.",
            "    shift $(( depth - 1 )) words",
            "    (( CURRENT -= depth - 1 ))",
            "    case $command in",
        ]
        let help = "'(-h --help)'{-h,--help}'[Show help information.]'"
        for node in nodes {
            lines.append("        ('\(node.name)')")
            if node.subcommands.isEmpty {
                let specifications = node.options.map(zshSpecification) + [help, "'*:argument:_files'"]
                lines.append("            _arguments -s -S : " + specifications.joined(separator: " \\\n                ") + " ;;")
            } else {
                let entries = node.subcommands.map { "'\(zshQuoted($0.commandName)):\(zshQuoted($0.configuration.abstract))'" }
                lines += [
                    "            local -a subcommands=(" + entries.joined(separator: " \\\n                ") + ")",
                    "            if [[ ${words[CURRENT]} == -* ]]; then _arguments -s : \(help)",
                    "            else _describe -t subcommands 'subcommand' subcommands; fi ;;",
                ]
            }
        }
        lines += ["    esac", "}", "_\(program) \"$@\""]
        return lines.joined(separator: "\n")
    }

    // MARK: fish

    private static func fishQuoted(_ text: String) -> String {
        "'" + text.replacingBackslashesAndQuotes() + "'"
    }

    private static func fish(_ program: String, _ nodes: [Node]) -> String {
        let function = "__\(program)_command"
        var lines = [
            "# fish completion for \(program): its subcommands, options and their values.",
            "# Made by `\(program) --generate-completion-script fish`.",
            "function \(function) --description 'The subcommands typed so far'",
            "    set -l command \(program)",
            "    for word in (commandline -opc)[2..-1]",
            "        switch \"$command $word\"",
        ]
        let paths = subcommandPaths(nodes)
        if !paths.isEmpty {
            lines += ["            case \(paths.joined(separator: " "))", "                set command \"$command $word\""]
        }
        lines += [
            "            case '*'",
            "                break",
            "        end",
            "    end",
            "    echo $command",
            "end",
            "function \(function)_is",
            "    test (\(function)) = \"$argv[1]\"",
            "end",
        ]
        for node in nodes {
            let condition = "-n '\(function)_is \"\(node.name)\"'"
            for subcommand in node.subcommands {
                lines.append("complete -c \(program) \(condition) -f -a \(subcommand.commandName) -d \(fishQuoted(subcommand.configuration.abstract))")
            }
            for option in node.options {
                var parts = ["complete -c \(program) \(condition)"]
                parts += option.shortNames.map { "-s \($0)" } + option.longNames.map { "-l \($0)" }
                if option.kind == .option {
                    parts.append(option.allowedValues.isEmpty ? "-r -F" : "-x -a \(fishQuoted(option.allowedValues.joined(separator: " ")))")
                }
                parts.append("-d \(fishQuoted(option.help))")
                lines.append(parts.joined(separator: " "))
            }
            lines.append("complete -c \(program) \(condition) -s h -l help -d 'Show help information.'")
        }
        return lines.joined(separator: "\n")
    }
}

extension String {
    /// For a fish single-quoted string: backslashes and quotes escaped.
    fileprivate func replacingBackslashesAndQuotes() -> String {
        var result = ""
        for character in self {
            if character == "\\" || character == "'" { result.append("\\") }
            result.append(character)
        }
        return result
    }
}
