import ArdakuCLI

MkfsCommand.main()
