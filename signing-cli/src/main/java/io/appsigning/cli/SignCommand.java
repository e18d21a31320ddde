package io.appsigning.cli;

import io.appsigning.verifier.SignatureFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Set;

/** {@code sign}: the detached signature file of an app, in the custom or the marketplace form. */
final class SignCommand implements Command {

    @Override
    public String name() {
        return "sign";
    }

    @Override
    public String help() {
        return """
                sign --key KEY [--cert CERT] --in APP [--out SIG]   sign an app
                  Signs the app's exact bytes with the Ed25519 key (PKCS#8 PEM, from appsign keygen or
                  openssl genpkey -algorithm ed25519) and writes the signature file (default APP.sig).
                  --cert CERT  also carry this leaf certificate (the marketplace form)""";
    }

    @Override
    public int run(List<String> args, PrintStream out, PrintStream err) throws UsageException, IOException {
        Args parsed = Args.parse(args, Set.of("--key", "--cert", "--in", "--out"), Set.of());
        PrivateKey key = Pem.readEd25519PrivateKey(Path.of(parsed.required("--key")));
        X509Certificate leaf = parsed.optional("--cert") == null ? null : Pem.readCertificate(Path.of(parsed.optional("--cert")));
        Path app = Path.of(parsed.required("--in"));
        Path sigFile = Path.of(parsed.optional("--out") != null ? parsed.optional("--out") : app + ".sig");
        byte[] signature;
        try (InputStream in = Files.newInputStream(app)) {
            Signature signer = Signature.getInstance("Ed25519");
            signer.initSign(key);
            byte[] buffer = new byte[64 * 1024];
            for (int n; (n = in.read(buffer)) != -1; ) {
                signer.update(buffer, 0, n);
            }
            signature = signer.sign();
            if (leaf != null) {
                checkLeafMatchesKey(leaf, signature, app);
            }
        } catch (NoSuchFileException e) {
            throw new UsageException("the app " + app + " does not exist");
        } catch (GeneralSecurityException e) {
            throw new UsageException("cannot sign with " + parsed.required("--key") + ": " + e.getMessage());
        }
        Path dir = sigFile.toAbsolutePath().getParent();
        // A signature file is public: readable by all, like the app it travels with.
        Path temp = Files.createTempFile(dir, ".appsign-", ".tmp",
                java.nio.file.attribute.PosixFilePermissions.asFileAttribute(java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--")));
        try {
            Files.write(temp, SignatureFiles.encode(signature, leaf));
            Files.move(temp, sigFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temp);
        }
        out.println("Wrote " + sigFile + (leaf != null ? " (marketplace form, with " + leaf.getSubjectX500Principal().getName() + ")" : ""));
        return 0;
    }

    /** A certificate for another key would make a signature file that can never verify: say so now. */
    private static void checkLeafMatchesKey(X509Certificate leaf, byte[] signature, Path app)
            throws GeneralSecurityException, IOException, UsageException {
        Signature verifier = Signature.getInstance("Ed25519");
        try {
            verifier.initVerify(leaf.getPublicKey());
        } catch (GeneralSecurityException e) {
            throw new UsageException("--cert holds a " + leaf.getPublicKey().getAlgorithm() + " key, not Ed25519");
        }
        try (InputStream in = Files.newInputStream(app)) {
            byte[] buffer = new byte[64 * 1024];
            for (int n; (n = in.read(buffer)) != -1; ) {
                verifier.update(buffer, 0, n);
            }
        }
        if (!verifier.verify(signature)) {
            throw new UsageException("--cert is not the certificate of --key");
        }
    }
}
