import DetectCLI

DetectCommand.main()
