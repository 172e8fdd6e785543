from lantian.cli.main import main

raise SystemExit(main())
