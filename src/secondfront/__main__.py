"""``python -m secondfront`` runs the command line."""

from secondfront.cli.app import main

main()
