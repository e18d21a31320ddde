package io.appsigning.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.appsigning.truststore.internal.TrustStoreLoader;
import io.appsigning.truststore.TrustStoreSnapshot;
import io.appsigning.verifier.internal.AppVerifier;
import io.appsigning.verifier.PendingVerification;
import io.appsigning.verifier.SignatureFiles;
import io.appsigning.verifier.VerificationOptions;
import io.appsigning.verifier.VerificationResult;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Set;

/**
 * {@code verify}: the same decision the product makes, from the command line. The trust store's
 * safety is not judged here (the CLI's user is rarely the product's); {@code health} does that.
 */
final class VerifyCommand implements Command {

    private final Clock clock;
    private final Hashing hashing;

    VerifyCommand(Clock clock, Hashing hashing) {
        this.clock = clock;
        this.hashing = hashing;
    }

    @Override
    public String name() {
        return "verify";
    }

    @Override
    public String help() {
        return """
                verify --trust-store DIR --in APP [--sig SIG] [--denylist FILE] [--at INSTANT] [--json]   verify an app
                  Exit 0 verified, 1 rejected (any reason code), 2 usage error or unreadable input.
                  --sig SIG        the signature file (default APP.sig; when given, it must exist)
                  --denylist FILE  SHA-256 digests to reject (certificates, keys, apps)
                  --at INSTANT     verify as of this ISO-8601 instant, e.g. 2027-01-01T00:00:00Z (default now)
                  --json           print one JSON object: verified, reason, flow, signer, message""";
    }

    @Override
    public int run(List<String> args, PrintStream out, PrintStream err) throws UsageException, IOException {
        Args parsed = Args.parse(args, Set.of("--trust-store", "--in", "--sig", "--denylist", "--at"), Set.of("--json"));
        Path store = Path.of(parsed.required("--trust-store"));
        Path app = Path.of(parsed.required("--in"));
        String explicitSig = parsed.optional("--sig");
        Path sig = Path.of(explicitSig != null ? explicitSig : app + ".sig");
        Path denyList = parsed.optional("--denylist") == null ? null : Path.of(parsed.optional("--denylist"));
        Instant at = parseInstant(parsed.optional("--at"));
        Inputs.folder("the trust store", store);
        Inputs.readableFile("the app", app);
        if (explicitSig != null) {
            // Named on the command line, a missing file is a mistake in the command, not an unsigned app.
            Inputs.readableFile("the signature file", sig);
        } else if (Files.isDirectory(sig)) {
            throw new UsageException("the signature file " + sig + " is a folder, not a file");
        }
        if (denyList != null) {
            Inputs.readableFile("the deny list", denyList);
        }
        // Verified with the loose check below, which never reads the folder's safety verdict: not judged.
        TrustStoreSnapshot snapshot = TrustStoreLoader.loadWithoutSafetyCheck(store, denyList,
                System.getProperty("user.name", "?"), clock);
        if (snapshot.certificates().isEmpty() && !snapshot.problems().isEmpty() && denyList != null
                && snapshot.problems().stream().anyMatch(p -> p.file().equals(denyList))) {
            throw new UsageException(snapshot.problems().get(snapshot.problems().size() - 1).message());
        }
        snapshot.problems().forEach(problem -> err.println("warning: " + problem.message()));
        byte[] signatureFile;
        try {
            signatureFile = SignatureFiles.readBounded(sig);
        } catch (IOException e) {
            throw new UsageException(Inputs.describe("the signature file", sig, e));
        }
        VerificationResult result;
        try {
            // From the file, which can be read again: the key hint then spares hashing every trusted key.
            AppVerifier verifier = AppVerifier.of(snapshot, new VerificationOptions(at, true));
            if (hashing.readsInPlace()) {
                // Read ahead on the other core into direct buffers, which OpenSSL's SHA-512 hashes in place.
                PendingVerification pending = verifier.beginRereadable(signatureFile);
                ReadAhead.feed(app, pending::update);
                result = pending.finish(app);
            } else {
                result = verifier.verify(app, signatureFile);
            }
        } catch (IOException e) {
            throw new UsageException(Inputs.describe("the app", app, e));
        }
        if (parsed.flag("--json")) {
            out.println(Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(toJson(result)));
        } else {
            out.println((result.verified() ? "VERIFIED" : "REJECTED " + result.reason()) + ": " + result.message());
        }
        return result.verified() ? 0 : 1;
    }

    private Instant parseInstant(String value) throws UsageException {
        if (value == null) {
            return clock.instant();
        }
        try {
            return Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw new UsageException("--at is not an ISO-8601 instant (like 2027-01-01T00:00:00Z): " + value);
        }
    }

    static ObjectNode toJson(VerificationResult result) {
        ObjectNode node = Json.mapper().createObjectNode();
        node.put("verified", result.verified());
        node.put("reason", result.reason().name());
        node.put("flow", result.flow() == null ? null : result.flow().name());
        if (result.signer() == null) {
            node.putNull("signer");
        } else {
            node.putObject("signer").put("subject", result.signer().subject()).put("sha256", result.signer().sha256());
        }
        node.put("message", result.message());
        return node;
    }
}
