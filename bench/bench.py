#!/usr/bin/env python3
"""Benchmarks the provider against HashiCorp's Go null provider.

Runs everything side by side in one invocation and prints one table:
medians of several runs, with min and max. See README.md, "Performance".

Each run measures what Terraform users wait for: whole `terraform apply`
then `terraform destroy` runs (wall and CPU time of Terraform and the
provider processes it starts), the plugin handshake, the providers' peak
memory and binary size, and whether API latency is paid in parallel.
"""

import argparse
import ctypes
import json
import math
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = os.environ.get("CARGO_TARGET_DIR") or os.path.join(ROOT, "target")
PROVIDER = os.path.join(TARGET, "release", "terraform-provider-ncloud")
EMULATOR = os.path.join(TARGET, "release", "ncloud-emulator")
NULL_PROVIDER = os.path.join(ROOT, ".tools", "null-2.1.2", "terraform-provider-null_v2.1.2_x4")
TERRAFORM_1_0 = os.path.join(ROOT, ".tools", "terraform-1.0.3", "terraform")

MAGIC_COOKIE = ("TF_PLUGIN_MAGIC_COOKIE",
                "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2")
CLUSTER = "1037000"
BUCKET = "ses-snapshots"
ACCESS_KEY = "ncloud-emulator-access-key"
SECRET_KEY = "ncloud-emulator-secret-key"

# The targets, as ratios of ours to the reference (or to the ideal).
TARGETS = {
    "wall": 1.0,
    "cpu": 0.75,
    "handshake": 0.1,
    "rss": 0.3,
    "size": 0.4,
    "latency": 1.2,
}

PR_SET_CHILD_SUBREAPER = 36


def log(message):
    print(message, file=sys.stderr, flush=True)


# --- Terraform working directories -------------------------------------------

def null_config(count):
    return f"""
terraform {{
  required_providers {{
    null = {{ source = "hashicorp/null" }}
  }}
}}

resource "null_resource" "r" {{
  count = {count}
}}
"""


def null_triggers_config(count):
    """The reference with as much data per resource as ours: Terraform's
    own work per resource grows with the attributes it plans, diffs, stores
    and prints, so this tells Terraform's share from the provider's."""
    triggers = "".join(f'    attribute_{i} = "value-{i}-${{count.index}}"\n' for i in range(11))
    return null_config(count).replace(
        f"count = {count}\n", f"count = {count}\n  triggers = {{\n{triggers}  }}\n")


def ncloud_config(count):
    return f"""
terraform {{
  required_providers {{
    ncloud = {{ source = "ncloud-rs/ncloud" }}
  }}
}}

provider "ncloud" {{}}

resource "ncloud_searchengine_snapshot" "s" {{
  count                     = {count}
  service_group_instance_no = "{CLUSTER}"
  snapshot_name             = "bench-${{count.index}}"
  bucket_name               = "{BUCKET}"
}}
"""


class Plugins:
    """Directories that dev_overrides point at, one per way of running a
    provider: the binary itself, or a wrapper that records peak memory."""

    def __init__(self, base):
        self.base = base
        self.rss_log = os.path.join(base, "rss.log")
        self.direct = self._dir("direct", wrap=False)
        self.wrapped = self._dir("wrapped", wrap=True)

    def _dir(self, name, wrap):
        directory = os.path.join(self.base, name)
        os.makedirs(directory)
        for short, real in (("null", NULL_PROVIDER), ("ncloud", PROVIDER)):
            path = os.path.join(directory, "terraform-provider-" + short)
            if wrap:
                write_rss_wrapper(path, real, self.rss_log)
            else:
                os.symlink(real, path)
        return directory

    def cli_config(self, wrapped):
        directory = self.wrapped if wrapped else self.direct
        path = os.path.join(self.base, "wrapped.rc" if wrapped else "direct.rc")
        with open(path, "w") as f:
            f.write(
                "provider_installation {\n"
                "  dev_overrides {\n"
                f'    "hashicorp/null"   = "{directory}"\n'
                f'    "ncloud-rs/ncloud" = "{directory}"\n'
                "  }\n"
                "  direct {}\n"
                "}\n"
            )
        return path

    def read_rss(self):
        """Peak RSS in KiB of each provider process since the last call."""
        if not os.path.exists(self.rss_log):
            return []
        with open(self.rss_log) as f:
            values = [line.split() for line in f if line.strip()]
        values = [(int(rss), float(cpu)) for rss, cpu in values]
        os.remove(self.rss_log)
        return values


def write_rss_wrapper(path, real, rss_log):
    # The wrapper runs the provider as its child and reads the child's
    # VmHWM from /proc every few milliseconds until it exits; the last
    # reading is its peak. ru_maxrss from wait4 would not do: it keeps the
    # high-water mark of the forked Python from before the exec, which is
    # larger than our provider's. The child inherits stdout and so writes
    # the handshake line straight to Terraform; signals Terraform sends to
    # the wrapper are passed on. CPU time does come from wait4.
    with open(path, "w") as f:
        f.write(f"""#!/usr/bin/env python3
import os, signal, sys, time
pid = os.fork()
if pid == 0:
    os.execv({real!r}, [{real!r}] + sys.argv[1:])
for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
    signal.signal(sig, lambda number, frame: os.kill(pid, number))
exe = os.path.realpath({real!r})
peak = 0
while True:
    try:
        done, status, usage = os.wait4(pid, os.WNOHANG)
    except InterruptedError:
        continue
    if done:
        break
    try:
        if os.path.realpath("/proc/%d/exe" % pid) == exe:
            with open("/proc/%d/status" % pid) as status_file:
                for line in status_file:
                    if line.startswith("VmHWM:"):
                        peak = int(line.split()[1])
    except OSError:
        pass
    time.sleep(0.005)
with open({rss_log!r}, "a") as log:
    log.write("%d %.4f\\n" % (peak, usage.ru_utime + usage.ru_stime))
sys.exit(os.waitstatus_to_exitcode(status) & 0xff)
""")
    os.chmod(path, 0o755)


# --- Emulator ----------------------------------------------------------------

class Emulator:
    def __init__(self, latency_ms=0):
        arguments = [EMULATOR, "--listen", "127.0.0.1:0"]
        if latency_ms:
            arguments += ["--fault", f"latency-ms={latency_ms}"]
        self.process = subprocess.Popen(arguments, stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL, text=True)
        line = self.process.stdout.readline().strip()
        prefix = "listening on "
        if not line.startswith(prefix):
            raise RuntimeError(f"unexpected first line from the emulator: {line!r}")
        self.url = line[len(prefix):]

    def counters(self):
        with urllib.request.urlopen(self.url + "/__emulator/state", timeout=30) as answer:
            state = json.load(answer)
        return dict(state["counters"]["requests_by_endpoint"])

    def stop(self):
        # Reaped here, by its own pid, so it never counts as an orphan.
        self.process.terminate()
        self.process.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def api_calls(before, after):
    return sum(after.values()) - sum(before.values())


# --- Running Terraform -------------------------------------------------------

class Workspace:
    def __init__(self, base, cli, plugins, config, emulator=None, wrapped=False):
        self.dir = tempfile.mkdtemp(dir=base)
        self.cli = cli
        with open(os.path.join(self.dir, "main.tf"), "w") as f:
            f.write(config)
        self.env = dict(os.environ)
        for name in list(self.env):
            if name.startswith("TF_") or name.startswith("NCLOUD_"):
                del self.env[name]
        self.env.update({
            "TF_CLI_CONFIG_FILE": plugins.cli_config(wrapped),
            "TF_IN_AUTOMATION": "1",
            "CHECKPOINT_DISABLE": "1",
        })
        if emulator:
            self.env.update({
                "NCLOUD_ACCESS_KEY": ACCESS_KEY,
                "NCLOUD_SECRET_KEY": SECRET_KEY,
                "NCLOUD_SEARCHENGINE_ENDPOINT": emulator.url,
            })

    def run(self, *arguments):
        """Runs one Terraform command; returns (wall seconds, CPU seconds).

        CPU time is Terraform's and that of every provider it reaped, from
        wait4. Providers that Terraform left unreaped would be re-parented
        to us (a child subreaper) and are reaped and added here, and
        counted, so that the table can say whether that happened."""
        command = [self.cli, *arguments, "-input=false", "-no-color"]
        with open(os.path.join(self.dir, "output.log"), "ab") as output:
            start = time.perf_counter()
            process = subprocess.Popen(command, cwd=self.dir, env=self.env,
                                       stdout=output, stderr=subprocess.STDOUT)
            _, status, usage = os.wait4(process.pid, 0)
            wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        cpu = usage.ru_utime + usage.ru_stime
        cpu += reap_orphans()
        if process.returncode != 0:
            with open(os.path.join(self.dir, "output.log")) as f:
                tail = f.read()[-3000:]
            raise RuntimeError(f"{' '.join(command)} failed in {self.dir}:\n{tail}")
        return wall, cpu

    def apply_destroy(self):
        wall_a, cpu_a = self.run("apply", "-auto-approve")
        wall_d, cpu_d = self.run("destroy", "-auto-approve")
        return wall_a + wall_d, cpu_a + cpu_d


ORPHANS = {"count": 0}


def reap_orphans():
    cpu = 0.0
    while True:
        try:
            pid, _, usage = os.wait4(-1, os.WNOHANG)
        except ChildProcessError:
            return cpu
        if pid == 0:
            return cpu
        ORPHANS["count"] += 1
        cpu += usage.ru_utime + usage.ru_stime


def become_subreaper():
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except OSError:
        return False


def cli_version(cli):
    output = subprocess.run([cli, "version", "-json"], capture_output=True, text=True,
                            env={**os.environ, "CHECKPOINT_DISABLE": "1"})
    return json.loads(output.stdout)["terraform_version"]


# --- Measurements ------------------------------------------------------------

def bench_null(base, cli, plugins, count, config=null_config):
    workspace = Workspace(base, cli, plugins, config(count))
    return workspace.apply_destroy()


def bench_ncloud(base, cli, plugins, count, latency_ms=0, counts=None):
    with Emulator(latency_ms) as emulator:
        workspace = Workspace(base, cli, plugins, ncloud_config(count), emulator)
        if counts is None:
            return workspace.apply_destroy()
        # Counting calls per phase; the plan in between is not timed.
        before = emulator.counters()
        wall_a, cpu_a = workspace.run("apply", "-auto-approve")
        applied = emulator.counters()
        workspace.run("plan")
        planned = emulator.counters()
        wall_d, cpu_d = workspace.run("destroy", "-auto-approve")
        destroyed = emulator.counters()
        counts["apply"].append(api_calls(before, applied))
        counts["plan"].append(api_calls(applied, planned))
        counts["destroy"].append(api_calls(planned, destroyed))
        for endpoint, total in applied.items():
            delta = total - before.get(endpoint, 0)
            counts["apply_by_endpoint"].setdefault(endpoint, []).append(delta)
        return wall_a + wall_d, cpu_a + cpu_d


def peak_rss(base, cli, plugins, count, provider):
    """Peak RSS (KiB) of the largest provider process of one apply."""
    wrapped = True
    orphans = ORPHANS["count"]
    if provider == "null":
        workspace = Workspace(base, cli, plugins, null_config(count), wrapped=wrapped)
        plugins.read_rss()
        workspace.run("apply", "-auto-approve")
        values = plugins.read_rss()
        workspace.run("destroy", "-auto-approve")
    else:
        with Emulator() as emulator:
            workspace = Workspace(base, cli, plugins, ncloud_config(count), emulator,
                                  wrapped=wrapped)
            plugins.read_rss()
            workspace.run("apply", "-auto-approve")
            values = plugins.read_rss()
            workspace.run("destroy", "-auto-approve")
    plugins.read_rss()
    # Only the timing runs' providers count for the reaping check.
    ORPHANS["count"] = orphans
    if not values:
        raise RuntimeError("the RSS wrapper recorded no provider process")
    return max(rss for rss, _ in values), sum(cpu for _, cpu in values), len(values)


def client_certificate(base):
    """A P-521 certificate as Terraform would send in PLUGIN_CLIENT_CERT."""
    key = os.path.join(base, "client.key")
    pem = os.path.join(base, "client.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec",
                    "-pkeyopt", "ec_paramgen_curve:P-521", "-nodes",
                    "-keyout", key, "-out", pem, "-days", "1",
                    "-subj", "/O=HashiCorp/CN=localhost"],
                   check=True, capture_output=True)
    with open(pem) as f:
        return f.read()


def handshake_once(binary, protocol, certificate, socket_dir):
    env = {
        "PATH": os.environ.get("PATH", ""),
        MAGIC_COOKIE[0]: MAGIC_COOKIE[1],
        "PLUGIN_PROTOCOL_VERSIONS": protocol,
        "PLUGIN_MIN_PORT": "10000",
        "PLUGIN_MAX_PORT": "25000",
        "PLUGIN_CLIENT_CERT": certificate,
        "PLUGIN_UNIX_SOCKET_DIR": socket_dir,
    }
    start = time.perf_counter()
    process = subprocess.Popen([binary], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL)
    line = process.stdout.readline()
    elapsed = time.perf_counter() - start
    process.kill()
    process.wait()
    fields = line.decode().strip().split("|")
    if len(fields) != 6 or not fields[5]:
        raise RuntimeError(f"{binary} answered no handshake with a certificate: {line!r}")
    return elapsed


def bench_handshake(base, count):
    certificate = client_certificate(base)
    socket_dir = tempfile.mkdtemp(dir=base)
    times = {"ours": [], "reference": []}
    for _ in range(count):
        times["reference"].append(handshake_once(NULL_PROVIDER, "5", certificate, socket_dir))
        times["ours"].append(handshake_once(PROVIDER, "6", certificate, socket_dir))
    return times


def stripped_size(binary, base):
    copy = os.path.join(base, os.path.basename(binary) + ".stripped")
    shutil.copyfile(binary, copy)
    if shutil.which("strip"):
        subprocess.run(["strip", copy], check=True, capture_output=True)
    return os.path.getsize(copy)


# --- Report ------------------------------------------------------------------

def spread(values, unit="", scale=1.0, digits=2):
    values = [v * scale for v in values]
    fmt = f"{{:.{digits}f}}"
    median = fmt.format(statistics.median(values))
    return f"{median}{unit} [{fmt.format(min(values))}-{fmt.format(max(values))}]"


def ratio_cell(ours, reference, target):
    ratio = statistics.median(ours) / statistics.median(reference)
    verdict = "ok" if ratio <= target else "MISSED"
    return f"{ratio:.2f}x (target <= {target}x: {verdict})", ratio <= target


def machine():
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    load = os.getloadavg()
    return (f"{os.cpu_count()} cores ({model}), Linux {platform.release()}, "
            f"load average at start {load[0]:.2f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs of each timed workload")
    parser.add_argument("--resources", type=int, default=200)
    parser.add_argument("--handshakes", type=int, default=50)
    parser.add_argument("--latency-resources", type=int, default=100)
    parser.add_argument("--latency-ms", type=int, default=100)
    parser.add_argument("--parallelism", type=int, default=10)
    options = parser.parse_args()

    for path in (PROVIDER, EMULATOR, NULL_PROVIDER, TERRAFORM_1_0):
        if not os.access(path, os.X_OK):
            sys.exit(f"error: {path} is missing; run `make bench`, which builds and installs it")
    modern = shutil.which("terraform")
    if not modern:
        sys.exit("error: no terraform on PATH")
    clis = [(cli_version(cli), cli) for cli in (TERRAFORM_1_0, modern)]
    subreaper = become_subreaper()
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    host = machine()

    base = tempfile.mkdtemp(prefix="ncloud-bench-")
    try:
        rows, verdicts = run_all(base, clis, options)
    finally:
        shutil.rmtree(base, ignore_errors=True)

    print(f"\nmake bench, {started}; {host}")
    print(f"medians of {options.runs} runs [min-max]; CPU is Terraform plus the providers "
          f"it reaped ({'verified: ' + str(ORPHANS['count']) + ' left unreaped' if subreaper else 'unverified: no subreaper'})\n")
    width = max(len(r[0]) for r in rows)
    widths = [width] + [max(len(r[i]) for r in rows) for i in range(1, 4)]
    for row in rows:
        print(" | ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
    missed = [name for name, held in verdicts if not held]
    print("\nall targets held" if not missed else "\ntargets missed: " + ", ".join(missed))


def run_all(base, clis, options):
    plugins = Plugins(base)
    n = options.resources
    header = ("measurement", "ours", "reference (Go null 2.1.2)", "ratio")
    rows = [header, tuple("-" * len(h) for h in header)]
    verdicts = []

    for version, cli in clis:
        walls = {"ours": [], "reference": [], "triggers": []}
        cpus = {"ours": [], "reference": [], "triggers": []}
        bench_null(base, cli, plugins, 10)  # warm the page cache for both
        bench_ncloud(base, cli, plugins, 10)
        for run in range(options.runs):
            log(f"terraform {version}: {n} resources, run {run + 1}/{options.runs}")
            # Interleaved, so that the machine's load falls on all alike.
            for kind, measure in (
                ("reference", lambda: bench_null(base, cli, plugins, n)),
                ("ours", lambda: bench_ncloud(base, cli, plugins, n)),
                ("triggers", lambda: bench_null(base, cli, plugins, n, null_triggers_config)),
            ):
                wall, cpu = measure()
                walls[kind].append(wall)
                cpus[kind].append(cpu)
        for name, values in (("wall", walls), ("cpu", cpus)):
            cell, held = ratio_cell(values["ours"], values["reference"], TARGETS[name])
            verdicts.append((f"{name} on terraform {version}", held))
            label = "wall" if name == "wall" else "CPU"
            rows.append((f"{n} resources apply+destroy, {label}, terraform {version}",
                         spread(values["ours"], " s"), spread(values["reference"], " s"), cell))
            like = statistics.median(values["ours"]) / statistics.median(values["triggers"])
            rows.append((f"  same, reference given 11 string triggers (ours has 11 attributes)",
                         "", spread(values["triggers"], " s"), f"{like:.2f}x (for context)"))

    log(f"handshake latency, {options.handshakes} of each")
    times = bench_handshake(base, options.handshakes)
    cell, held = ratio_cell(times["ours"], times["reference"], TARGETS["handshake"])
    verdicts.append(("handshake", held))
    rows.append(("handshake: exec to handshake line (mTLS)",
                 spread(times["ours"], " ms", 1000, 1),
                 spread(times["reference"], " ms", 1000, 1), cell))

    for version, cli in clis:
        rss = {"ours": [], "reference": []}
        own_cpu = {"ours": [], "reference": []}
        processes = {}
        for run in range(min(options.runs, 3)):
            log(f"terraform {version}: peak RSS, run {run + 1}")
            for kind, provider in (("reference", "null"), ("ours", "ncloud")):
                value, cpu, processes[kind] = peak_rss(base, cli, plugins, n, provider)
                rss[kind].append(value)
                own_cpu[kind].append(cpu)
        cell, held = ratio_cell(rss["ours"], rss["reference"], TARGETS["rss"])
        verdicts.append((f"rss on terraform {version}", held))
        rows.append((f"peak RSS of a provider process in a {n}-resource apply, "
                     f"terraform {version} ({processes['ours']} / {processes['reference']} processes)",
                     spread(rss["ours"], " MiB", 1 / 1024, 1),
                     spread(rss["reference"], " MiB", 1 / 1024, 1), cell))
        like = statistics.median(own_cpu["ours"]) / statistics.median(own_cpu["reference"])
        rows.append((f"  CPU of the provider processes alone in that apply, terraform {version}",
                     spread(own_cpu["ours"], " s"), spread(own_cpu["reference"], " s"),
                     f"{like:.2f}x (for context)"))

    sizes = {"ours": [stripped_size(PROVIDER, base)],
             "reference": [stripped_size(NULL_PROVIDER, base)]}
    cell, held = ratio_cell(sizes["ours"], sizes["reference"], TARGETS["size"])
    verdicts.append(("binary size", held))
    rows.append(("stripped binary size", f"{sizes['ours'][0] / 2**20:.1f} MiB",
                 f"{sizes['reference'][0] / 2**20:.1f} MiB", cell))

    latency_rows, latency_held = bench_latency(base, clis[-1], plugins, options)
    rows.extend(latency_rows)
    verdicts.append(("latency-bound", latency_held))
    return rows, verdicts


def bench_latency(base, cli_entry, plugins, options):
    version, cli = cli_entry
    n, ms, parallelism = options.latency_resources, options.latency_ms, options.parallelism
    counts = {"apply": [], "plan": [], "destroy": [], "apply_by_endpoint": {}}
    zero, slow = [], []
    for run in range(options.runs):
        log(f"terraform {version}: {n} snapshots at {ms} ms latency, run {run + 1}")
        zero.append(bench_ncloud(base, cli, plugins, n)[0])
        slow.append(bench_ncloud(base, cli, plugins, n, latency_ms=ms, counts=counts)[0])
    per_snapshot = {phase: statistics.median(counts[phase]) / n
                    for phase in ("apply", "plan", "destroy")}
    calls = per_snapshot["apply"] + per_snapshot["destroy"]
    rounds = math.ceil(n / parallelism)
    ideal = [z + rounds * calls * ms / 1000 for z in zero]
    cell, held = ratio_cell(slow, ideal, TARGETS["latency"])
    by_endpoint = ", ".join(f"{endpoint} {statistics.median(values) / n:.2f}"
                            for endpoint, values in sorted(counts["apply_by_endpoint"].items())
                            if statistics.median(values))
    rows = [
        (f"{n} snapshots apply+destroy at {ms} ms/API call, -parallelism={parallelism}, "
         f"terraform {version}; ideal = zero-latency run + {rounds} x {calls:.2f} calls x {ms} ms",
         spread(slow, " s"), "ideal " + spread(ideal, " s"), cell),
        (f"API calls per snapshot: apply / plan / destroy ({by_endpoint} in apply)",
         f"{per_snapshot['apply']:.2f} / {per_snapshot['plan']:.2f} / {per_snapshot['destroy']:.2f}",
         "", ""),
    ]
    return rows, held


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.default_int_handler)
    main()
