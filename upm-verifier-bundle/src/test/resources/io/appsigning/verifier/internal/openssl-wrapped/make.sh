#!/usr/bin/env bash
# Re-creates the fixtures of SignatureFilesTest's openssl-wrapped cases with openssl alone, the way a
# vendor without our CLI would: keys and certificates (valid 2026-2126), an app, and signature files
# whose base64 comes from `openssl base64` (wrapped every 64 characters; the JSON strings hold \n).
set -euo pipefail
cd "$(dirname "$0")"
openssl genpkey -algorithm ed25519 -out ca.key
openssl req -x509 -new -key ca.key -subj "/CN=Wrapped Test CA" -days 36500 -out ca.crt \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign"
openssl genpkey -algorithm ed25519 -out leaf.key
openssl req -new -key leaf.key -subj "/CN=Wrapped Test Vendor" -out leaf.csr
printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=codeSigning\n' > leaf.ext
openssl x509 -req -in leaf.csr -CA ca.crt -CAkey ca.key -set_serial 2 -days 36500 -extfile leaf.ext -out leaf.crt
head -c 16384 /dev/urandom > app.bin
openssl pkeyutl -sign -rawin -inkey leaf.key -in app.bin -out app.sig.bin
json_lines() { openssl base64 | awk '{printf "%s\\n", $0}'; }
printf '{"signature": "%s"}\n' "$(json_lines < app.sig.bin)" > custom.sig
printf '{"signature": "%s",\n "certificate": "%s"}\n' "$(json_lines < app.sig.bin)" "$(json_lines < leaf.crt)" > marketplace.sig
rm -f leaf.csr leaf.ext app.sig.bin ca.key leaf.key ca.srl
