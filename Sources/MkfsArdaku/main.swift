import ArdakuCLI

MkfsCommand.launch()
