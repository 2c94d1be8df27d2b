import DumpfsCLI

Dumpfs.launch(Array(CommandLine.arguments.dropFirst()))
