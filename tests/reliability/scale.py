"""How many rounds a reliability test runs: a lean count in the test suite
(CI's whole run must stay well under 30 minutes), the issue's full count
when bench/soak.sh sets GW_SOAK=1."""
import os

SOAK = os.environ.get("GW_SOAK") == "1"


def rounds(ci, soak):
    return soak if SOAK else ci


def percentiles(values):
    """min / median / max of a non-empty list, for the printed figures."""
    s = sorted(values)
    return s[0], s[len(s) // 2], s[-1]
