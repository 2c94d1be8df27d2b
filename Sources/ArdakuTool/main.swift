import ArdakuCLI

ArdakuCommand.launch()
