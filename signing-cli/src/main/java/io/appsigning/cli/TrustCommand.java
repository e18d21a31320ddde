package io.appsigning.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.appsigning.health.CheckResult;
import io.appsigning.truststore.internal.CertificateFiles;
import io.appsigning.truststore.Identity;
import io.appsigning.truststore.LoadProblem;
import io.appsigning.truststore.internal.TrustStoreLoader;
import io.appsigning.health.CertificateReport;
import io.appsigning.truststore.TrustStoreSnapshot;
import io.appsigning.truststore.TrustedCertificate;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

/**
 * {@code trust list|add|remove}: the operator's certificate management. The trust store is read
 * with the product's own loader, so that {@code list} shows what the product would trust; files are
 * written the way the product needs them to be: atomically, owned like the folder, mode 0644.
 */
final class TrustCommand implements Command {

    private static final Set<PosixFilePermission> MODE_0644 = PosixFilePermissions.fromString("rw-r--r--");

    private final Clock clock;

    TrustCommand(Clock clock) {
        this.clock = clock;
    }

    @Override
    public String name() {
        return "trust";
    }

    @Override
    public String help() {
        return """
                trust list|add|remove --trust-store DIR ...   manage the certificates a product trusts
                  trust list --trust-store DIR [--denylist FILE] [--user NAME] [--json]
                      every certificate (subject, issuer, SHA-256, validity, CA or leaf, key type, file, status
                      VALID/EXPIRING/EXPIRED/NOT_YET_VALID/REVOKED), every skipped file, and whether the folder is
                      safe for the product user NAME (default: the current user). --json prints the shape of
                      GET /api/certificates. The deny list defaults to the folder's sibling 'denylist', if present.
                  trust add --trust-store DIR FILE...
                      copies the certificates of each FILE (PEM, DER, or a bundle of several) into the folder, one
                      file per certificate, atomically, owned like the folder, mode 0644; refuses anything that is
                      not a certificate (nothing is written then); a certificate already there is left as it is.
                  trust remove --trust-store DIR SHA256
                      removes the certificate with that SHA-256 (any case, colons allowed); a file holding others
                      too is rewritten without it.
                  Run as the folder's owner (root), never as the product user.
                  Exit 0 done, 1 nothing to remove (no such certificate), 2 a bad input.""";
    }

    @Override
    public int run(List<String> args, PrintStream out, PrintStream err) throws UsageException, IOException {
        if (args.isEmpty()) {
            throw new UsageException("say what to do: trust list, trust add or trust remove");
        }
        List<String> rest = args.subList(1, args.size());
        return switch (args.get(0)) {
            case "list" -> list(Args.parse(rest, Set.of("--trust-store", "--denylist", "--user"), Set.of("--json")), out, err);
            case "add" -> add(Args.parse(rest, Set.of("--trust-store"), Set.of(), true), out, err);
            case "remove" -> remove(Args.parse(rest, Set.of("--trust-store"), Set.of(), true), out, err);
            default -> throw new UsageException("unknown trust command '" + args.get(0) + "': use list, add or remove");
        };
    }

    // ---- list

    private int list(Args parsed, PrintStream out, PrintStream err) throws UsageException, IOException {
        Path folder = Inputs.folder("the trust store", Path.of(parsed.required("--trust-store")));
        Path denyList = parsed.optional("--denylist") != null ? Path.of(parsed.optional("--denylist"))
                : folder.toAbsolutePath().normalize().resolveSibling("denylist");
        if (parsed.optional("--denylist") != null) {
            Inputs.readableFile("the deny list", denyList);
        } else if (!Files.isRegularFile(denyList)) {
            denyList = null;
        }
        Identity who;
        try {
            who = parsed.optional("--user") == null ? Identity.current() : Identity.ofUser(parsed.optional("--user"));
        } catch (IllegalArgumentException e) {
            throw new UsageException("--user: " + e.getMessage());
        }
        TrustStoreSnapshot snapshot = TrustStoreLoader.load(folder, denyList, who, clock);
        if (denyList != null) {
            Path deny = denyList;
            for (LoadProblem problem : snapshot.problems()) {
                if (problem.file().equals(deny)) {
                    throw new UsageException(problem.message());
                }
            }
        }
        ObjectNode report = report(snapshot, clock.instant());
        if (parsed.flag("--json")) {
            out.println(Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(report));
            return 0;
        }
        out.println("Trust store " + report.get("location").asText() + ", judged for the product user " + who.name()
                + ": " + report.get("safety").get("status").asText());
        report.get("safety").get("messages").forEach(message -> out.println("  " + message.asText()));
        ArrayNode certificates = (ArrayNode) report.get("certificates");
        out.println();
        out.println(certificates.size() + (certificates.size() == 1 ? " certificate:" : " certificates:"));
        for (var certificate : certificates) {
            out.println(String.format("  %-13s %s (%s, %s)", certificate.get("status").asText(), certificate.get("subject").asText(),
                    certificate.get("ca").asBoolean() ? "CA" : "leaf", certificate.get("keyAlgorithm").asText()));
            out.println("                SHA-256 " + certificate.get("sha256").asText());
            out.println("                issuer " + certificate.get("issuer").asText());
            out.println("                valid " + certificate.get("notBefore").asText() + " to "
                    + certificate.get("notAfter").asText() + ", file " + certificate.get("file").asText());
        }
        ArrayNode skipped = (ArrayNode) report.get("skipped");
        if (!skipped.isEmpty()) {
            out.println();
            out.println(skipped.size() + (skipped.size() == 1 ? " file skipped:" : " files skipped:"));
            skipped.forEach(file -> out.println("  " + file.get("file").asText() + ": " + file.get("problem").asText()));
        }
        return 0;
    }

    /** The shape of {@code GET /api/certificates}: the product's own report, read back as a tree for printing. */
    static ObjectNode report(TrustStoreSnapshot snapshot, Instant at) {
        try {
            return (ObjectNode) Json.mapper().readTree(CertificateReport.of(snapshot, at).toJson());
        } catch (java.io.IOException e) {
            throw new IllegalStateException("the report's own JSON always reads back", e);
        }
    }

    // ---- add

    private record Incoming(Path from, TrustedCertificate certificate) {}

    private int add(Args parsed, PrintStream out, PrintStream err) throws UsageException, IOException {
        Path folder = Inputs.folder("the trust store", Path.of(parsed.required("--trust-store")));
        List<String> files = parsed.operands();
        if (files.isEmpty()) {
            throw new UsageException("name the certificate files to add: trust add --trust-store DIR FILE...");
        }
        // Every input is read and judged before anything is written: a bad one means nothing is added.
        List<Incoming> incoming = new ArrayList<>();
        for (String name : files) {
            Path file = Path.of(name);
            byte[] bytes = Pem.readBytes("the certificate file", file);
            for (Object object : Pem.pemObjects("the certificate file " + file, bytes)) {
                if (!(object instanceof org.bouncycastle.cert.X509CertificateHolder)) {
                    throw new UsageException("the certificate file " + file + " holds " + Pem.describeObject(object)
                            + ", not only certificates; a trust store holds certificates only, and never a private key."
                            + " Nothing was added.");
                }
            }
            CertificateFiles.FileResult result = CertificateFiles.readFile(file, null);
            if (result.problem() != null || result.certificates().isEmpty()) {
                throw new UsageException("the certificate file " + file + " is not an X.509 certificate (PEM or DER) or a"
                        + " bundle of them. Nothing was added.");
            }
            if (result.certificates().size() > 1) {
                out.println(file + " is a bundle of " + result.certificates().size() + " certificates:");
            }
            for (TrustedCertificate certificate : result.certificates()) {
                incoming.add(new Incoming(file, certificate));
            }
        }
        warnIfOwnedByCurrentUser(folder, err);
        Map<String, Path> present = new LinkedHashMap<>();
        for (TrustedCertificate existing : CertificateFiles.read(folder).certificates()) {
            present.putIfAbsent(existing.sha256(), existing.source());
        }
        Identity me = Identity.current();
        PosixFileAttributes folderAttributes = Files.readAttributes(folder, PosixFileAttributes.class);
        List<Path> written = new ArrayList<>();
        int added = 0;
        try {
            for (Incoming in : incoming) {
                TrustedCertificate certificate = in.certificate();
                String what = describe(certificate);
                if (present.containsKey(certificate.sha256())) {
                    out.println("  already trusted: " + what + " (" + present.get(certificate.sha256()) + ")");
                    continue;
                }
                Path target = folder.resolve(fileName(certificate));
                byte[] pem;
                try {
                    pem = Pem.encode("CERTIFICATE", certificate.certificate().getEncoded()).getBytes(StandardCharsets.US_ASCII);
                } catch (CertificateEncodingException e) {
                    throw new UsageException("a certificate of " + in.from() + " cannot be re-encoded; nothing was added");
                }
                writeAtomically(folder, target, pem, false, me.isRoot() ? folderAttributes.owner() : null,
                        me.isRoot() ? folderAttributes.group() : null);
                written.add(target);
                present.put(certificate.sha256(), target);
                added++;
                out.println("  added " + what + " as " + target);
            }
        } catch (IOException | UsageException | RuntimeException e) {
            for (Path file : written) {
                Files.deleteIfExists(file);
            }
            if (e instanceof UsageException usage) {
                throw usage;
            }
            throw new UsageException(e instanceof IOException io ? Inputs.describe("the trust store", folder, io)
                    + "; nothing was added" : "cannot add the certificates: " + e.getMessage());
        }
        out.println(added + (added == 1 ? " certificate" : " certificates") + " added to " + folder
                + ". Check each SHA-256 against the one its publisher gives (openssl x509 -in FILE -noout -fingerprint -sha256).");
        return 0;
    }

    private static String describe(TrustedCertificate certificate) {
        X509Certificate x509 = certificate.certificate();
        return certificate.subject() + ", SHA-256 " + certificate.sha256() + ", "
                + (x509.getBasicConstraints() >= 0 ? "CA" : "leaf") + ", " + CertificateReport.keyAlgorithm(x509) + ", valid to "
                + LocalDate.ofInstant(x509.getNotAfter().toInstant(), ZoneOffset.UTC);
    }

    /** A readable, stable, unique name: the subject's CN (or whole subject) and the fingerprint's start. */
    static String fileName(TrustedCertificate certificate) {
        String name = certificate.subject();
        try {
            for (Rdn rdn : new LdapName(certificate.subject()).getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN")) {
                    name = rdn.getValue().toString();
                }
            }
        } catch (InvalidNameException e) {
            // Keep the whole subject.
        }
        String slug = name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("(^-+|-+$)", "");
        if (slug.length() > 60) {
            slug = slug.substring(0, 60);
        }
        return (slug.isEmpty() ? "certificate" : slug) + "-" + certificate.sha256().substring(0, 12) + ".pem";
    }

    // ---- remove

    private int remove(Args parsed, PrintStream out, PrintStream err) throws UsageException, IOException {
        Path folder = Inputs.folder("the trust store", Path.of(parsed.required("--trust-store")));
        if (parsed.operands().size() != 1) {
            throw new UsageException("name one certificate by its SHA-256: trust remove --trust-store DIR SHA256");
        }
        String sha256 = AuditVerifyCommand.normaliseSha256("the SHA-256", parsed.operands().get(0));
        Set<Path> files = new LinkedHashSet<>();
        for (TrustedCertificate certificate : CertificateFiles.read(folder).certificates()) {
            if (certificate.sha256().equals(sha256)) {
                files.add(certificate.source());
            }
        }
        if (files.isEmpty()) {
            err.println("appsign trust: no certificate with SHA-256 " + sha256 + " in " + folder
                    + "; nothing was removed (run 'appsign trust list --trust-store " + folder + "').");
            return 1;
        }
        warnIfOwnedByCurrentUser(folder, err);
        for (Path file : files) {
            CertificateFiles.FileResult result = CertificateFiles.readFile(file, null);
            List<TrustedCertificate> keep = result.certificates().stream()
                    .filter(certificate -> !certificate.sha256().equals(sha256)).collect(Collectors.toList());
            String subject = result.certificates().stream().filter(c -> c.sha256().equals(sha256))
                    .map(TrustedCertificate::subject).findFirst().orElse(sha256);
            try {
                if (keep.isEmpty()) {
                    Files.delete(file);
                    out.println("removed " + subject + " (SHA-256 " + sha256 + "): deleted " + file);
                } else {
                    StringBuilder pem = new StringBuilder();
                    for (TrustedCertificate certificate : keep) {
                        pem.append(Pem.encode("CERTIFICATE", certificate.certificate().getEncoded()));
                    }
                    PosixFileAttributes attributes = Files.readAttributes(file, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                    writeAtomically(folder, file, pem.toString().getBytes(StandardCharsets.US_ASCII), true,
                            attributes.owner(), attributes.group());
                    out.println("removed " + subject + " (SHA-256 " + sha256 + ") from " + file + ", which keeps "
                            + keep.size() + (keep.size() == 1 ? " other certificate" : " other certificates"));
                }
            } catch (IOException e) {
                throw new UsageException(Inputs.describe("the certificate file", file, e));
            } catch (CertificateEncodingException e) {
                throw new UsageException("the certificate file " + file + " holds a certificate that cannot be re-encoded");
            }
        }
        return 0;
    }

    // ---- files

    /**
     * Writes a file through a temporary file in the same folder and an atomic rename, mode 0644,
     * owned by {@code owner}/{@code group} when given (as root: the folder's).
     */
    private static void writeAtomically(Path folder, Path target, byte[] content, boolean replace,
                                        UserPrincipal owner, GroupPrincipal group) throws IOException {
        Path temp = Files.createTempFile(folder, ".appsign-", ".tmp");
        try {
            Files.write(temp, content);
            Files.setPosixFilePermissions(temp, MODE_0644);
            PosixFileAttributeView view = Files.getFileAttributeView(temp, PosixFileAttributeView.class);
            if (owner != null && Identity.current().isRoot()) {
                view.setOwner(owner);
                view.setGroup(group);
            }
            if (replace) {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } else {
                if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                    throw new java.nio.file.FileAlreadyExistsException(target.toString(), null,
                            "a file of that name already exists; it was left as it is");
                }
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /** The product must not be able to write its trust store: whoever owns the folder should not be its user. */
    private static void warnIfOwnedByCurrentUser(Path folder, PrintStream err) throws IOException {
        Identity me = Identity.current();
        if (me.isRoot()) {
            return;
        }
        Object uid = Files.getAttribute(folder, "unix:uid");
        if (uid instanceof Integer owner && owner == me.uid()) {
            err.println("warning: you (" + me.name() + ") own " + folder.toAbsolutePath() + " and are not root. If the product"
                    + " runs as " + me.name() + ", it can change its own trust store, which then trusts nothing"
                    + " (TRUST_STORE_UNSAFE). Protect it (chown -R root:root " + folder.toAbsolutePath() + ") and manage it as root.");
        }
    }
}
