#!/usr/bin/env python3
"""Writes the hand-made seed corpus of every Jazzer target under fuzz/src/test/resources.

Run from the repository root: python3 scripts/fuzz-seeds.py (it rewrites only files named seed-*;
crash-* files, Jazzer's own findings, are left alone). The seeds are committed: `mvn verify`
replays them as regression tests and a fuzzing campaign starts from them.

Targets that take a FuzzedDataProvider read their input as libFuzzer's FuzzedDataProvider does:
byte arrays from the front, integers and booleans from the back (the last byte first, an int
in [min, max] taking as many bytes as max - min needs). `tail()` writes those back-end values
in that order, so each seed decodes to the file, body or edit that its name says.
"""
import base64
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESOURCES = os.path.join(ROOT, "fuzz", "src", "test", "resources")
CA = os.path.join(ROOT, "testdata", "marketplace-ca")


def ints(*values):
    """The back-of-input bytes for (value, min, max) triples consumed in this order."""
    out = []
    for value, low, high in values:
        span, offset, chunk = high - low, 0, []
        v = value - low
        while offset < 32 and (span >> offset) > 0:
            chunk.append(0)
            offset += 8
        # The first byte read (the last of the input) is the most significant.
        for i in range(len(chunk)):
            chunk[i] = (v >> (8 * (len(chunk) - 1 - i))) & 0xFF
        out.extend(chunk)
    return bytes(reversed(out))


def write(target, name, data):
    folder = os.path.join(RESOURCES, *target.split("/"))
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "seed-" + name), "wb") as f:
        f.write(data)


def pem(name):
    with open(os.path.join(CA, name), "rb") as f:
        return f.read()


def der(name):
    text = pem(name).decode("ascii")
    body = "".join(line for line in text.splitlines() if not line.startswith("-----"))
    return base64.b64decode(body)


ROOT_CA, V1, V2 = "marketplace_root_ca_v1.crt", "marketplace_intermediate_ca_v1.crt", "marketplace_intermediate_ca_v2.crt"
SIG64 = base64.b64encode(bytes(range(64))).decode()


def signature_files():
    target = "io/appsigning/fuzz/VerifierFuzzTestInputs/signatureFileParser"
    seeds = {
        "custom.json": json.dumps({"signature": SIG64}),
        "custom-unpadded-wrapped.json": '{"signature": "' + SIG64.rstrip("=")[:40] + "\\n" + SIG64.rstrip("=")[40:] + '"}',
        "marketplace-pem.json": json.dumps({"signature": SIG64, "certificate": base64.b64encode(pem(V2)).decode()}),
        "marketplace-der.json": json.dumps({"signature": SIG64, "certificate": base64.b64encode(der(ROOT_CA)).decode()}),
        "unknown-field.json": json.dumps({"signature": SIG64, "comment": "ignored"}),
        "duplicate-field.json": '{"signature": "' + SIG64 + '", "signature": "' + SIG64 + '"}',
        "wrong-type.json": '{"signature": 42}',
        "short-signature.json": json.dumps({"signature": base64.b64encode(bytes(63)).decode()}),
        "bad-base64.json": '{"signature": "!!!!' + SIG64[4:] + '"}',
        "truncated.json": '{"signature": "' + SIG64[:20],
        "not-an-object.json": '["' + SIG64 + '"]',
        "empty": "",
    }
    for name, text in seeds.items():
        write(target, name, text.encode("utf-8"))
    write(target, "not-utf8.json", b'{"signature": "\xff\xfe"}')


def mutations():
    # consumed in order: marketplace (bool), target 0..3, edits 1..4, then per edit: position, kind 0..2,
    # and an xor value 1..255 (kind 0) or an inserted byte (kind 2). The app is ~1 KB, a custom .sig
    # ~100 bytes, a marketplace .sig and a leaf certificate some hundred bytes, a signature 64 bytes.
    target = "io/appsigning/fuzz/VerifierFuzzTestInputs/mutationsNeverVerify"
    sizes = {0: 1000, 1: 100, 2: 63, 3: 300}
    for marketplace in (0, 1):
        for what, label in ((0, "app"), (1, "sigfile"), (2, "signature"), (3, "certificate")):
            if what == 3 and not marketplace:
                continue
            flow = "marketplace" if marketplace else "custom"
            last = sizes[what]
            write(target, f"{flow}-{label}-flip", ints((marketplace, 0, 255), (what, 0, 3), (1, 1, 4),
                                                       (last // 2, 0, last), (0, 0, 2), (1, 1, 255)))
            write(target, f"{flow}-{label}-truncate", ints((marketplace, 0, 255), (what, 0, 3), (1, 1, 4),
                                                           (last - 1, 0, last), (1, 0, 2)))
            write(target, f"{flow}-{label}-insert", ints((marketplace, 0, 255), (what, 0, 3), (1, 1, 4),
                                                         (1, 0, last), (2, 0, 2), (0x41 + 128, 0, 255)))


def trust_store_files():
    # consumed: the file name (a.pem, a.crt, a.cer, a.der), the certificate file's length 0..8192
    # (front bytes), then the rest of the input is the deny list.
    target = "io/appsigning/fuzz/TrustStoreFilesFuzzTestInputs/certificateAndDenyListFiles"
    names = {"pem": 0, "crt": 1, "cer": 2, "der": 3}
    good_deny = ("# revoked 2026-11-01\n"
                 "26:B1:21:8E:F4:0A:BD:79:CE:A1:0E:57:78:53:6D:77:98:8C:29:9F:A7:4B:00:18:91:91:FD:E1:88:7B:0E:8E\n"
                 "\n"
                 "e362af9f2701a09b7f242584c35c8cd4181418f15a5640e1b8f15955df4865d1  # an app\n").encode()
    cases = {
        "root-pem": ("pem", pem(ROOT_CA), b""),
        "v2-crt-with-denylist": ("crt", pem(V2), good_deny),
        "bundle-cer": ("cer", pem(ROOT_CA) + b"\n" + pem(V1), b""),
        "root-der": ("der", der(ROOT_CA), b"a4c4caf68ee237e2cb590c9e8da6e66a7ba90800634de70385cd2eff92005f16\n"),
        "truncated-pem": ("pem", pem(V1)[: len(pem(V1)) // 2], b""),
        "truncated-der": ("der", der(V2)[:100], b""),
        "garbage-pem": ("pem", b"-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n", b""),
        "empty-file-bad-denylist": ("crt", b"", b"abc\n"),
        "denylist-short-digest": ("pem", pem(ROOT_CA), b"26b1218ef40abd79cea10e5778536d77988c299fa74b00189191fde1887b0e8\n"),
        "denylist-not-utf8": ("pem", pem(ROOT_CA), b"# caf\xe9\n\xff\xfe\n"),
    }
    for name, (ext, cert, deny) in cases.items():
        write(target, name, cert + deny + ints((names[ext], 0, 3), (len(cert), 0, 8192)))


def multipart_bodies():
    # consumed: the boundary number 0..1,000,000 ("b" + number), "asked" (a well-formed body of one
    # app part made by the test), the app's length 0..4096 (front bytes); when not asked, the rest of
    # the input is the whole body.
    target = "io/appsigning/pluginmanager/internal/UploadFormFuzzTestInputs/hostileBodies"
    number = 4242
    b = ("b%d" % number).encode()
    app = b"PK\x03\x04 an app part\r\n--not-the-boundary\r\n" + bytes(range(256))

    def tail(asked, length):
        return ints((number, 0, 1_000_000), (asked, 0, 255), (length, 0, 4096))

    def part(name, filename, content):
        return (b"--" + b + b"\r\nContent-Disposition: form-data; name=\"" + name + b"\"; filename=\"" + filename
                + b"\"\r\nContent-Type: application/octet-stream\r\n\r\n" + content + b"\r\n")

    signature = json.dumps({"signature": SIG64}).encode()
    bodies = {
        "signature-then-app": part(b"signature", b"app.jar.sig", signature) + part(b"app", b"app.jar", app) + b"--" + b + b"--\r\n",
        "app-then-signature": part(b"app", b"app.jar", app) + part(b"signature", b"app.jar.sig", signature) + b"--" + b + b"--\r\n",
        "no-closing-delimiter": part(b"app", b"app.jar", app),
        "no-content-disposition": b"--" + b + b"\r\nContent-Type: text/plain\r\n\r\nx\r\n--" + b + b"--\r\n",
        "header-without-end": b"--" + b + b"\r\nContent-Disposition: form-data; name=\"app\"" + b"x" * 2000,
        "preamble-and-epilogue": b"preamble\r\n" + part(b"app", b"a.jar", b"1") + b"--" + b + b"--\r\nepilogue",
        "wrong-boundary": part(b"app", b"a.jar", b"1").replace(b, b"b4243") + b"--b4243--\r\n",
        "empty": b"",
    }
    for name, body in bodies.items():
        write(target, name, body + tail(0, 0))
    # The test's own well-formed body around these app bytes: must read back exactly.
    write(target, "asked-app", app + tail(1, len(app)))
    write(target, "asked-empty-app", tail(1, 0))


def main():
    if not os.path.isdir(CA):
        sys.exit("run from a checkout: " + CA + " is missing")
    signature_files()
    mutations()
    trust_store_files()
    multipart_bodies()


if __name__ == "__main__":
    main()
