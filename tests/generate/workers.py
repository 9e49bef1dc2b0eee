"""Picklable worker functions for the executor tests (spawned workers import them by name)."""

import logging
import os


def square_and_log(x: int) -> tuple[int, str]:
    logging.getLogger("tests.worker").warning("worker saw %d", x)
    return x * x, os.environ.get("PYTHONHASHSEED", "")


def dies_on_two(x: int) -> int:
    if x == 2:
        os._exit(3)  # as a worker killed for memory would vanish
    return x
