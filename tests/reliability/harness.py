"""What every reliability test starts from: the gateway namespace of
daemon_lab (lan0 towards a LAN host, wan0 towards the upstream router), a
private bus and a Gateway with base_config() written, all removed when the
block ends, also after a failure; and the lean/full round counts."""
import contextlib
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "daemon"))
from daemon_lab import Gateway, base_config, daemon_lab, gateway_netns  # noqa: E402

# gwctl finds no daemon on this bus, so it acts on the kernel directly.
NO_BUS = {"DBUS_SYSTEM_BUS_ADDRESS": "unix:path=/nonexistent/gatewayd-test-bus"}
SOAK = os.environ.get("GW_SOAK") == "1"


def rounds(ci, soak):
    """A lean count in the test suite (CI's whole run stays well under 30
    minutes), the issue's full count when bench/soak.sh sets GW_SOAK=1."""
    return soak if SOAK else ci


def percentiles(values):
    """min / median / max of a non-empty list, for the printed figures."""
    s = sorted(values)
    return s[0], s[len(s) // 2], s[-1]


@contextlib.contextmanager
def gateway(tag, gatewayd, gwctl, config=None):
    """Yields (Gateway, lan namespace, upstream namespace, workdir)."""
    with daemon_lab(tag) as (lab, wd, bus):
        os.chmod(wd, 0o755)  # files here are read by other uids in some tests
        gw, lan, up = gateway_netns(lab)
        g = Gateway(lab, gw, gatewayd, gwctl, wd, bus)
        g.write_config(config if config is not None else base_config())
        yield g, lan, up, wd
