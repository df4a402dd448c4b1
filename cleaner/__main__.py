"""``cleaner`` and ``python -m cleaner``: the command line of :mod:`cleaner.cli`.

Loading it takes a second (trafilatura, scikit-learn, the rules' engine): Ctrl-C in that
second ends the command as it does later, with "Aborted!", not with a traceback of imports.
"""

import sys


def main() -> None:
    """Load the command line and run it."""
    try:
        from cleaner.cli import main as command_line
    except KeyboardInterrupt:
        sys.exit("\nAborted!")
    command_line()


if __name__ == "__main__":
    main()
