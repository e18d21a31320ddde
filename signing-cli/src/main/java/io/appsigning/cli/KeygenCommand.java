package io.appsigning.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Set;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** {@code keygen}: an Ed25519 key (PKCS#8 PEM, mode 0600) and a self-signed certificate for it. */
final class KeygenCommand implements Command {

    private final Clock clock;

    KeygenCommand(Clock clock) {
        this.clock = clock;
    }

    @Override
    public String name() {
        return "keygen";
    }

    @Override
    public String help() {
        return """
                keygen --out DIR [--subject DN] [--days N]   make a signing key and its certificate
                  Writes DIR/signing.key (Ed25519, PKCS#8 PEM, mode 0600) and DIR/signing.crt (self-signed
                  X.509 PEM, key usage digitalSignature, extended key usage codeSigning). Put signing.crt in
                  the product's trust store; keep signing.key secret. Never overwrites an existing key.
                  --subject DN  the certificate's subject (default: CN=App signing key)
                  --days N      validity in days (default: 365)""";
    }

    @Override
    public int run(List<String> args, PrintStream out, PrintStream err) throws UsageException, IOException {
        Args parsed = Args.parse(args, Set.of("--out", "--subject", "--days"), Set.of());
        Path dir = Path.of(parsed.required("--out"));
        String subject = parsed.optional("--subject") != null ? parsed.optional("--subject") : "CN=App signing key";
        int days = parseDays(parsed.optional("--days"));
        X500Principal name;
        try {
            name = new X500Principal(subject);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--subject is not a distinguished name: " + subject);
        }
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new UsageException("--out " + dir + " is an existing file, not a folder: keygen writes signing.key and"
                    + " signing.crt into the folder --out names (it is created if needed)");
        }
        Path key = dir.resolve("signing.key");
        Path cert = dir.resolve("signing.crt");
        if (Files.exists(key) || Files.exists(cert)) {
            throw new UsageException(key + " or " + cert + " already exists; refusing to overwrite a signing key");
        }
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UsageException(Inputs.describe("the folder", dir, e));
        }
        KeyPair pair;
        X509Certificate certificate;
        try {
            pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
            certificate = selfSigned(pair, name, days);
        } catch (GeneralSecurityException | org.bouncycastle.operator.OperatorCreationException e) {
            throw new IOException("cannot make the key: " + e.getMessage(), e);
        }
        // The key is never readable by others, not even for a moment: created 0600, then moved into place.
        try {
            writeNew(key, Pem.encode("PRIVATE KEY", pair.getPrivate().getEncoded()), "rw-------");
            writeNew(cert, Pem.encode("CERTIFICATE", certificate.getEncoded()), "rw-r--r--");
        } catch (GeneralSecurityException e) {
            throw new IOException("the certificate cannot be encoded", e);
        } catch (IOException e) {
            throw new UsageException(e.getMessage() != null && e.getMessage().contains("refusing")
                    ? e.getMessage() : Inputs.describe("the folder", dir, e));
        }
        out.println("Wrote " + key + " (keep it secret) and " + cert + " (" + subject + ", valid " + days + " days).");
        out.println("Trust it: copy " + cert + " into the product's upmconfig/truststore/.");
        return 0;
    }

    private static int parseDays(String value) throws UsageException {
        if (value == null) {
            return 365;
        }
        try {
            int days = Integer.parseInt(value);
            if (days < 1 || days > 36500) {
                throw new UsageException("--days must be between 1 and 36500");
            }
            return days;
        } catch (NumberFormatException e) {
            throw new UsageException("--days is not a number: " + value);
        }
    }

    private X509Certificate selfSigned(KeyPair pair, X500Principal name, int days)
            throws GeneralSecurityException, IOException, org.bouncycastle.operator.OperatorCreationException {
        Instant now = clock.instant();
        JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name,
                new BigInteger(127, new SecureRandom()), Date.from(now.minus(Duration.ofMinutes(5))),
                Date.from(now.plus(Duration.ofDays(days))), name, pair.getPublic());
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
        builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_codeSigning));
        builder.addExtension(Extension.subjectKeyIdentifier, false,
                new JcaX509ExtensionUtils().createSubjectKeyIdentifier(pair.getPublic()));
        return new JcaX509CertificateConverter().getCertificate(
                builder.build(new JcaContentSignerBuilder("Ed25519").build(pair.getPrivate())));
    }

    static void writeNew(Path target, String content, String mode) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Path temp = Files.createTempFile(dir, ".appsign-", ".tmp", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(mode)));
        try {
            // The mode asked for at creation is narrowed by the umask; set it exactly.
            Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString(mode));
            Files.writeString(temp, content, StandardCharsets.US_ASCII);
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException e) {
            throw new IOException(target + " appeared while writing; refusing to overwrite it", e);
        } finally {
            Files.deleteIfExists(temp);
        }
    }
}
