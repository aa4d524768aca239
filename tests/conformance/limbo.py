#!/usr/bin/env python3
"""Runs the x509-limbo cases through sslbind's verifier (ctypes on
libsslbind) and compares with the expected results.

  limbo.py [--cases FILE] [--allow FILE] [--write-allow] [--show N]

Every SERVER case with a DNS or IP peer name runs; CLIENT cases are out of
scope (a TLS client verifies servers). The run fails on a mismatch not in
the allow-list (a new false accept above all), on more than MAX_MISMATCHES
mismatches in all, on an allow-list entry without its reason, and on an
entry that now agrees (stale: take it out with --write-allow). The
allow-list (limbo-allowlist.tsv: id, kind, reason) names the known
divergences, each with the reason sslbind diverges."""
import argparse
import ctypes
import datetime
import gzip
import json
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
BUILD = Path(os.environ.get("SSLB_BUILD_DIR", ROOT / "build"))
# shared/ sits beside the checkout (SSLB_SHARED_DIR overrides)
SHARED = Path(os.environ.get("SSLB_SHARED_DIR", ROOT.parent / "shared"))
DEFAULT_CASES = SHARED / "conformance" / "x509-limbo-cases.json.gz"
# GnuTLS 3.7.9 alone disagrees with 220 cases; sslbind's own checks on top
# must keep it to this many, every one of them justified in the allow-list
MAX_MISMATCHES = 60

lib = ctypes.CDLL(str(BUILD / "libsslbind.so"))
P = ctypes.c_void_p
lib.sslb_error_name.restype = ctypes.c_char_p
lib.sslb_error_name.argtypes = [ctypes.c_int]
lib.sslb_trust_builder_new.argtypes = [ctypes.POINTER(P)]
lib.sslb_trust_builder_free.argtypes = [P]
lib.sslb_trust_builder_replace_defaults.argtypes = [P]
lib.sslb_trust_builder_add_data.argtypes = [P, ctypes.c_char_p, ctypes.c_size_t]
lib.sslb_trust_builder_add_crl.argtypes = [P, ctypes.c_char_p, ctypes.c_size_t]
lib.sslb_trust_builder_set_time.argtypes = [P, ctypes.c_int64]
lib.sslb_trust_builder_build.argtypes = [P, ctypes.POINTER(P)]
lib.sslb_trust_builder_last_error.argtypes = [P]
lib.sslb_trust_builder_last_error.restype = ctypes.c_char_p
lib.sslb_trust_manager_free.argtypes = [P]
lib.sslb_certificate_new.argtypes = [ctypes.POINTER(P), ctypes.c_char_p, ctypes.c_size_t]
lib.sslb_certificate_free.argtypes = [P]
lib.sslb_trust_manager_verify.argtypes = [P, ctypes.POINTER(P), ctypes.c_size_t,
                                          ctypes.c_char_p, ctypes.POINTER(ctypes.c_char_p)]
lib.sslb_free.argtypes = [P]


def run_case(c):
    """Returns (accepted: bool, detail: str)."""
    b = P()
    assert lib.sslb_trust_builder_new(ctypes.byref(b)) == 0
    tm = P()
    certs = []
    try:
        lib.sslb_trust_builder_replace_defaults(b)
        for pem in c["trusted_certs"]:
            data = pem.encode()
            rc = lib.sslb_trust_builder_add_data(b, data, len(data))
            if rc:
                return False, "anchor: " + lib.sslb_error_name(rc).decode()
        for crl in c.get("crls") or []:
            data = crl.encode()
            lib.sslb_trust_builder_add_crl(b, data, len(data))
        if c.get("validation_time"):
            t = datetime.datetime.fromisoformat(c["validation_time"].replace("Z", "+00:00"))
            lib.sslb_trust_builder_set_time(b, int(t.timestamp()))
        rc = lib.sslb_trust_builder_build(b, ctypes.byref(tm))
        if rc:
            return False, "build: " + lib.sslb_error_name(rc).decode()
        for pem in [c["peer_certificate"]] + list(c["untrusted_intermediates"]):
            cert = P()
            data = pem.encode()
            rc = lib.sslb_certificate_new(ctypes.byref(cert), data, len(data))
            if rc:
                return False, "parse: " + lib.sslb_error_name(rc).decode()
            certs.append(cert)
        arr = (P * len(certs))(*certs)
        name = c["expected_peer_name"]["value"].encode()
        rc = lib.sslb_trust_manager_verify(tm, arr, len(certs), name, None)
        return rc == 0, lib.sslb_error_name(rc).decode()
    finally:
        for cert in certs:
            lib.sslb_certificate_free(cert)
        lib.sslb_trust_manager_free(tm)
        lib.sslb_trust_builder_free(b)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", default=str(DEFAULT_CASES))
    ap.add_argument("--allow", default=str(HERE / "limbo-allowlist.tsv"))
    ap.add_argument("--write-allow", action="store_true",
                    help="rewrite the allow-list from this run, keeping known reasons")
    ap.add_argument("--show", type=int, default=0, help="print N mismatches")
    a = ap.parse_args()
    if not os.path.exists(a.cases):
        print(f"x509-limbo: the cases file {a.cases} is missing (shared/ must sit beside "
              "the checkout, or set SSLB_SHARED_DIR)")
        return 1
    cases = json.load(gzip.open(a.cases))["testcases"]
    allow = {}
    if os.path.exists(a.allow):
        for line in open(a.allow, encoding="utf-8"):
            if line.strip() and not line.startswith("#"):
                f = line.rstrip("\n").split("\t")
                allow[f[0]] = (f[1], f[2] if len(f) > 2 else "")
    ran = skipped = 0
    mismatches = {}
    for c in cases:
        peer = c.get("expected_peer_name") or {}
        if c["validation_kind"] != "SERVER" or peer.get("kind") not in ("DNS", "IP"):
            skipped += 1
            continue
        ran += 1
        accepted, detail = run_case(c)
        want = c["expected_result"] == "SUCCESS"
        if accepted != want:
            mismatches[c["id"]] = ("false-accept" if accepted else "false-reject", detail)
    fa = sorted(i for i, (k, _) in mismatches.items() if k == "false-accept")
    fr = sorted(i for i, (k, _) in mismatches.items() if k == "false-reject")
    new = sorted(i for i in mismatches if i not in allow or allow[i][0] != mismatches[i][0])
    stale = sorted(i for i in allow if i not in mismatches)
    print(f"x509-limbo: {ran} cases run, {skipped} out of scope (CLIENT or no peer name)")
    print(f"x509-limbo: {len(mismatches)} mismatches ({len(fa)} false accepts, "
          f"{len(fr)} false rejects); GnuTLS 3.7.9 alone: 220 (100 false accepts)")
    for i in list(sorted(mismatches))[: a.show]:
        print(f"  {i}\t{mismatches[i][0]}\t{mismatches[i][1]}")
    if stale:
        print(f"x509-limbo: {len(stale)} allow-list entries now agree (stale): {' '.join(stale[:10])}")
    if a.write_allow:
        with open(a.allow, "w", encoding="utf-8") as f:
            f.write("# x509-limbo divergences of sslbind's verifier: id, kind, reason\n")
            for i in sorted(mismatches):
                reason = allow.get(i, ("", ""))[1] or "TODO"
                f.write(f"{i}\t{mismatches[i][0]}\t{reason}\n")
        print(f"wrote {a.allow}")
        return 0
    if new:
        print(f"x509-limbo: {len(new)} mismatches not in the allow-list:")
        for i in new[:50]:
            print(f"  {i}\t{mismatches[i][0]}\t{mismatches[i][1]}")
    new_fa = [i for i in new if mismatches[i][0] == "false-accept"]
    if new_fa:
        print(f"x509-limbo: FAILED: {len(new_fa)} new false accepts")
    unexplained = sorted(i for i in mismatches if i in allow
                         and allow[i][1].strip() in ("", "TODO"))
    if unexplained:
        print(f"x509-limbo: FAILED: {len(unexplained)} allow-list entries give no reason: "
              f"{' '.join(unexplained[:10])}")
    if stale:
        print("x509-limbo: FAILED: stale allow-list entries; rewrite it with --write-allow")
    if len(mismatches) > MAX_MISMATCHES:
        print(f"x509-limbo: FAILED: {len(mismatches)} mismatches, more than {MAX_MISMATCHES}")
    ok = not new and not unexplained and not stale and len(mismatches) <= MAX_MISMATCHES
    print(f"{ran - len(mismatches)} passed, {len(mismatches)} failed" if not ok else
          f"x509-limbo: ok: {ran - len(mismatches)} cases agree, {len(mismatches)} known "
          f"divergences ({len(fa)} false accepts), each with its reason")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
