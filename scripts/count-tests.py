#!/usr/bin/env python3
"""Sums meson test logs into one line: `tests: N passed, M failed`.

doctest executables report their own test-case counts; every other test counts as one case.
A test that crashed or timed out counts as at least one failure even if its output says otherwise.
Exit status: 0 when nothing failed.
"""
import json
import re
import sys

DOCTEST = re.compile(r"\[doctest\] test cases:\s*(\d+)\s*\|\s*(\d+) passed\s*\|\s*(\d+) failed")


def main(paths: list) -> int:
    passed = failed = 0
    for path in paths:
        good, bad = count(path)
        passed += good
        failed += bad
    print(f"tests: {passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


def count(path: str) -> tuple:
    passed = failed = 0
    with open(path, encoding="utf-8", errors="replace") as log:
        for line in log:
            line = line.strip()
            if not line:
                continue
            entry = json.loads(line)
            ok = entry.get("result") in ("OK", "EXPECTEDFAIL", "SKIP")
            counts = DOCTEST.findall(entry.get("stdout", "") or "")
            if counts:
                _, good, bad = (int(x) for x in counts[-1])
                passed += good
                failed += bad if (bad or ok) else 1
            elif entry.get("result") == "SKIP":
                continue
            elif ok:
                passed += 1
            else:
                failed += 1
    return passed, failed


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["build-test/meson-logs/testlog.json"]))
