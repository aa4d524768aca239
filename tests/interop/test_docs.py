"""The documentation against the code it describes.

- docs/api.md is what scripts/gen-api-docs makes from include/sslbind/sslbind.h
  (`--check`), and lists every function the header declares and the library
  exports (tests/abi/symbols.txt).
- docs/guide.md runs: its ```sh run blocks in order in a scratch directory
  (keytool makes keystore.jks and client.p12 there), its ```sh server
  commands as sslb-testserver processes on free loopback ports (in place of
  the ports the guide names), its ```c run program compiled against the
  build tree, and every ```python run and ```js run block; each block's
  output is compared with the ```text output block after it ("..." matches
  anything). Nothing leaves 127.0.0.1."""
import os
import re
import shlex
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import BUILD, ListeningProcess, free_port, need

REPO = Path(__file__).resolve().parents[2]
GEN = REPO / "scripts" / "gen-api-docs"
API = REPO / "docs" / "api.md"
GUIDE = REPO / "docs" / "guide.md"
HEADER = REPO / "include" / "sslbind" / "sslbind.h"
SYMBOLS = REPO / "tests" / "abi" / "symbols.txt"
SERVER = BUILD / "sslb-testserver"
ADDON = REPO / "bindings" / "node" / "build" / "Release" / "sslbind.node"
LIBRARY = BUILD / "libsslbind.so.0"

FENCE = re.compile(r"^```([\w+-]*)[ \t]*([\w-]*)[ \t]*\n(.*?)^```[ \t]*$", re.M | re.S)


# --------------------------------------------------------------------------
# docs/api.md
# --------------------------------------------------------------------------

def gen(*args, root=None):
    cmd = [sys.executable, str(GEN), *args]
    if root is not None:
        cmd += ["--root", str(root)]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def test_api_md_is_up_to_date():
    p = gen("--check")
    assert p.returncode == 0, f"docs/api.md is stale or the header is undocumented:\n" \
                              f"{p.stdout}{p.stderr}\n(run scripts/gen-api-docs)"


def header_functions():
    code = re.sub(r"/\*.*?\*/", " ", HEADER.read_text(), flags=re.S)
    names = set()
    for decl in re.findall(r"^SSLB_EXTERN\b([^;#]*);", code, flags=re.M):
        m = re.search(r"(\w+)\s*\(", decl)
        assert m, decl
        names.add(m.group(1))
    return names


def test_api_md_lists_every_function():
    text = API.read_text()
    assert "generated from include/sslbind/sslbind.h by scripts/gen-api-docs" in text
    assert "do not edit" in text
    declared = header_functions()
    exported = set(SYMBOLS.read_text().split())
    assert len(declared) > 150
    assert exported <= declared, f"exported but not declared: {sorted(exported - declared)}"
    missing = sorted(n for n in declared
                     if f"\n### {n}\n" not in text and f'<a id="{n.lower()}"></a>' not in text)
    assert not missing, f"functions without an entry in docs/api.md: {missing}"
    # each entry shows the prototype in a C block
    for name in declared:
        assert re.search(rf"```c\n(?:[^`]*\n)?[^`]*\b{name}\(", text), name
    # the error table has every code of the X-macro
    for name, value in re.findall(r"XX\((\w+),\s*(-\d+),", HEADER.read_text()):
        assert f"| `SSLB_ERR_{name}` | {value} | `{name}` |" in text, name


def scratch_root(tmp_path, header_text):
    (tmp_path / "include" / "sslbind").mkdir(parents=True)
    (tmp_path / "tests" / "abi").mkdir(parents=True)
    (tmp_path / "include" / "sslbind" / "sslbind.h").write_text(header_text)
    (tmp_path / "tests" / "abi" / "symbols.txt").write_text(SYMBOLS.read_text())
    return tmp_path


def test_generator_refuses_an_undocumented_function(tmp_path):
    text = HEADER.read_text()
    doc = "/** Number of anchors (system ones included). 0 for NULL. */\n"
    if doc not in text:
        pytest.skip("the header no longer has the comment this test removes")
    root = scratch_root(tmp_path, text.replace(doc, "\n"))
    p = gen(root=root)
    assert p.returncode == 2, p.stdout + p.stderr
    assert "without a doc comment" in p.stderr and "sslb_trust_manager_anchor_count" in p.stderr
    assert not (root / "docs" / "api.md").exists()


def test_check_reports_a_stale_file(tmp_path):
    root = scratch_root(tmp_path, HEADER.read_text())
    assert gen("--check", root=root).returncode == 1          # no docs/api.md yet
    assert gen(root=root).returncode == 0
    assert gen("--check", root=root).returncode == 0
    api = root / "docs" / "api.md"
    api.write_text(api.read_text().replace("### sslb_client_execute\n", "### sslb_client_run\n"))
    p = gen("--check", root=root)
    assert p.returncode == 1 and "stale" in p.stderr and "sslb_client_execute" in p.stderr


# --------------------------------------------------------------------------
# docs/guide.md
# --------------------------------------------------------------------------

class Block:
    def __init__(self, lang, tag, code, line):
        self.lang, self.tag, self.code, self.line = lang, tag, code, line
        self.output = None

    @property
    def id(self):
        return f"{self.lang}-line{self.line}"


def guide_blocks():
    text = GUIDE.read_text()
    blocks = []
    for m in FENCE.finditer(text):
        b = Block(m.group(1), m.group(2), m.group(3), text.count("\n", 0, m.start()) + 1)
        if b.lang == "text" and b.tag == "output":
            assert blocks and blocks[-1].tag == "run", \
                f"guide.md:{b.line}: an output block must follow a runnable block"
            blocks[-1].output = b.code
        else:
            blocks.append(b)
    return blocks


BLOCKS = guide_blocks()
RUN = {lang: [b for b in BLOCKS if b.lang == lang and b.tag == "run"]
       for lang in ("python", "js", "c")}


def test_guide_has_runnable_blocks_for_every_language():
    assert len(RUN["python"]) >= 8 and len(RUN["js"]) >= 8 and len(RUN["c"]) == 1
    for b in BLOCKS:
        assert b.tag in ("", "run", "server"), f"guide.md:{b.line}: unknown tag {b.tag!r}"
        if b.tag == "run":
            assert b.lang in ("sh", "python", "js", "c"), f"guide.md:{b.line}: {b.lang} run"


def matches(expected, actual):
    """Each expected line matches the next actual line ("..." inside a line is
    anything); an expected line that is only "..." skips any lines."""
    want = [ln for ln in expected.rstrip("\n").split("\n")]
    got = actual.rstrip("\n").split("\n") if actual.strip() else []
    i, skip = 0, False
    for w in want:
        if w.strip() == "...":
            skip = True
            continue
        pat = re.compile(".*".join(re.escape(part) for part in w.split("...")) + r"\s*")
        while i < len(got) and not pat.fullmatch(got[i]):
            if not skip:
                return False
            i += 1
        if i >= len(got):
            return False
        i += 1
        skip = False
    return skip or i == len(got)


class Guide:
    """The scratch directory the guide is followed in, with its servers."""

    def __init__(self, work, node_path):
        self.work = work
        self.node_path = node_path
        self.ports = {}
        self.servers = []
        self.env = dict(os.environ,
                        PATH=f"{BUILD}{os.pathsep}{os.environ.get('PATH', '')}",
                        SSLBIND=str(REPO),
                        SSLBIND_LIBRARY=str(LIBRARY),
                        PYTHONPATH=str(REPO / "bindings" / "python"),
                        NODE_PATH=str(node_path))

    def substitute(self, text):
        for old, new in self.ports.items():
            text = re.sub(rf"\b{old}\b", str(new), text)
        return text

    def check(self, block, p):
        where = f"guide.md:{block.line} ({block.lang})"
        assert p.returncode == 0, \
            f"{where} failed with status {p.returncode}:\n{p.stdout}\n{p.stderr}"
        if block.output is not None:
            expected = self.substitute(block.output)
            # a shell block shows what a terminal shows: stderr, then stdout
            out = p.stderr + p.stdout if block.lang == "sh" else p.stdout
            assert matches(expected, out), \
                f"{where}: output differs from the guide.\nexpected:\n{expected}\n" \
                f"got:\n{p.stdout}\nstderr:\n{p.stderr}"

    def run(self, args, **kw):
        return subprocess.run(args, cwd=self.work, env=self.env, capture_output=True,
                              text=True, timeout=120, **kw)


@pytest.fixture(scope="module")
def guide(tmp_path_factory):
    need("keytool")
    for f in (SERVER, LIBRARY):
        assert f.exists(), f"{f} missing: build first (scripts/build build)"
    work = tmp_path_factory.mktemp("guide")
    node_path = tmp_path_factory.mktemp("node_path")
    (node_path / "sslbind").symlink_to(REPO / "bindings" / "node", target_is_directory=True)
    g = Guide(work, node_path)
    try:
        # the shell steps and the servers, in the guide's order
        for b in BLOCKS:
            if b.lang != "sh" or b.tag not in ("run", "server"):
                continue
            if b.tag == "run":
                p = g.run(["bash", "-euo", "pipefail", "-c", g.substitute(b.code)])
                g.check(b, p)
                continue
            for line in b.code.strip().split("\n"):
                argv = shlex.split(line)
                assert argv and argv[0] == "sslb-testserver", f"guide.md:{b.line}: {line}"
                if argv[-1] == "&":
                    argv.pop()
                i = argv.index("--port")
                port = int(argv[i + 1])
                g.ports[port] = free_port()
                argv[i + 1] = str(g.ports[port])
                g.servers.append(ListeningProcess(work / f"server-{port}.log",
                                                  [SERVER, "--quiet", *argv[1:]], cwd=work))
        assert g.servers, "the guide starts no server"
        yield g
    finally:
        for s in g.servers:
            s.stop_clean()


@pytest.mark.parametrize("block", RUN["python"], ids=[b.id for b in RUN["python"]])
def test_guide_python(guide, block):
    script = guide.work / f"guide_{block.line}.py"
    script.write_text(guide.substitute(block.code))
    guide.check(block, guide.run([sys.executable, str(script)]))


@pytest.fixture(scope="module")
def node_addon():
    """The Node addon, built against BUILD when it is not there yet (the
    build script does nothing when it is up to date)."""
    need("node")
    p = subprocess.run(["node", str(REPO / "bindings" / "node" / "scripts" / "build-addon.js")],
                       capture_output=True, text=True, timeout=600,
                       env=dict(os.environ, SSLB_BUILD_DIR=str(BUILD)))
    assert p.returncode == 0 and ADDON.exists(), p.stdout + p.stderr
    return ADDON


@pytest.mark.parametrize("block", RUN["js"], ids=[b.id for b in RUN["js"]])
def test_guide_node(guide, block, node_addon):
    script = guide.work / f"guide_{block.line}.js"
    script.write_text(guide.substitute(block.code))
    guide.check(block, guide.run(["node", str(script)]))


@pytest.mark.parametrize("block", RUN["c"], ids=[b.id for b in RUN["c"]])
def test_guide_c(guide, block):
    need("cc")
    src = guide.work / f"guide_{block.line}.c"
    exe = guide.work / f"guide_{block.line}"
    src.write_text(guide.substitute(block.code))
    p = guide.run(["cc", "-std=c11", "-Wall", "-Wextra", "-Werror", str(src), "-o", str(exe),
                   f"-I{REPO / 'include'}", f"-I{BUILD / 'include'}", f"-L{BUILD}",
                   f"-Wl,-rpath,{BUILD}", "-lsslbind"])
    assert p.returncode == 0, f"guide.md:{block.line}: does not compile:\n{p.stderr}"
    guide.check(block, guide.run([str(exe)]))


def test_output_matching():
    assert matches("a\n...\nc", "a\nb\nb\nc\n")
    assert matches("x ... z", "x y z")
    assert not matches("a\nc", "a\nb\nc")
    assert not matches("a", "a\nb")
    assert matches("a\n...", "a\nb")
