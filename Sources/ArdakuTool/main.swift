import ArdakuCLI

ArdakuCommand.main()
