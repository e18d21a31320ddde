package io.appsigning.cli;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.edec.EdECObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/** PEM (and DER) reading of keys and certificates with BouncyCastle's PEMParser, and PEM writing. */
final class Pem {

    /** Key and certificate files are small; anything larger is not one. */
    static final long MAX_BYTES = 1024 * 1024;

    private Pem() {}

    static String encode(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    /**
     * The 32-byte Ed25519 private key of a PKCS#8 file (PEM {@code PRIVATE KEY}, as {@code appsign
     * keygen} and {@code openssl genpkey -algorithm ed25519} write it, or its DER).
     */
    static byte[] readEd25519Seed(Path file) throws UsageException, IOException {
        return ed25519Seed("the key file " + file, readBytes("the key file", file));
    }

    /** The same from the key's bytes; {@code name} says where they came from ("the key file k.pem"). */
    static byte[] ed25519Seed(String name, byte[] bytes) throws UsageException {
        List<Object> objects = pemObjects(name, bytes);
        Object first;
        if (!objects.isEmpty()) {
            first = objects.get(0);
        } else {
            try {
                first = PrivateKeyInfo.getInstance(bytes);
            } catch (RuntimeException e) {
                throw new UsageException(name + " is not a private key: expected PKCS#8 PEM"
                        + " (-----BEGIN PRIVATE KEY-----) as written by appsign keygen or openssl genpkey -algorithm ed25519");
            }
        }
        PrivateKeyInfo info;
        if (first instanceof PrivateKeyInfo pkcs8) {
            info = pkcs8;
        } else if (first instanceof PEMKeyPair pair) {
            info = pair.getPrivateKeyInfo();
        } else if (first instanceof PKCS8EncryptedPrivateKeyInfo || first instanceof PEMEncryptedKeyPair) {
            throw new UsageException(name + " is encrypted with a passphrase; appsign reads unencrypted"
                    + " keys only (decrypt a copy with: openssl pkey -in KEY -out plain.key, and keep it safe)");
        } else if (first instanceof X509CertificateHolder) {
            throw new UsageException(name + " holds a certificate, not a private key (give the certificate"
                    + " with --cert, the key with --key)");
        } else if (first instanceof SubjectPublicKeyInfo) {
            throw new UsageException(name + " holds a public key; signing needs the private key");
        } else {
            throw new UsageException(name + " is not a private key");
        }
        ASN1ObjectIdentifier algorithm = info.getPrivateKeyAlgorithm().getAlgorithm();
        if (!EdECObjectIdentifiers.id_Ed25519.equals(algorithm)) {
            throw new UsageException(name + " holds " + keyKind(algorithm)
                    + "; apps are signed with Ed25519 keys only. Make one with: appsign keygen --out DIR"
                    + " (or openssl genpkey -algorithm ed25519 -out signing.key)");
        }
        try {
            byte[] seed = ASN1OctetString.getInstance(info.parsePrivateKey()).getOctets();
            if (seed.length != 32) {
                throw new IllegalArgumentException();
            }
            return seed;
        } catch (IOException | RuntimeException e) {
            throw new UsageException(name + " holds a damaged Ed25519 key (not 32 bytes)");
        }
    }

    private static String keyKind(ASN1ObjectIdentifier algorithm) {
        if (PKCSObjectIdentifiers.rsaEncryption.equals(algorithm)) {
            return "an RSA private key";
        }
        if (X9ObjectIdentifiers.id_ecPublicKey.equals(algorithm)) {
            return "an EC (ECDSA) private key";
        }
        if (EdECObjectIdentifiers.id_Ed448.equals(algorithm)) {
            return "an Ed448 private key";
        }
        if (EdECObjectIdentifiers.id_X25519.equals(algorithm) || EdECObjectIdentifiers.id_X448.equals(algorithm)) {
            return "a key-agreement (X25519/X448) key, which cannot sign";
        }
        return "a private key of another kind (algorithm " + algorithm.getId() + ")";
    }

    /** Exactly one X.509 certificate, PEM or DER. */
    static X509Certificate readCertificate(String what, Path file) throws UsageException, IOException {
        List<X509Certificate> all = readCertificates(what, file);
        if (all.size() != 1) {
            throw new UsageException(what + " " + file + " holds " + all.size() + " certificates; give the one leaf certificate"
                    + " of the signing key");
        }
        return all.get(0);
    }

    /** Every certificate of a PEM file (one or many) or a DER file; refuses anything else. */
    static List<X509Certificate> readCertificates(String what, Path file) throws UsageException, IOException {
        byte[] bytes = readBytes(what, file);
        List<Object> objects = pemObjects(what + " " + file, bytes);
        List<X509Certificate> certificates = new ArrayList<>();
        if (objects.isEmpty()) {
            try {
                certificates.add((X509Certificate) CertificateFactory.getInstance("X.509")
                        .generateCertificate(new ByteArrayInputStream(bytes)));
            } catch (CertificateException | RuntimeException e) {
                throw new UsageException(what + " " + file + " is not an X.509 certificate (PEM or DER)");
            }
            return certificates;
        }
        for (Object object : objects) {
            if (!(object instanceof X509CertificateHolder holder)) {
                throw new UsageException(what + " " + file + " holds " + describeObject(object)
                        + ", not only certificates");
            }
            try {
                certificates.add((X509Certificate) CertificateFactory.getInstance("X.509")
                        .generateCertificate(new ByteArrayInputStream(holder.getEncoded())));
            } catch (CertificateException | RuntimeException e) {
                throw new UsageException(what + " " + file + " holds a damaged certificate");
            }
        }
        return certificates;
    }

    static String describeObject(Object object) {
        if (object instanceof PrivateKeyInfo || object instanceof PEMKeyPair
                || object instanceof PKCS8EncryptedPrivateKeyInfo || object instanceof PEMEncryptedKeyPair) {
            return "a private key";
        }
        if (object instanceof SubjectPublicKeyInfo) {
            return "a public key";
        }
        return "a PEM block of another kind";
    }

    /** The PEM objects of a text, in order; empty when there is none (DER, or not PEM at all). */
    static List<Object> pemObjects(String name, byte[] bytes) throws UsageException {
        List<Object> objects = new ArrayList<>();
        try (Reader reader = new InputStreamReader(new ByteArrayInputStream(bytes), StandardCharsets.US_ASCII);
             PEMParser parser = new PEMParser(reader)) {
            for (Object object; (object = parser.readObject()) != null; ) {
                objects.add(object);
            }
        } catch (IOException | RuntimeException e) {
            // A damaged block inside a PEM text; DER input never reaches here with a BEGIN line.
            if (new String(bytes, StandardCharsets.ISO_8859_1).contains("-----BEGIN ")) {
                throw new UsageException(name + " holds a damaged PEM block (its base64 or its content cannot be decoded)");
            }
            return List.of();
        }
        return objects;
    }

    static byte[] readBytes(String what, Path file) throws UsageException, IOException {
        Inputs.readableFile(what, file);
        if (Files.size(file) > MAX_BYTES) {
            throw new UsageException(what + " " + file + " is " + Files.size(file) + " bytes, too large to be a key or certificate");
        }
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UsageException(Inputs.describe(what, file, e));
        }
    }
}
