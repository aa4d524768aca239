#!/usr/bin/env bash
# Regenerates the keystore fixtures with the JDK's keytool. The files are
# checked in so that the unit tests need no JDK; the interop tests make
# fresh ones with keytool at test time. Passwords: store "foobar", the
# different key password "otherpw".
set -euo pipefail
cd "$(dirname "$0")"
rm -f ./*.jks ./*.jceks ./*.p12 ./*.pem ./*.der fixtures.tsv
kt() { keytool "$@" >/dev/null 2>&1; }
SP=(-storepass foobar)

# A CA and a server key whose entry carries a chain of two.
kt -genkeypair -alias ca -keyalg EC -groupname secp256r1 -dname "CN=Fixture CA" \
   -ext bc:c -validity 3650 -keystore ca.p12 -storetype PKCS12 "${SP[@]}"
kt -exportcert -rfc -alias ca -file ca.pem -keystore ca.p12 "${SP[@]}"
kt -exportcert -alias ca -file ca.der -keystore ca.p12 "${SP[@]}"

for type in JKS PKCS12; do
  f=small.$( [ $type = JKS ] && echo jks || echo p12 )
  kt -genkeypair -alias server -keyalg EC -groupname secp256r1 -dname "CN=localhost" \
     -validity 3650 -keystore "$f" -storetype $type "${SP[@]}"
  kt -certreq -alias server -file server.csr -keystore "$f" "${SP[@]}"
  kt -gencert -alias ca -infile server.csr -outfile server.pem -rfc \
     -ext san=dns:localhost,ip:127.0.0.1 -validity 3650 -keystore ca.p12 "${SP[@]}"
  kt -importcert -noprompt -alias ca -file ca.pem -keystore "$f" -storetype $type "${SP[@]}"
  kt -importcert -noprompt -alias server -file server.pem -keystore "$f" "${SP[@]}"
  rm -f server.csr server.pem
done

# JKS with an RSA key whose key password differs from the store password.
kt -genkeypair -alias rsakey -keyalg RSA -keysize 2048 -dname "CN=rsa" -validity 3650 \
   -keystore keypw.jks -storetype JKS "${SP[@]}" -keypass otherpw

# JCEKS: a private key, a secret key and a trusted certificate.
kt -genkeypair -alias eckey -keyalg EC -dname "CN=jceks" -validity 3650 \
   -keystore small.jceks -storetype JCEKS "${SP[@]}"
kt -genseckey -alias aes -keyalg AES -keysize 128 -keystore small.jceks -storetype JCEKS "${SP[@]}"
kt -importcert -noprompt -alias ca -file ca.pem -keystore small.jceks -storetype JCEKS "${SP[@]}"

# PKCS#12 with the legacy ciphers (RC2/3DES, SHA-1 MAC).
kt -genkeypair -alias legacy -keyalg RSA -keysize 2048 -dname "CN=legacy" -validity 3650 \
   -keystore legacy.p12 -storetype PKCS12 "${SP[@]}" -J-Dkeystore.pkcs12.legacy

# Password-less PKCS#12 (the JDK 18+ cacerts form).
kt -importcert -noprompt -alias ca -file ca.pem -keystore nopass.p12 -storetype PKCS12 \
   -storepass changeit -J-Dkeystore.pkcs12.certProtectionAlgorithm=NONE \
   -J-Dkeystore.pkcs12.macAlgorithm=NONE
rm -f ca.p12

# Expected entries as keytool reports them: file, alias, kind, SHA-256 of
# each certificate of the chain.
for f in small.jks small.p12 keypw.jks small.jceks legacy.p12 nopass.p12; do
  pw=foobar; [ $f = nopass.p12 ] && pw=changeit
  keytool -list -v -keystore "$f" -storepass "$pw" 2>/dev/null | awk -v f="$f" '
    /^Alias name:/ { alias=$3; for (i=4;i<=NF;i++) alias=alias" "$i }
    /^Entry type:/ { kind=$3 }
    /SHA256:/ { fp=fp (fp?",":"") $2 }
    /^\*\*\*\*\*\*\*/ { if (alias!="") print f "\t" alias "\t" kind "\t" fp; alias=""; fp="" }
  ' >> fixtures.tsv
done
