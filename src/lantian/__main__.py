from lantian.cli.main import main

main()
