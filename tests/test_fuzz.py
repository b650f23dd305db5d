"""Mutated calendars and mail never stop a pass, never hang it, never exhaust memory, and
never cost the interview or reply in another file (see tests/fuzzing.py for how)."""

import os

import pytest

from fuzzing import Fuzzer, inputs, summary

SEED = 20261206
COUNT = int(os.environ.get("FUZZ_INPUTS", "240"))
MEMORY_LIMIT_MIB = 300


@pytest.fixture(scope="module")
def results():
    fuzzer = Fuzzer()
    try:
        return [fuzzer.run(item) for item in inputs(SEED, COUNT)]
    finally:
        fuzzer.close()


def _names(rows):
    return "\n".join(f"{r['name']}: {(r.get('crash') or '')[-600:]} ({r.get('seconds')} s, {r.get('peak_mib')} MiB)"
                     for r in rows[:10])


def test_no_mutated_input_escapes_the_pass(results):
    s = summary(results, MEMORY_LIMIT_MIB)
    assert not s["crashes"], _names(s["crashes"])


def test_no_mutated_input_takes_over_ten_seconds(results):
    s = summary(results, MEMORY_LIMIT_MIB)
    assert not s["hangs"] and not s["slow"], _names(s["hangs"] + s["slow"])


def test_no_mutated_input_takes_over_300_mib(results):
    s = summary(results, MEMORY_LIMIT_MIB)
    assert not s["over_memory"], _names(s["over_memory"])


def test_the_control_interview_and_reply_are_processed_beside_every_mutated_input(results):
    s = summary(results, MEMORY_LIMIT_MIB)
    assert not s["control_lost"], _names(s["control_lost"])
