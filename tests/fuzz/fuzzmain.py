"""The command line every atheris target of ``python3 dev.py fuzz`` shares."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import atheris


def fuzz_main(
    corpus_name: str,
    test_one_input: Callable[[bytes], None],
    seed: Callable[[Path], None] | None = None,
) -> None:
    """Run ``test_one_input`` under libFuzzer with the options of ``sys.argv``.

    Without a corpus folder on the command line, ``<venv>/<corpus_name>`` is
    used (kept between runs, out of git: the .venv is ignored) so that a
    longer campaign resumes where the last one stopped; ``seed`` fills it.
    Without ``-max_total_time`` or ``-runs`` a run lasts 60 s.
    """
    argv = list(sys.argv)
    if not any(not arg.startswith("-") for arg in argv[1:]):
        corpus = Path(sys.prefix) / corpus_name
        corpus.mkdir(parents=True, exist_ok=True)
        if seed is not None:
            seed(corpus)
        argv.append(str(corpus))
    if not any(arg.startswith(("-max_total_time", "-runs")) for arg in argv):
        argv.append("-max_total_time=60")
    atheris.Setup(argv, test_one_input)
    atheris.Fuzz()
