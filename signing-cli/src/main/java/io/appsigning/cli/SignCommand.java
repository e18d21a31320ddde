package io.appsigning.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.appsigning.truststore.TrustedCertificate;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Set;

/** {@code sign}: the detached signature file of an app, in the custom or the marketplace form. */
final class SignCommand implements Command {

    /** Files above this size show their progress, when standard error is a terminal. */
    static final long PROGRESS_FROM = 64L * 1024 * 1024;

    private final boolean terminal;

    SignCommand(boolean terminal) {
        this.terminal = terminal;
    }

    @Override
    public String name() {
        return "sign";
    }

    @Override
    public String help() {
        return """
                sign --key KEY [--cert CERT] --in APP [--out SIG] [--json]   sign an app
                  Signs the app's exact bytes with the Ed25519 key (PKCS#8 PEM, from appsign keygen or
                  openssl genpkey -algorithm ed25519) and writes the signature file (default APP.sig).
                  Any size of app signs in bounded memory (the app is read twice).
                  --cert CERT  also carry this leaf certificate (the marketplace form)
                  --json       print the signature file, the key's SHA-256 and the signer as JSON
                  Exit 0 signed, 2 a bad input (named, with what is wrong).""";
    }

    @Override
    public int run(List<String> args, PrintStream out, PrintStream err) throws UsageException, IOException {
        Args parsed = Args.parse(args, Set.of("--key", "--cert", "--in", "--out"), Set.of("--json"));
        Path keyFile = Path.of(parsed.required("--key"));
        Path app = Path.of(parsed.required("--in"));
        X509Certificate leaf = parsed.optional("--cert") == null ? null : AppSigner.readCertificate(Path.of(parsed.optional("--cert")));
        Path sigFile = Path.of(parsed.optional("--out") != null ? parsed.optional("--out") : app + ".sig");
        Inputs.readableFile("the app", app);
        AppSigner signer = AppSigner.of("the key file " + keyFile, Pem.readBytes("the key file", keyFile), leaf);
        long size = Files.size(app);
        AppSigner.Progress progress = terminal && size > PROGRESS_FROM ? new ProgressLine(err, app, size) : null;
        AppSigner.Signed signed = signer.sign(app, sigFile, progress);
        if (progress != null) {
            err.print("\r\033[K");
            err.flush();
        }
        if (parsed.flag("--json")) {
            ObjectNode node = Json.mapper().createObjectNode();
            node.put("signatureFile", signed.signatureFile().toString());
            node.put("app", app.toString());
            node.put("keySha256", signed.keySha256());
            node.put("form", leaf == null ? "CUSTOM" : "MARKETPLACE");
            if (leaf == null) {
                node.putNull("signer");
            } else {
                try {
                    node.putObject("signer").put("subject", leaf.getSubjectX500Principal().getName())
                            .put("sha256", TrustedCertificate.sha256Hex(leaf.getEncoded()));
                } catch (CertificateEncodingException e) {
                    throw new UsageException("the certificate " + parsed.optional("--cert") + " cannot be encoded");
                }
            }
            out.println(Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(node));
        } else {
            out.println("Wrote " + sigFile + (leaf != null ? " (marketplace form, with " + leaf.getSubjectX500Principal().getName() + ")" : "")
                    + "; key SHA-256 " + signed.keySha256());
        }
        return 0;
    }

    /** "Signing app.jar: 37%", rewritten in place, at most once per percent. */
    private static final class ProgressLine implements AppSigner.Progress {
        private final PrintStream err;
        private final Path app;
        private final long size;
        private int shown = -1;

        ProgressLine(PrintStream err, Path app, long size) {
            this.err = err;
            this.app = app;
            this.size = size;
        }

        @Override
        public void update(int pass, long bytesRead) {
            int percent = (int) (((pass - 1) * size + Math.min(bytesRead, size)) * 100 / (2 * size));
            if (percent != shown) {
                shown = percent;
                err.print("\rSigning " + app.getFileName() + ": " + percent + "% (read " + pass + " of 2)");
                err.flush();
            }
        }
    }
}
