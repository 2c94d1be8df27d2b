import FsckCLI

FsckLauncher.launch(Array(CommandLine.arguments.dropFirst()))
