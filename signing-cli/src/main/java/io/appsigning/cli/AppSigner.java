package io.appsigning.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.appsigning.truststore.TrustedCertificate;
import io.appsigning.verifier.internal.Ed25519StreamingSigner;
import io.appsigning.verifier.SignatureFiles;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import org.bouncycastle.asn1.edec.EdECObjectIdentifiers;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;

/**
 * Signing an app file into its signature file: what {@code appsign sign} and the Maven plugin's
 * {@code sign} goal share. The app is read twice, streaming, in bounded memory; the signature file
 * is written atomically, readable by all, and carries the {@code keySha256} hint (SHA-256 of the
 * signing key's DER SubjectPublicKeyInfo), which verifiers may use to try that key first and never
 * trust.
 */
public final class AppSigner {

    /** Told how far signing has come: pass 1 or 2, bytes of the app read in that pass. */
    @FunctionalInterface
    public interface Progress {
        void update(int pass, long bytesRead);
    }

    /** What was written. */
    public record Signed(Path signatureFile, String keySha256, X509Certificate certificate) {}

    private final Ed25519StreamingSigner signer;
    private final X509Certificate certificate;
    private final String keySha256;

    private AppSigner(Ed25519StreamingSigner signer, X509Certificate certificate) {
        this.signer = signer;
        this.certificate = certificate;
        byte[] spki;
        try {
            spki = new SubjectPublicKeyInfo(new AlgorithmIdentifier(EdECObjectIdentifiers.id_Ed25519),
                    signer.publicKey()).getEncoded("DER");
        } catch (IOException e) {
            throw new IllegalStateException("a 32-byte key always encodes", e);
        }
        this.keySha256 = TrustedCertificate.sha256Hex(spki);
    }

    /**
     * @param keyName     where the key came from, for messages ("the key file k.pem", "the variable APPSIGN_KEY")
     * @param key         an Ed25519 private key, PKCS#8 PEM or DER
     * @param certificate the leaf certificate of that key for the marketplace form, or null
     * @throws UsageException when the key is not an Ed25519 private key or the certificate is of another key
     */
    public static AppSigner of(String keyName, byte[] key, X509Certificate certificate) throws UsageException {
        AppSigner signer = new AppSigner(Ed25519StreamingSigner.fromSeed(Pem.ed25519Seed(keyName, key)), certificate);
        if (certificate != null) {
            String subject = certificate.getSubjectX500Principal().getName();
            SubjectPublicKeyInfo certKey = SubjectPublicKeyInfo.getInstance(certificate.getPublicKey().getEncoded());
            if (!EdECObjectIdentifiers.id_Ed25519.equals(certKey.getAlgorithm().getAlgorithm())) {
                throw new UsageException("the certificate " + subject + " holds a " + certificate.getPublicKey().getAlgorithm()
                        + " key, not Ed25519: it is not the certificate of " + keyName);
            }
            if (!Arrays.equals(certKey.getPublicKeyData().getOctets(), signer.signer.publicKey())) {
                throw new UsageException("the certificate " + subject + " is not the certificate of " + keyName
                        + " (its public key is another one); the signature file could never verify");
            }
        }
        return signer;
    }

    /** A certificate file (PEM or DER) holding exactly one certificate. */
    public static X509Certificate readCertificate(Path file) throws UsageException, IOException {
        return Pem.readCertificate("the certificate", file);
    }

    /** Lowercase hex SHA-256 of the key's DER SubjectPublicKeyInfo (a trusted certificate's {@code publicKeySha256}). */
    public String keySha256() {
        return keySha256;
    }

    public X509Certificate certificate() {
        return certificate;
    }

    /**
     * Signs the app and writes its signature file atomically (a temporary file in the same folder,
     * then renamed over any earlier one), mode 0644.
     */
    public Signed sign(Path app, Path signatureFile, Progress progress) throws UsageException, IOException {
        Inputs.readableFile("the app", app);
        Path folder = signatureFile.toAbsolutePath().getParent();
        if (Files.isDirectory(signatureFile)) {
            throw new UsageException("the signature file " + signatureFile + " is a folder; give a file name");
        }
        if (signatureFile.toAbsolutePath().normalize().equals(app.toAbsolutePath().normalize())
                || (Files.exists(signatureFile) && Files.isSameFile(signatureFile, app))) {
            throw new UsageException("the signature file " + signatureFile + " is the app itself; it would replace the app");
        }
        if (folder == null || !Files.isDirectory(folder)) {
            throw new UsageException("the signature file " + signatureFile + " cannot be written: its folder does not exist");
        }
        int[] pass = {0};
        byte[] signature;
        try {
            signature = signer.sign(() -> {
                int current = ++pass[0];
                InputStream in = Files.newInputStream(app);
                return progress == null ? in : new Counting(in, current, progress);
            });
        } catch (Ed25519StreamingSigner.MessageChangedException e) {
            throw new UsageException("the app " + app + ": " + e.getMessage());
        } catch (IOException e) {
            throw new UsageException(Inputs.describe("the app", app, e));
        }
        byte[] json = signatureFileBytes(signature);
        Path temp;
        try {
            temp = Files.createTempFile(folder, ".appsign-", ".tmp");
        } catch (IOException e) {
            throw new UsageException(Inputs.describe("the signature file's folder", folder, e));
        }
        try {
            // A signature file is public, like the app it travels with.
            Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rw-r--r--"));
            Files.write(temp, json);
            Files.move(temp, signatureFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UsageException(Inputs.describe("the signature file", signatureFile, e));
        } finally {
            Files.deleteIfExists(temp);
        }
        return new Signed(signatureFile, keySha256, certificate);
    }

    /** The signature file's bytes: the project's own encoding, plus the key hint. */
    byte[] signatureFileBytes(byte[] signature) throws IOException {
        ObjectNode node = (ObjectNode) Json.mapper().readTree(SignatureFiles.encode(signature, certificate));
        if (!node.has("keySha256")) {
            node.put("keySha256", keySha256);
        }
        return (Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(node) + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    private static final class Counting extends FilterInputStream {
        private final int pass;
        private final Progress progress;
        private long read;

        Counting(InputStream in, int pass, Progress progress) {
            super(in);
            this.pass = pass;
            this.progress = progress;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = super.read(buffer, offset, length);
            if (n > 0) {
                read += n;
                progress.update(pass, read);
            }
            return n;
        }
    }
}
