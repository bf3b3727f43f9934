from mcp_server_openrouter.cli import main

raise SystemExit(main())
