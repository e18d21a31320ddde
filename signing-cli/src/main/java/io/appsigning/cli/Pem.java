package io.appsigning.cli;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** PEM reading and writing for keys and certificates, compatible with openssl. */
final class Pem {

    private static final Pattern PRIVATE_KEY =
            Pattern.compile("-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");

    private Pem() {}

    static String encode(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    /** An Ed25519 private key in PKCS#8 PEM, as {@code appsign keygen} and {@code openssl genpkey} write it. */
    static PrivateKey readEd25519PrivateKey(Path file) throws UsageException, IOException {
        String text = readText(file, "key");
        Matcher matcher = PRIVATE_KEY.matcher(text);
        if (!matcher.find()) {
            throw new UsageException(file + " is not a PKCS#8 PEM private key (-----BEGIN PRIVATE KEY-----)");
        }
        try {
            byte[] der = Base64.getMimeDecoder().decode(matcher.group(1));
            return KeyFactory.getInstance("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new UsageException(file + " is not an Ed25519 private key (" + e.getMessage() + ")");
        }
    }

    static X509Certificate readCertificate(Path file) throws UsageException, IOException {
        byte[] bytes = readBytes(file, "certificate");
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(bytes));
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new UsageException(file + " is not an X.509 certificate in PEM or DER (" + e.getMessage() + ")");
        }
    }

    static String readText(Path file, String what) throws UsageException, IOException {
        return new String(readBytes(file, what), StandardCharsets.UTF_8);
    }

    static byte[] readBytes(Path file, String what) throws UsageException, IOException {
        try {
            if (Files.size(file) > 1024 * 1024) {
                throw new UsageException(file + " is too large to be a " + what + " file");
            }
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new UsageException("the " + what + " file " + file + " does not exist");
        }
    }
}
