from sources.connectors.cli import main

raise SystemExit(main("hubspot"))
