#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_chain (fuzz/corpus/chain/): small chains
whose extensions reach every branch of sslbind's own checks (name
constraints of each type, SANs of each type, key identifiers, AIA, EKU,
policy constraints, path length, CN spelling). Needs the `cryptography`
package; the seeds are checked in, so the fuzz run itself does not.

  fuzz/make-chain-seeds.py [OUTDIR]"""
import datetime
import ipaddress
import struct
import sys
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, AuthorityInformationAccessOID

OUT = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent / "corpus" / "chain"
T0 = datetime.datetime(2025, 1, 1, tzinfo=datetime.timezone.utc)
T1 = datetime.datetime(2030, 1, 1, tzinfo=datetime.timezone.utc)


def name(cn, org=None):
    attrs = [x509.NameAttribute(NameOID.COMMON_NAME, cn)]
    if org:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, org))
    return x509.Name(attrs)


def make(subject, key, issuer=None, ca=False, pathlen=None, exts=(), serial=1000):
    ib_name, ib_key = (issuer[0].subject, issuer[1]) if issuer else (subject, key)
    b = (x509.CertificateBuilder().subject_name(subject).issuer_name(ib_name)
         .public_key(key.public_key()).serial_number(serial)
         .not_valid_before(T0).not_valid_after(T1)
         .add_extension(x509.BasicConstraints(ca=ca, path_length=pathlen), critical=True)
         .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False))
    if issuer:
        b = b.add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
            issuer[1].public_key()), critical=False)
    if ca:
        b = b.add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                            critical=True)
    for ext, crit in exts:
        b = b.add_extension(ext, critical=crit)
    return b.sign(ib_key, hashes.SHA256()), key


def key():
    return ec.generate_private_key(ec.SECP256R1())


def server_exts(*sans):
    return [(x509.SubjectAlternativeName(list(sans)), False),
            (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False)]


def record(certs, pick):
    out = b""
    for c, _ in certs:
        der = c.public_bytes(serialization.Encoding.DER)
        out += struct.pack(">H", len(der)) + der
    return out + bytes([pick])


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    seeds = {}
    # 1: every constraint type on the root, every SAN type on the leaf
    root = make(name("Seed Root", "Example"), key(), ca=True, exts=[(x509.NameConstraints(
        permitted_subtrees=[x509.DNSName("example.com"),
                            x509.IPAddress(ipaddress.ip_network("127.0.0.0/8")),
                            x509.RFC822Name("example.com"),
                            x509.UniformResourceIdentifier(".example.com"),
                            x509.DirectoryName(name("Seed Root", "Example"))],
        excluded_subtrees=[x509.DNSName("bad.example.com"),
                           x509.IPAddress(ipaddress.ip_network("10.0.0.0/8"))]), True)])
    ica = make(name("Seed Intermediate", "Example"), key(), issuer=root, ca=True, pathlen=0, exts=[
        (x509.SubjectAlternativeName([x509.DNSName("ica.example.com")]), False),
        (x509.AuthorityInformationAccess([x509.AccessDescription(
            AuthorityInformationAccessOID.CA_ISSUERS,
            x509.UniformResourceIdentifier("http://ca.example.com/root.der"))]), False),
        (x509.PolicyConstraints(require_explicit_policy=None, inhibit_policy_mapping=1), True)])
    leaf = make(name("www.example.com"), key(), issuer=ica, exts=server_exts(
        x509.DNSName("www.example.com"), x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
        x509.RFC822Name("a@example.com"), x509.UniformResourceIdentifier("https://www.example.com/x"),
        x509.DirectoryName(name("Seed Root", "Example"))))
    seeds["all-types"] = record([leaf, ica, root], 1)
    # 2: a wildcard leaf straight under the root, a CN spelt differently
    root2 = make(name("Seed Root 2"), key(), ca=True)
    leaf2 = make(name("Example.COM"), key(), issuer=root2, exts=server_exts(
        x509.DNSName("*.example.com"), x509.DNSName("example.com")))
    seeds["wildcard"] = record([leaf2, root2], 0)
    # 3: a CN inside an excluded subtree on an IP-only leaf
    root3 = make(name("Seed Root 3"), key(), ca=True, exts=[(x509.NameConstraints(
        permitted_subtrees=None, excluded_subtrees=[x509.DNSName("localhost")]), True)])
    leaf3 = make(name("test.localhost"), key(), issuer=root3, exts=server_exts(
        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))))
    seeds["cn-excluded"] = record([leaf3, root3], 2)
    # 4: a self-signed leaf trusted as itself
    k = key()
    self_signed = make(name("localhost"), k, exts=server_exts(x509.DNSName("localhost")))
    seeds["self-signed"] = record([self_signed, self_signed], 4)
    # 5: many constraints over many names; IPv6 on both sides
    root5 = make(name("Seed Root 5"), key(), ca=True, exts=[(x509.NameConstraints(
        permitted_subtrees=[x509.DNSName(f"p{i}.example.net") for i in range(24)]
        + [x509.IPAddress(ipaddress.ip_network("::1/128"))],
        excluded_subtrees=[x509.DNSName(f"x{i}.example.net") for i in range(24)]), True)])
    leaf5 = make(name("Seed many names"), key(), issuer=root5, exts=server_exts(
        *[x509.DNSName(f"h{i}.p{i}.example.net") for i in range(24)],
        x509.IPAddress(ipaddress.ip_address("::1"))))
    seeds["many-names"] = record([leaf5, root5], 3)
    # 6: a self-issued intermediate (same name, new key) between root and leaf
    root6 = make(name("Seed Rollover CA"), key(), ca=True, pathlen=0)
    roll = make(name("Seed Rollover CA"), key(), issuer=root6, ca=True, pathlen=0)
    leaf6 = make(name("roll.example.com"), key(), issuer=roll, exts=server_exts(
        x509.DNSName("roll.example.com")))
    seeds["self-issued"] = record([leaf6, roll, root6], 0)
    for n, data in seeds.items():
        (OUT / n).write_bytes(data)
    print(f"wrote {len(seeds)} seeds to {OUT}")


if __name__ == "__main__":
    main()
