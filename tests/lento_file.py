"""An independent reader and writer of .lento files (docs/format.md), for
the export and report tests: the oracle the exporters are compared with,
and a generator of large or hostile profiles without running Python code.

Written from the format document, not from src/core/store.c.
"""
import struct
from collections import defaultdict

MAGIC = b"LENTOPRF"


class Profile:
    def __init__(self, tick=1e-9):
        self.tick = tick
        self.meta = {}
        self.funcs = []     # (kind, file, line, name); kind 0 python, 1 builtin
        self.threads = []   # (ident, name, nodes); node = (parent, func, calls, total, self)
        self.lines = {}     # LINE section: {(file, first, name): (last, [(line, hits, time)])}
        self.procs = []     # PROC section: dicts pid, ppid, first, n, status, flags, wall, command

    # --- derived figures, computed here from the trees alone -------------
    def ns(self, ticks):
        assert self.tick == 1e-9, "tests assume the default 1 ns clock"
        return ticks

    def total(self):
        """Sum of inclusive time of the top-level calls of every thread."""
        return sum(n[3] for _, _, nodes in self.threads for n in nodes[1:] if n[0] == 0)

    def thread_total(self, t):
        return sum(n[3] for n in self.threads[t][2][1:] if n[0] == 0)

    def self_by_func(self):
        out = defaultdict(int)
        for _, _, nodes in self.threads:
            for n in nodes[1:]:
                out[n[1]] += n[4]
        return out

    def calls_by_func(self):
        out = defaultdict(int)
        for _, _, nodes in self.threads:
            for n in nodes[1:]:
                out[n[1]] += n[2]
        return out

    def edge_calls(self):
        """{(caller, callee): calls} over all threads (no edge from the root)."""
        out = defaultdict(int)
        for _, _, nodes in self.threads:
            for n in nodes[1:]:
                if n[0] != 0:
                    out[(nodes[n[0]][1], n[1])] += n[2]
        return out

    def paths(self, t):
        """[(tuple of func indices, outermost first), node] for thread t."""
        nodes = self.threads[t][2]
        path = {0: ()}
        out = []
        for i, n in enumerate(nodes[1:], 1):
            path[i] = path[n[0]] + (n[1],)
            out.append((path[i], n))
        return out

    # --- the file ----------------------------------------------------------
    def encode(self):
        def s(x):
            b = x.encode("utf-8", "surrogatepass")
            return struct.pack("<I", len(b)) + b

        def section(tag, payload):
            return tag + struct.pack("<Q", len(payload)) + payload

        out = [MAGIC, struct.pack("<Id", 1, self.tick)]
        if self.meta:
            p = struct.pack("<I", len(self.meta)) + b"".join(
                s(k) + s(v) for k, v in self.meta.items())
            out.append(section(b"META", p))
        p = [struct.pack("<I", len(self.funcs))]
        for kind, file, line, name in self.funcs:
            p.append(struct.pack("<BI", kind, line) + s(file) + s(name))
        out.append(section(b"FUNC", b"".join(p)))
        for ident, name, nodes in self.threads:
            p = [struct.pack("<Q", ident), s(name), struct.pack("<I", len(nodes))]
            for parent, func, calls, total, self_ in nodes:
                p.append(struct.pack("<IIQqq", parent, func, calls, total, self_))
            out.append(section(b"THRD", b"".join(p)))
        if self.lines:
            p = [struct.pack("<I", len(self.lines))]
            for (file, first, name), (last, rows) in self.lines.items():
                p.append(s(file) + struct.pack("<II", first, last) + s(name)
                         + struct.pack("<I", len(rows)))
                p.extend(struct.pack("<IQq", *r) for r in rows)
            out.append(section(b"LINE", b"".join(p)))
        out.append(section(b"END ", b""))
        return b"".join(out)

    def write(self, path):
        with open(path, "wb") as f:
            f.write(self.encode())


def read(path):
    data = open(path, "rb").read()
    assert data[:8] == MAGIC, "not a lento profile"
    version, tick = struct.unpack_from("<Id", data, 8)
    assert version == 1
    p = Profile(tick)
    off = 20

    def string(buf, o):
        (n,) = struct.unpack_from("<I", buf, o)
        return buf[o + 4:o + 4 + n].decode("utf-8", "surrogatepass"), o + 4 + n

    while True:
        tag = data[off:off + 4]
        (length,) = struct.unpack_from("<Q", data, off + 4)
        body = data[off + 12:off + 12 + length]
        off += 12 + length
        if tag == b"END ":
            break
        if tag == b"META":
            (n,) = struct.unpack_from("<I", body, 0)
            o = 4
            for _ in range(n):
                k, o = string(body, o)
                v, o = string(body, o)
                p.meta[k] = v
        elif tag == b"FUNC":
            (n,) = struct.unpack_from("<I", body, 0)
            o = 4
            for _ in range(n):
                kind, line = struct.unpack_from("<BI", body, o)
                file, o = string(body, o + 5)
                name, o = string(body, o)
                p.funcs.append((kind, file, line, name))
        elif tag == b"THRD":
            (ident,) = struct.unpack_from("<Q", body, 0)
            name, o = string(body, 8)
            (n,) = struct.unpack_from("<I", body, o)
            o += 4
            nodes = [struct.unpack_from("<IIQqq", body, o + 32 * i) for i in range(n)]
            p.threads.append((ident, name, nodes))
        elif tag == b"LINE":
            # {(file, first line, name): (last line, [(line, hits, time)])}
            (n,) = struct.unpack_from("<I", body, 0)
            o = 4
            for _ in range(n):
                file, o = string(body, o)
                first, last = struct.unpack_from("<II", body, o)
                name, o = string(body, o + 8)
                (k,) = struct.unpack_from("<I", body, o)
                o += 4
                rows = [struct.unpack_from("<IQq", body, o + 20 * i) for i in range(k)]
                o += 20 * k
                p.lines[(file, first, name)] = (last, rows)
        elif tag == b"PROC":
            (n,) = struct.unpack_from("<I", body, 0)
            o = 4
            for _ in range(n):
                pid, ppid, first, nth, status, flags, wall = struct.unpack_from("<QQIIqId", body, o)
                command, o = string(body, o + 44)
                p.procs.append(dict(pid=pid, ppid=ppid, first=first, n=nth, status=status,
                                    flags=flags, wall=wall, command=command))
    return p


def process_calls(p, proc):
    """{function name: calls} over the threads of one process (a PROC entry)."""
    out = defaultdict(int)
    for _, _, nodes in p.threads[proc["first"]:proc["first"] + proc["n"]]:
        for n in nodes[1:]:
            out[p.funcs[n[1]][3]] += n[2]
    return out


def frame_name(func):
    """lento's frame label (src/report/label.c), for comparing names."""
    kind, file, line, name = func
    if kind == 1:
        return name
    parts = file.split("/")
    short = "/".join(parts[-2:]) if len(parts) > 2 else file
    return "%s (%s:%d)" % (name, short, line)


def synthetic(n_funcs=10_000, seed=1, depth=12, tick=1e-9, names=None, n_nodes=None):
    """A large profile: n_funcs Python functions, each called on at least one
    path of a tree about `depth` deep, with consistent figures (total = self +
    children's totals).  With n_nodes > n_funcs, functions appear on several
    paths (node k calls function k % n_funcs)."""
    import random
    rnd = random.Random(seed)
    p = Profile(tick)
    p.meta = {"command": "synthetic.py %d" % n_funcs, "wall_seconds": "1.5"}
    for i in range(n_funcs):
        name = names[i] if names and i < len(names) else "func_%05d" % i
        p.funcs.append((0, "/srv/app/pkg%02d/mod%03d.py" % (i % 37, i % 211), 10 + i, name))
    # each function becomes a node; parent chosen among earlier nodes of
    # lower depth, so that the tree is wide and about `depth` deep
    nodes = [(0, 0xFFFFFFFF, 0, 0, 0)]
    depths = [0]
    for k in range(max(n_nodes or n_funcs, n_funcs)):
        f = k % n_funcs
        while True:
            parent = rnd.randrange(len(nodes)) if len(nodes) > 1 and rnd.random() < 0.97 else 0
            if depths[parent] < depth:
                break
        nodes.append([parent, f, rnd.randint(1, 5000), 0, rnd.randint(1_000, 2_000_000)])
        depths.append(depths[parent] + 1)
    # totals bottom-up (children follow parents)
    for i in range(len(nodes) - 1, 0, -1):
        nodes[i][3] += nodes[i][4]
        if nodes[i][0]:
            nodes[nodes[i][0]][3] += nodes[i][3]
    p.threads.append((1, "MainThread", [tuple(n) for n in nodes]))
    return p
