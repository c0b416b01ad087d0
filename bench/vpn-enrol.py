#!/usr/bin/env python3
"""Enrols nodes through the real path and times each from the operator's accept to the
certificate in the node's hands. Plays the operator on the daemon's admin socket (the same
JSON lines `walt vpn monitor` speaks) and the nodes through `ip netns exec NS ssh ...`.

usage: vpn-enrol.py ADMIN_SOCKET NODE_NS SSH_PREFIX_FILE KEYDIR FIRST LAST [PARALLEL]
SSH_PREFIX_FILE holds the node's ssh command, one argument per line, up to the key option
(the script adds `-i KEY walt-vpn-enroll@SERVER enroll MAC`); the certificates are written to
KEYDIR/node-I-cert.pub for I in FIRST..LAST. Prints one latency per line (seconds), then `median`."""
import json, socket, subprocess, sys, time, base64, hashlib, threading

admin, ns, prefix_file, keydir, first, last = sys.argv[1:7]
parallel = int(sys.argv[7]) if len(sys.argv) > 7 else 1
first, last = int(first), int(last)
n = last - first + 1
prefix = open(prefix_file).read().split("\n")
prefix = [a for a in prefix if a]
server = prefix.pop()  # last line: user@host

def fingerprint(pub):
    blob = base64.b64decode(open(pub).read().split()[1])
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")

mon = socket.socket(socket.AF_UNIX)
mon.connect(admin)
f = mon.makefile("rwb", buffering=0)
f.write(b'{"op":"monitor"}\n')
assert json.loads(f.readline())["status"] == "monitoring"

accepted_at = {}
done = {}
errors = []
lock = threading.Lock()

def operator():
    for line in f:
        e = json.loads(line)
        if e.get("event") == "request":
            with lock:
                accepted_at[e["fingerprint"]] = time.monotonic()
            f.write(json.dumps({"op": "decide", "id": e["id"], "accept": True, "fingerprint": e["fingerprint"], "mac": e["mac"]}).encode() + b"\n")

threading.Thread(target=operator, daemon=True).start()

def node(i):
    key = f"{keydir}/node-{i}"
    mac = "b8:27:eb:%02x:%02x:%02x" % (0x40, i >> 8, i & 0xff)
    cmd = ["ip", "netns", "exec", ns] + prefix + ["-i", key, server, "enroll", mac]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    t = time.monotonic()
    # netcat relays the daemon's framed lines as they are: "out"/"err" lines, last "exit N".
    lines = r.stdout.splitlines()
    status = [l[5:] for l in lines if l.startswith("exit ")]
    if r.returncode != 0 or status[-1:] != ["0"]:
        with lock:
            errors.append(f"node {i}: enrolment failed ({r.returncode}, {status}): {r.stderr.strip()} {r.stdout.strip()}")
        return
    open(f"{key}-cert.pub", "w").write("".join(l[4:] + "\n" for l in lines if l.startswith("out ")))
    with lock:
        done[i] = t - accepted_at[fingerprint(key + ".pub")]

threads = []
for i in range(first, last + 1):
    t = threading.Thread(target=node, args=(i,))
    t.start()
    threads.append(t)
    if len(threads) >= parallel:
        threads.pop(0).join()
for t in threads:
    t.join()
if errors:
    sys.exit("\n".join(errors))
lat = sorted(done.values())
if len(lat) != n:
    sys.exit(f"only {len(lat)} of {n} nodes enrolled")
for x in lat:
    print(f"{x:.3f}")
print(f"median {lat[len(lat) // 2]:.3f}")
