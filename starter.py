#!/usr/bin/env python3
"""Entry point of promoflow's command-line tool: `python starter.py --help`.

The tool itself is the cli package (one concern per module; cli/__init__.py's docstring
is the help text). This file only keeps `python starter.py ...` working from a checkout.
"""

from __future__ import annotations

import sys

from cli.main import main

__all__ = ["main"]

if __name__ == "__main__":
    sys.exit(main())
